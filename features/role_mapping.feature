@role-mapping
Feature: Role mapping rules and role assignment strategies
  With "user roles from provider" on, every sign-in replaces the user's roles with the ones
  the active mapping rows find in the ID token's claims, limited by the user's type. The
  external role assignment strategy says where they go: one role for all legal entities, or
  a role per legal entity. Otherwise roles are managed in the application and sign-in never
  touches them.

  Background:
    Given the application has the roles "viewer, billing, admin"
    And the application has the legal entities "de, fr"
    And the application has a user type "employee" allowing "viewer, billing" with default roles "viewer"
    And the application has a user type "auditor" allowing "viewer" with default roles "viewer"
    And the identity provider has a user "alice" with the claims:
      | claim          | value                           |
      | email          | alice@example.com               |
      | email_verified | true                            |
      | roles          | ["billing-admin", "app-viewer"] |
      | department     | finance                         |
    And provider "Acme" uses the authorization code flow
    And automatic creation of users is on with the user type "employee"

  Scenario: Roles from an array claim go to every legal entity
    Given roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name |
      | yes    | roles      | roles | billing-admin | billing   |
      | yes    | roles      | roles | app-viewer    | viewer    |
    When "alice" signs in through "Acme"
    Then the user "Acme:alice" has the roles "billing, viewer" in "de"
    And the user "Acme:alice" has the roles "billing, viewer" in "fr"

  Scenario: A string claim maps when it equals the claim value
    Given roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope   | claim value | role name |
      | yes    | department | profile | finance     | billing   |
    When "alice" signs in through "Acme"
    Then the user "Acme:alice" has the roles "billing" in "de"

  Scenario: A string claim is never split into words
    Given the identity provider sets the claim "department" of "alice" to "finance team"
    And roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope   | claim value | role name |
      | yes    | department | profile | finance     | billing   |
    When "alice" signs in through "Acme"
    Then the user "Acme:alice" has no roles

  Scenario: Only active rows map roles
    Given roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name |
      | no     | roles      | roles | billing-admin | billing   |
      | yes    | roles      | roles | app-viewer    | viewer    |
    When "alice" signs in through "Acme"
    Then the user "Acme:alice" has the roles "viewer" in "de"

  Scenario: Roles the user type does not allow are dropped
    Given automatic creation of users is on with the user type "auditor"
    And roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name |
      | yes    | roles      | roles | billing-admin | billing   |
      | yes    | roles      | roles | app-viewer    | viewer    |
    When "alice" signs in through "Acme"
    Then the user "Acme:alice" has the roles "viewer" in "de"
    And the role "billing" was dropped with the reason "not_allowed_for_user_type"

  Scenario: Rows must name roles the application knows
    Given roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name  |
      | yes    | roles      | roles | billing-admin | accounting |
    When the administrator saves provider "Acme"
    Then the settings are refused because "expected an existing role"

  Scenario: An existing user's own type limits the roles
    Given the application has the internal users:
      | username    | email             | user type |
      | alice.local | alice@example.com | auditor   |
    And automatic binding of users is on
    And binding rule rows:
      | active | user field | claim type | verified | scope |
      | yes    | email      | email      | yes      | email |
    And roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name |
      | yes    | roles      | roles | billing-admin | billing   |
      | yes    | roles      | roles | app-viewer    | viewer    |
    When "alice" signs in through "Acme"
    Then she is bound to the existing user "alice.local"
    And the user "alice.local" has the roles "viewer" in "de"
    And the role "billing" was dropped with the reason "not_allowed_for_user_type"

  Scenario: Roles are replaced on every sign-in
    Given roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name |
      | yes    | roles      | roles | billing-admin | billing   |
      | yes    | roles      | roles | app-viewer    | viewer    |
    And "alice" signs in through "Acme"
    When the identity provider sets the claim "roles" of "alice" to ["app-viewer"]
    And "alice" signs in through "Acme"
    Then the user "Acme:alice" has the roles "viewer" in "de"

  Scenario: No matching claim means no roles
    Given roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope | claim value | role name |
      | yes    | roles      | roles | app-admin   | admin     |
    When "alice" signs in through "Acme"
    Then the user "Acme:alice" has no roles

  Scenario: A role per legal entity goes only to its legal entity
    Given roles from the provider are on with the strategy "RolePerLegalEntity"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name | legal entity |
      | yes    | roles      | roles | billing-admin | billing   | fr           |
      | yes    | roles      | roles | app-viewer    | viewer    | de           |
    When "alice" signs in through "Acme"
    Then the user "Acme:alice" has the roles "viewer" in "de"
    And the user "Acme:alice" has the roles "billing" in "fr"

  Scenario: Roles from nested claims are named by their path, as Keycloak nests them
    Given the identity provider sets the claim "realm_access" of "alice" to {"roles": ["billing-admin"]}
    And the identity provider sets the claim "resource_access" of "alice" to {"erp": {"roles": ["app-viewer"]}, "wiki": {"roles": ["app-admin"]}}
    And roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type                | scope | claim value   | role name |
      | yes    | realm_access.roles        | roles | billing-admin | billing   |
      | yes    | resource_access.erp.roles | roles | app-viewer    | viewer    |
      | yes    | resource_access.erp.roles | roles | app-admin     | admin     |
    When "alice" signs in through "Acme"
    Then the user "Acme:alice" has the roles "billing, viewer" in "de"

  Scenario: A claim named by a URL is one claim, dots and all, as Auth0 namespaces them
    Given the identity provider sets the claim "https://erp.example/roles" of "alice" to ["billing-admin"]
    And roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type                | scope | claim value   | role name |
      | yes    | https://erp.example/roles | roles | billing-admin | billing   |
    When "alice" signs in through "Acme"
    Then the user "Acme:alice" has the roles "billing" in "de"

  Scenario: A segment in quotes may hold dots
    Given the identity provider sets the claim "resource_access" of "alice" to {"erp.eu": {"roles": ["app-viewer"]}}
    And roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type                     | scope | claim value | role name |
      | yes    | resource_access."erp.eu".roles | roles | app-viewer  | viewer    |
    When "alice" signs in through "Acme"
    Then the user "Acme:alice" has the roles "viewer" in "de"

  Scenario: A claim path with an empty segment is refused when the settings are saved
    Given roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type          | scope | claim value   | role name |
      | yes    | realm_access..roles | roles | billing-admin | billing   |
    When the administrator saves provider "Acme"
    Then the settings are refused because "role mapping row 1: claim_type: expected a claim path like realm_access.roles, found an empty segment at character 14"

  Scenario: A role per legal entity needs the legal entity
    Given roles from the provider are on with the strategy "RolePerLegalEntity"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name |
      | yes    | roles      | roles | billing-admin | billing   |
    When the administrator saves provider "Acme"
    Then the settings are refused because "expected a legal entity for strategy role_per_legal_entity"

  Scenario: One role for all legal entities takes no legal entity
    Given roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name | legal entity |
      | yes    | roles      | roles | billing-admin | billing   | de           |
    When the administrator saves provider "Acme"
    Then the settings are refused because "expected none for strategy one_role_for_all_legal_entities"

  Scenario: Roles from the provider cannot be managed in the application at the same time
    Given roles from the provider are on with the strategy "ManagedInApplication"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name |
      | yes    | roles      | roles | billing-admin | billing   |
    When the administrator saves provider "Acme"
    Then the settings are refused because "found managed_in_application"

  Scenario: Roles from the provider switched on without an active row are refused
    Given roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name |
      | no     | roles      | roles | billing-admin | billing   |
    When the administrator saves provider "Acme"
    Then the settings are refused because "expected at least one active row when roles_from_provider is on"

  Scenario: With roles from the provider off, sign-in never touches roles
    Given roles from the provider are off with the strategy "ManagedInApplication"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name |
      | yes    | roles      | roles | billing-admin | billing   |
    When "alice" signs in through "Acme"
    Then the user "Acme:alice" has the roles "viewer" in "de"
    And the user "Acme:alice" has the roles "viewer" in "fr"

  Scenario Outline: Invitations cannot give roles when the provider assigns them (<strategy>)
    Given roles from the provider are on with the strategy "<strategy>"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name | legal entity |
      | yes    | roles      | roles | billing-admin | billing   | <entity>     |
    When the administrator invites "alice@example.com" of type "employee" with external id "alice" at "Acme" with the roles "viewer" in "de"
    Then the invitation is refused with "invitation.roles_from_provider"

    Examples:
      | strategy                   | entity |
      | OneRoleForAllLegalEntities |        |
      | RolePerLegalEntity         | de     |

  Scenario: An invited user gets the provider's roles on the first sign-in
    Given roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name |
      | yes    | roles      | roles | billing-admin | billing   |
    And the administrator invites "alice@example.com" as an external user of type "employee" with external id "alice" at "Acme"
    When "alice" signs in through "Acme"
    Then she is signed in as the invited user "alice@example.com"
    And the user "alice@example.com" has the roles "billing" in "de"

  # The stated choice for a claim removed at the provider: roles follow the roles claim on
  # every sign-in (no claim, no roles), while a user field whose claim disappears keeps its
  # value (creation.feature, "A claim the provider stops sending leaves the field as it is").
  Scenario: A roles claim the provider stops sending clears the roles
    Given roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name |
      | yes    | roles      | roles | billing-admin | billing   |
    When "alice" signs in through "Acme"
    Then the user "Acme:alice" has the roles "billing" in "de"
    When the identity provider removes the claim "roles" of "alice"
    And "alice" signs in through "Acme"
    Then she is signed in as "Acme:alice"
    And the user "Acme:alice" has no roles

  # The stated choice for a provider strategy with roles from the provider off: the settings
  # are saved, the strategy waits unused, and roles are managed in the application — so an
  # invitation may give roles and the administrator may edit them.
  Scenario: With roles from the provider off, a provider strategy waits and invitations may give roles
    Given roles from the provider are off with the strategy "RolePerLegalEntity"
    And role mapping rule rows:
      | active | claim type | scope | claim value   | role name | legal entity |
      | yes    | roles      | roles | billing-admin | billing   | de           |
    When the administrator invites "alice@example.com" of type "employee" with external id "alice" at "Acme" with the roles "viewer" in "fr"
    Then the change is accepted
    When "alice" signs in through "Acme"
    Then she is signed in as the invited user "alice@example.com"
    And the user "alice@example.com" has the roles "viewer" in "fr"
    And the user "alice@example.com" has the roles "" in "de"
    And the roles of "alice@example.com" are editable
