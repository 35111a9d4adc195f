@flavour @google
Feature: Google as the identity provider
  Google's ID tokens may carry the issuer without its scheme (`accounts.google.com`) while
  its discovery document says `https://accounts.google.com`; the relying party accepts that
  only from a provider whose settings name the flavour google. `hd` names the Google
  Workspace domain of the account. See docs/flavours.md.

  Background:
    Given the application has the roles "viewer, admin"
    And the application has the legal entities "de"
    And the application has a user type "employee" allowing "viewer, admin" with default roles "viewer"
    And the identity provider has a user "gina" with the claims:
      | claim          | value                       |
      | sub            | 110169484474386276334       |
      | email          | gina@example-workspace.test |
      | email_verified | true                        |
      | hd             | example-workspace.test      |

  Scenario Outline: A provider named Google signs in with the scheme-less issuer (<flow>)
    Given provider "Google" is a Google provider
    And provider "Google" uses the <flow>
    And automatic creation of users is on with the user type "employee"
    When "gina" signs in through "Google"
    Then she is signed in as the new external user "Google:110169484474386276334"

    Examples:
      | flow                         |
      | authorization code flow      |
      | implicit flow with form_post |
      | hybrid flow with fragment    |

  Scenario: The same tokens from a provider not named Google are refused
    Given provider "Google" is a Google provider without its flavour in the settings
    And provider "Google" uses the authorization code flow
    And automatic creation of users is on with the user type "employee"
    When "gina" signs in through "Google"
    Then the sign-in is refused with "id_token.wrong_issuer"
    And nothing is stored

  Scenario: Autoconfiguration keeps the flavour the administrator chose
    Given provider "Google" is a Google provider
    And provider "Google" uses the authorization code flow
    When the administrator saves provider "Google"
    Then the settings are saved
    And the stored settings of "Google" name the flavour "google"

  Scenario: The hosted domain maps a role
    Given provider "Google" is a Google provider
    And provider "Google" uses the authorization code flow
    And automatic creation of users is on with the user type "employee"
    And roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope  | claim value            | role name |
      | yes    | hd         | openid | example-workspace.test | admin     |
    When "gina" signs in through "Google"
    Then the user "Google:110169484474386276334" has the roles "admin" in "de"

  Scenario: A consumer account without a hosted domain gets no role from it
    Given the identity provider removes the claim "hd" of "gina"
    And provider "Google" is a Google provider
    And provider "Google" uses the authorization code flow
    And automatic creation of users is on with the user type "employee"
    And roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope  | claim value            | role name |
      | yes    | hd         | openid | example-workspace.test | admin     |
    When "gina" signs in through "Google"
    Then the user "Google:110169484474386276334" has no roles

  Scenario: A sign-in from another client of the project is accepted when the settings list it
    Given provider "Google" is a Google provider
    And provider "Google" uses the authorization code flow
    And provider "Google" accepts "android-app" as authorized parties
    And the sign-ins at "Google" come from "android-app", another client of the same Google project
    And automatic creation of users is on with the user type "employee"
    When "gina" signs in through "Google"
    Then she is signed in as the new external user "Google:110169484474386276334"

  Scenario: A sign-in from another client of the project is refused when the settings do not list it
    Given provider "Google" is a Google provider
    And provider "Google" uses the authorization code flow
    And provider "Google" accepts "ios-app" as authorized parties
    And the sign-ins at "Google" come from "android-app", another client of the same Google project
    And automatic creation of users is on with the user type "employee"
    When "gina" signs in through "Google"
    Then the sign-in is refused with "id_token.wrong_azp"
    And nothing is stored

  Scenario: Authorized parties are refused on save for a provider that is not Google
    Given provider "Keycloak" is a Keycloak provider
    And provider "Keycloak" uses the authorization code flow
    And provider "Keycloak" accepts "android-app" as authorized parties
    When the administrator saves provider "Keycloak"
    Then the settings are refused because "google.authorized_parties: expected only for a provider of the flavour google"

  Scenario: Authorized parties are refused on save for a Google provider whose settings do not name the flavour
    Given provider "Google" is a Google provider without its flavour in the settings
    And provider "Google" uses the authorization code flow
    And provider "Google" accepts "android-app" as authorized parties
    When the administrator saves provider "Google" without autoconfiguration
    Then the settings are refused because "found no flavour"
