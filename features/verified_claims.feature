@verified-claims
Feature: Verified email and phone claims
  A binding or creation row marked "verified" uses the email only when email_verified is
  true, and the phone number only when phone_number_verified is true. A missing companion
  claim, false, or the text "true" all count as unverified. Microsoft Entra ID never sends
  email_verified: its email counts as verified only when xms_edov is true and the provider
  trusts it.

  Background:
    Given the application has the roles "viewer"
    And the application has the legal entities "de"
    And the application has a user type "employee" allowing "viewer" with default roles "viewer"
    And the application has the internal users:
      | username    | email             | phone     |
      | alice.local | alice@example.com | +15550100 |
    And provider "Acme" uses the authorization code flow

  Scenario Outline: Binding on a verified email needs email_verified to be true (<email_verified>)
    Given the identity provider has a user "alice" with the claims:
      | claim          | value             |
      | email          | alice@example.com |
      | email_verified | <email_verified>  |
    And automatic binding of users is on
    And binding rule rows:
      | active | user field | claim type | verified | scope |
      | yes    | email      | email      | yes      | email |
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "binding.no_user"

    Examples:
      | email_verified |
      | false          |
      | "true"         |
      | null           |

  Scenario: Binding on a verified email binds when email_verified is true
    Given the identity provider has a user "alice" with verified email "alice@example.com"
    And automatic binding of users is on
    And binding rule rows:
      | active | user field | claim type | verified | scope |
      | yes    | email      | email      | yes      | email |
    When "alice" signs in through "Acme"
    Then she is bound to the existing user "alice.local"

  Scenario: Binding on an email without "verified" ignores email_verified
    Given the identity provider has a user "alice" with unverified email "alice@example.com"
    And automatic binding of users is on
    And binding rule rows:
      | active | user field | claim type | verified | scope |
      | yes    | email      | email      | no       | email |
    When "alice" signs in through "Acme"
    Then she is bound to the existing user "alice.local"

  Scenario: Binding on a verified email with the companion claim missing does not bind
    Given the identity provider has a user "alice" with verified email "alice@example.com"
    And the identity provider removes the claim "email_verified" of "alice"
    And automatic binding of users is on
    And binding rule rows:
      | active | user field | claim type | verified | scope |
      | yes    | email      | email      | yes      | email |
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "binding.no_user"

  Scenario Outline: Creation assigns a verified email only when email_verified is true
    Given the identity provider has a user "alice" with the claims:
      | claim          | value                |
      | email          | alice@elsewhere.test |
      | email_verified | <email_verified>     |
    And automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type | verified | scope |
      | yes    | email      | email      | yes      | email |
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "<username>"

    Examples:
      | email_verified | username             |
      | true           | alice@elsewhere.test |
      | false          | Acme:alice           |

  Scenario: A verified row is only allowed on email and phone_number
    Given automatic binding of users is on
    And binding rule rows:
      | active | user field | claim type  | verified | scope   |
      | yes    | last name  | family_name | yes      | profile |
    When the administrator saves provider "Acme"
    Then the settings are refused because "expected claim_type email or phone_number"

  # An active phone row has the phone scope requested, so the provider releases phone_number.
  Scenario Outline: Binding on a verified phone number needs phone_number_verified (<verified>)
    Given the identity provider has a user "alice" with the claims:
      | claim                 | value       |
      | phone_number          | +1 555 0100 |
      | phone_number_verified | <verified>  |
    And automatic binding of users is on
    And binding rule rows:
      | active | user field | claim type   | verified | scope |
      | yes    | phone      | phone_number | yes      | phone |
    When "alice" signs in through "Acme"
    Then she is signed in as "<outcome>"

    Examples:
      | verified | outcome     |
      | true     | alice.local |

  Scenario Outline: An unverified phone number does not bind (phone_number_verified <verified>)
    Given the identity provider has a user "alice" with the claims:
      | claim                 | value       |
      | phone_number          | +1 555 0100 |
      | phone_number_verified | <verified>  |
    And automatic binding of users is on
    And binding rule rows:
      | active | user field | claim type   | verified | scope |
      | yes    | phone      | phone_number | yes      | phone |
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "binding.no_user"

    Examples:
      | verified |
      | false    |
      | "true"   |

  Scenario: Creation assigns a verified phone number
    Given the identity provider has a user "alice" with the claims:
      | claim                 | value       |
      | phone_number          | +1 555 0199 |
      | phone_number_verified | true        |
    And automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type   | verified | scope |
      | yes    | phone      | phone_number | yes      | phone |
    When "alice" signs in through "Acme"
    Then the user "Acme:alice" has the phone "+1 555 0199"

  Scenario Outline: Entra ID's email counts as verified only with a trusted xms_edov (<xms_edov>, trust <trust>)
    Given the identity provider has a user "megan" with the claims:
      | claim          | value              |
      | email          | megan@contoso.test |
      | email_verified | true               |
      | xms_edov       | <xms_edov>         |
    And provider "Contoso" is a Microsoft Entra ID tenant
    And provider "Contoso" uses the authorization code flow
    And provider "Contoso" trusts xms_edov for email verification: <trust>
    And automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type         | verified | scope   |
      | yes    | username   | preferred_username | no       | profile |
      | yes    | email      | email              | yes      | email   |
    When "megan" signs in through "Contoso"
    Then she is signed in as the new external user "megan@contoso.test"
    And the user "megan@contoso.test" has <outcome>

    Examples:
      | xms_edov | trust | outcome                        |
      | true     | on    | the email "megan@contoso.test" |
      | false    | on    | an empty email                 |
      | true     | off   | an empty email                 |
