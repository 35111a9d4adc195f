@flavour @keycloak
Feature: Keycloak as the identity provider
  Keycloak's issuer is `…/realms/{realm}`; its ID tokens carry `typ: "ID"`, `azp` and
  `preferred_username`, and nest roles in `realm_access.roles` and
  `resource_access.{client}.roles`. See docs/flavours.md.

  Background:
    Given the application has the roles "viewer, billing, admin"
    And the application has the legal entities "de"
    And the application has a user type "employee" allowing "viewer, billing, admin" with default roles "viewer"
    And the application has the internal users:
      | username | email         |
      | kim      | kim@corp.test |
    And the identity provider has a user "kim" with the claims:
      | claim           | value                                                                 |
      | email           | kim@corp.test                                                         |
      | email_verified  | true                                                                  |
      | realm_access    | {"roles": ["offline_access", "staff"]}                                |
      | resource_access | {"rp": {"roles": ["invoice-approver"]}, "account": {"roles": ["manage-account"]}} |
    And provider "Keycloak" is a Keycloak provider

  Scenario Outline: Sign-in through a realm (<flow>)
    Given provider "Keycloak" uses the <flow>
    And automatic creation of users is on with the user type "employee"
    When "kim" signs in through "Keycloak"
    Then he is signed in as the new external user "Keycloak:kim"

    Examples:
      | flow                         |
      | authorization code flow      |
      | implicit flow with fragment  |
      | hybrid flow with form_post   |

  Scenario: Autoconfiguration recognises the realm's discovery document
    Given provider "Kc" is a Keycloak provider without its flavour in the settings
    And provider "Kc" uses the authorization code flow
    When the administrator saves provider "Kc"
    Then the settings are saved
    And the stored settings of "Kc" name the flavour "keycloak"

  Scenario: Realm and client roles map through their claim paths
    Given provider "Keycloak" uses the authorization code flow
    And automatic creation of users is on with the user type "employee"
    And roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type                   | scope  | claim value      | role name |
      | yes    | realm_access.roles           | openid | staff            | viewer    |
      | yes    | resource_access.rp.roles     | openid | invoice-approver | billing   |
      | yes    | resource_access.account.roles | openid | invoice-approver | admin     |
    When "kim" signs in through "Keycloak"
    Then the user "Keycloak:kim" has the roles "billing, viewer" in "de"

  Scenario: preferred_username binds the existing user
    Given provider "Keycloak" uses the authorization code flow
    And automatic binding of users is on
    And binding rule rows:
      | active | opening brackets | user field | claim type         | verified | scope   | closing brackets | operator |
      | yes    |                  | username   | preferred_username | no       | profile |                  | and      |
    When "kim" signs in through "Keycloak"
    Then he is bound to the existing user "kim"
