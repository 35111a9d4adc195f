@flavour @auth0
Feature: Auth0 as the identity provider
  Auth0's issuer ends with a slash (`https://tenant.example/`), compared byte for byte;
  custom claims are namespaced by URL; `org_id` names the organization the user signed in
  to. See docs/flavours.md.

  Background:
    Given the application has the roles "viewer, editor"
    And the application has the legal entities "de"
    And the application has a user type "employee" allowing "viewer, editor" with default roles "viewer"
    And the identity provider has a user "ana" with the claims:
      | claim                          | value                     |
      | email                          | ana@auth0-customer.test   |
      | email_verified                 | true                      |
      | org_id                         | org_W3a8bJp0kQvXz1Yc      |
      | https://app.example.test/roles | ["editor"]                |
    And provider "Auth0" is an Auth0 provider

  Scenario Outline: Sign-in with the issuer's trailing slash (<flow>)
    Given provider "Auth0" uses the <flow>
    And automatic creation of users is on with the user type "employee"
    When "ana" signs in through "Auth0"
    Then she is signed in as the new external user "Auth0:ana"

    Examples:
      | flow                         |
      | authorization code flow      |
      | implicit flow with form_post |
      | hybrid flow with form_post   |

  Scenario: Autoconfiguration recognises the issuer's trailing slash
    Given provider "Other" is an Auth0 provider without its flavour in the settings
    And provider "Other" uses the authorization code flow
    When the administrator saves provider "Other"
    Then the settings are saved
    And the stored settings of "Other" name the flavour "auth0"

  Scenario: A URL-namespaced claim and the organization map roles
    Given provider "Auth0" uses the authorization code flow
    And automatic creation of users is on with the user type "employee"
    And roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type                     | scope  | claim value          | role name |
      | yes    | https://app.example.test/roles | openid | editor               | editor    |
      | yes    | org_id                         | openid | org_W3a8bJp0kQvXz1Yc | viewer    |
    When "ana" signs in through "Auth0"
    Then the user "Auth0:ana" has the roles "editor, viewer" in "de"
