@flavour @okta
Feature: Okta as the identity provider
  Okta serves its org authorization server at the root of the org and custom authorization
  servers at `/oauth2/{id}` beside it, each its own issuer; the `groups` claim is released
  through the `groups` scope. The provider here is the custom authorization server
  `default`. See docs/flavours.md.

  Background:
    Given the application has the roles "viewer, billing"
    And the application has the legal entities "de"
    And the application has a user type "employee" allowing "viewer, billing" with default roles "viewer"
    And the identity provider has a user "oliver" with the claims:
      | claim              | value                     |
      | email              | oliver@okta-customer.test |
      | email_verified     | true                      |
      | preferred_username | oliver@okta-customer.test |
      | groups             | ["Everyone", "Finance"]   |
    And provider "Okta" is an Okta provider

  Scenario Outline: Sign-in at the custom authorization server (<flow>)
    Given provider "Okta" uses the <flow>
    And automatic creation of users is on with the user type "employee"
    When "oliver" signs in through "Okta"
    Then he is signed in as the new external user "Okta:oliver"

    Examples:
      | flow                         |
      | authorization code flow      |
      | implicit flow with fragment  |
      | hybrid flow with fragment    |

  Scenario: Groups released through the groups scope map roles
    Given provider "Okta" uses the authorization code flow
    And automatic creation of users is on with the user type "employee"
    And roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope  | claim value | role name |
      | yes    | groups     | groups | Finance     | billing   |
    When "oliver" signs in through "Okta"
    Then the user "Okta:oliver" has the roles "billing" in "de"

  Scenario: The email binds the existing user
    Given the application has the internal users:
      | username | email                     |
      | oliver.o | oliver@okta-customer.test |
    And provider "Okta" uses the authorization code flow
    And automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type | verified | scope | closing brackets | operator |
      | yes    |                  | email      | email      | yes      | email |                  | and      |
    When "oliver" signs in through "Okta"
    Then he is bound to the existing user "oliver.o"
