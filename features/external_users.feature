@external-users
Feature: Internal and external users
  Internal users are created and managed in the application. External users come from an
  identity provider, which manages them: their external id and email cannot be edited, only
  their roles can when roles are managed in the application, and nothing can when the
  provider assigns the roles. Signing out of the application does not sign out of the
  identity provider.

  Background:
    Given the application has the roles "viewer, billing"
    And the application has the legal entities "de"
    And the application has a user type "employee" allowing "viewer, billing" with default roles "viewer"
    And the application has the internal users:
      | username | email            | last name |
      | ivan     | ivan@example.com | Ivanov    |
    And the identity provider has a user "alice" with the claims:
      | claim          | value             |
      | email          | alice@example.com |
      | email_verified | true              |
      | family_name    | Anders            |
      | roles          | ["billing-admin"] |
    And provider "Acme" uses the hybrid flow with fragment
    And automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type  | verified | scope   |
      | yes    | email      | email       | yes      | email   |
      | yes    | last name  | family_name | no       | profile |

  Scenario: A user created by sign-in is external, one created in the application internal
    When "alice" signs in through "Acme"
    Then the user "alice@example.com" is an external user
    And the user "ivan" is an internal user

  Scenario Outline: Internal users are editable except their external id (<field>)
    When the administrator changes the <field> of "ivan" to "<value>"
    Then the change is <outcome>

    Examples:
      | field       | value                  | outcome                                          |
      | last name   | Petrov                 | accepted                                         |
      | email       | ivan@elsewhere.example | accepted                                         |
      | username    | ivan.p                 | accepted                                         |
      | external id | ivan-42                | refused because the external id cannot be edited |

  Scenario Outline: External users keep the provider's external id and email (<field>)
    Given "alice" signs in through "Acme"
    When the administrator changes the <field> of "alice@example.com" to "<value>"
    Then the change is refused because the <field> cannot be edited

    Examples:
      | field       | value                |
      | external id | someone-else         |
      | email       | alice@elsewhere.test |

  Scenario: With roles managed in the application, only the roles of an external user are editable
    Given "alice" signs in through "Acme"
    When the administrator changes the last name of "alice@example.com" to "Smith"
    Then the change is refused because the last name cannot be edited
    When the administrator gives "alice@example.com" the roles "billing" in "de"
    Then the change is accepted
    And the user "alice@example.com" has the roles "billing" in "de"

  Scenario: With roles from the provider, an external user is read-only
    Given roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name |
      | yes    | roles      | roles | billing-admin | billing   |
    And "alice" signs in through "Acme"
    When the administrator gives "alice@example.com" the roles "viewer" in "de"
    Then the change is refused because the roles cannot be edited
    When the administrator changes the last name of "alice@example.com" to "Smith"
    Then the change is refused because the last name cannot be edited

  Scenario: Roles that come from the provider are read-only, roles managed in the application editable
    Given "alice" signs in through "Acme"
    Then the roles of "alice@example.com" are editable
    And the roles of "ivan" are editable
    Given roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name |
      | yes    | roles      | roles | billing-admin | billing   |
    Then the roles of "alice@example.com" are read-only
    And the roles of "ivan" are editable

  Scenario: The provider's changes reach the external user on the next sign-in
    Given "alice" signs in through "Acme"
    When the identity provider sets the claim "family_name" of "alice" to "Smith"
    And "alice" signs in through "Acme"
    Then the user "alice@example.com" has the last name "Smith"

  Scenario: Signing out of the application keeps the identity provider's session
    Given "alice" signs in through "Acme"
    When she signs out of the application
    Then she is no longer signed in to the application
    And she is still signed in at the identity provider

  Scenario: After signing out, signing in again needs no password at the provider
    Given "alice" signs in through "Acme"
    And she signs out of the application
    When she signs in through "Acme" again without naming herself
    Then she is signed in without seeing the provider's login page
    And she is signed in as "alice@example.com"

  Scenario: An Entra ID user whose roles come from Entra ID is read-only
    Given the identity provider has a user "megan" with the claims:
      | claim    | value              |
      | email    | megan@contoso.test |
      | xms_edov | true               |
      | roles    | ["billing-admin"]  |
    And provider "Contoso" is a Microsoft Entra ID tenant
    And provider "Contoso" uses the authorization code flow
    And automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type         | verified | scope   |
      | yes    | username   | preferred_username | no       | profile |
      | yes    | email      | email              | yes      | email   |
    And roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name |
      | yes    | roles      | roles | billing-admin | billing   |
    And "megan" signs in through "Contoso"
    When the administrator gives "megan@contoso.test" the roles "viewer" in "de"
    Then the change is refused because the roles cannot be edited
    And the user "megan@contoso.test" has the roles "billing" in "de"

  Scenario: An Entra ID user whose roles are managed in the application has only roles editable
    Given the identity provider has a user "megan" with the claims:
      | claim    | value              |
      | email    | megan@contoso.test |
      | xms_edov | true               |
    And provider "Contoso" is a Microsoft Entra ID tenant
    And provider "Contoso" uses the authorization code flow
    And automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type         | verified | scope   |
      | yes    | username   | preferred_username | no       | profile |
    And "megan" signs in through "Contoso"
    When the administrator changes the display name of "megan@contoso.test" to "Megan B."
    Then the change is refused because the display name cannot be edited
    When the administrator gives "megan@contoso.test" the roles "billing" in "de"
    Then the change is accepted
