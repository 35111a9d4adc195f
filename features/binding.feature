@binding
Feature: User binding rules
  On a user's first sign-in through a provider, the binding rules look for the existing
  application user the identity belongs to. Each active row compares a user field with a
  claim of the ID token; brackets and the and/or operators combine the rows. Exactly one
  matching user is bound, several matches refuse the sign-in, and no match falls through to
  the user creation rules.

  Background:
    Given the application has the roles "viewer"
    And the application has the legal entities "de"
    And the application has a user type "employee" allowing "viewer" with default roles "viewer"
    And the application has the internal users:
      | username    | email             | first name | last name |
      | alice.local | alice@example.com | Alice      | Anders    |
      | bob.local   | bob@example.com   | Bob        | Brown     |
    And the identity provider has a user "alice" with the claims:
      | claim          | value             |
      | email          | alice@example.com |
      | email_verified | true              |
      | given_name     | Alice             |
      | family_name    | Anders            |
      | phone_number   | +1 555 0100       |
    And provider "Acme" uses the authorization code flow

  Scenario: A single condition on the verified email binds the existing user
    Given automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type | verified | scope | closing brackets | operator |
      | yes    |                  | email      | email      | yes      | email |                  | and      |
    When "alice" signs in through "Acme"
    Then she is bound to the existing user "alice.local"
    And the user "alice.local" is an external user
    And the user "alice.local" has the external id "alice"
    And the application has 2 users

  Scenario: The bound user is found again on the next sign-in
    Given automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type | verified | scope | closing brackets | operator |
      | yes    |                  | email      | email      | yes      | email |                  | and      |
    And "alice" signs in through "Acme"
    When "alice" signs in through "Acme"
    Then she is signed in as "alice.local"
    And the application has 2 users

  Scenario: With automatic binding off, a matching user is not bound
    Given automatic binding of users is off
    And binding rule rows:
      | active | opening brackets | user field | claim type | verified | scope | closing brackets | operator |
      | yes    |                  | email      | email      | yes      | email |                  | and      |
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "binding.no_user"
    And the user "alice.local" is an internal user

  Scenario: Several rows joined by "and" must all match
    Given automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type  | verified | scope   | closing brackets | operator |
      | yes    |                  | email      | email       | yes      | email   |                  | and      |
      | yes    |                  | last name  | family_name | no       | profile |                  | and      |
    And the identity provider sets the claim "family_name" of "alice" to Smith
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "binding.no_user"

  Scenario: Brackets group conditions and "or" offers an alternative
    # (email AND last name) OR first name: the email differs, the first name matches.
    Given automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type  | verified | scope   | closing brackets | operator |
      | yes    | (                | email      | email       | yes      | email   |                  | and      |
      | yes    |                  | last name  | family_name | no       | profile | )                | or       |
      | yes    |                  | first name | given_name  | no       | profile |                  | and      |
    And the identity provider sets the claim "email" of "alice" to "alice@elsewhere.example"
    When "alice" signs in through "Acme"
    Then she is bound to the existing user "alice.local"

  Scenario: Without the brackets "and" binds tighter than "or"
    # email AND (last name OR first name) would not match the changed email; without the
    # brackets the same rows read (email AND last name) OR first name, which matches.
    Given automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type  | verified | scope   | closing brackets | operator |
      | yes    |                  | email      | email       | yes      | email   |                  | and      |
      | yes    | (                | last name  | family_name | no       | profile |                  | or       |
      | yes    |                  | first name | given_name  | no       | profile | )                | and      |
    And the identity provider sets the claim "email" of "alice" to "alice@elsewhere.example"
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "binding.no_user"

  Scenario: Inactive rows are left out with their brackets and operator
    Given automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type  | verified | scope   | closing brackets | operator |
      | yes    |                  | email      | email       | yes      | email   |                  | and      |
      | no     |                  | last name  | family_name | no       | profile |                  | and      |
    And the identity provider sets the claim "family_name" of "alice" to Smith
    When "alice" signs in through "Acme"
    Then she is bound to the existing user "alice.local"

  Scenario: Several matching users refuse the sign-in
    Given the application has the internal users:
      | username   | email             |
      | alice.test | alice@example.com |
    And automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type | verified | scope | closing brackets | operator |
      | yes    |                  | email      | email      | yes      | email |                  | and      |
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "binding.ambiguous"
    And nothing is stored

  Scenario: No matching user falls through to creation
    Given automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type | verified | scope | closing brackets | operator |
      | yes    |                  | email      | email      | yes      | email |                  | and      |
    And automatic creation of users is on with the user type "employee"
    And the identity provider sets the claim "email" of "alice" to "alice@elsewhere.example"
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "Acme:alice"
    And the user "alice.local" is an internal user
    And the application has 3 users

  Scenario: No matching user and no creation refuses the sign-in
    Given automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type | verified | scope | closing brackets | operator |
      | yes    |                  | email      | email      | yes      | email |                  | and      |
    And the identity provider sets the claim "email" of "alice" to "alice@elsewhere.example"
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "binding.no_user"
    And nothing is stored

  Scenario: A claim from a scope that was not requested does not match
    # Without the profile identity scope the provider releases no profile claims.
    Given provider "Acme" requests the identity scopes "email"
    And automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type  | verified | scope   | closing brackets | operator |
      | yes    |                  | last name  | family_name | no       | profile |                  | and      |
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "binding.no_user"

  Scenario: Users bound to another provider are not candidates
    Given automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type | verified | scope | closing brackets | operator |
      | yes    |                  | email      | email      | yes      | email |                  | and      |
    And "alice" signs in through "Acme"
    And provider "Globex" uses the authorization code flow
    And automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type | verified | scope | closing brackets | operator |
      | yes    |                  | email      | email      | yes      | email |                  | and      |
    When "alice" signs in through "Globex"
    Then the sign-in is refused with "binding.no_user"

  Scenario Outline: Rows that cannot be parsed are refused when the settings are saved
    Given automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type   | verified   | scope | closing brackets | operator |
      | yes    | <open>           | email      | <claim type> | <verified> | email | <close>          | and      |
    When the administrator saves provider "Acme"
    Then the settings are refused because "<problem>"

    Examples:
      | open | close | claim type | verified | problem                                   |
      | (    |       | email      | yes      | expected a matching ')'                   |
      |      | )     | email      | yes      | expected a matching '('                   |
      | [    |       | email      | yes      | expected only '('                         |
      |      |       | given_name | yes      | expected claim_type email or phone_number |

  Scenario: The identity claim sub identifies the user at a standard provider
    Given the identity provider has a user "dave" with the claims:
      | claim          | value            |
      | sub            | 248289761001     |
      | email          | dave@example.com |
      | email_verified | true             |
    And provider "Acme" identifies users by the claim "sub"
    And automatic creation of users is on with the user type "employee"
    When "dave" signs in through "Acme"
    Then he is signed in as the new external user "Acme:248289761001"
    And the user "Acme:248289761001" has the external id "248289761001"

  Scenario: The identity claim oid identifies the user at Entra ID
    Given the identity provider has a user "erin" with the claims:
      | claim | value                                |
      | oid   | 00000000-0000-0000-66f3-3332eca7ea81 |
      | email | erin@example.com                     |
    And provider "Contoso" is a Microsoft Entra ID tenant
    And provider "Contoso" uses the authorization code flow
    And provider "Contoso" identifies users by the claim "oid"
    And automatic creation of users is on with the user type "employee"
    When "erin" signs in through "Contoso"
    Then she is signed in as the new external user "Contoso:00000000-0000-0000-66f3-3332eca7ea81"
    And the user "Contoso:00000000-0000-0000-66f3-3332eca7ea81" has the external id "00000000-0000-0000-66f3-3332eca7ea81"

  Scenario: An empty operator cell keeps the form's default, and
    Given automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type  | verified | scope   | closing brackets | operator |
      | yes    |                  | email      | email       | yes      | email   |                  |          |
      | yes    |                  | last name  | family_name | no       | profile |                  |          |
    When "alice" signs in through "Acme"
    Then she is bound to the existing user "alice.local"

  Scenario: An empty user field cell is refused with the missing field named
    Given automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type | verified | scope | closing brackets | operator |
      | yes    |                  |            | email      | yes      | email |                  | and      |
    When the administrator saves provider "Acme"
    Then the settings are refused because "user_field"

  Scenario: Binding switched on with only inactive rows is refused
    Given automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type | verified | scope | closing brackets | operator |
      | no     |                  | email      | email      | yes      | email |                  | and      |
    When the administrator saves provider "Acme"
    Then the settings are refused because "expected at least one active row when automatic binding is enabled"
