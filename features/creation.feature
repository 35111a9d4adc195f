@creation
Feature: User creation rules, updates from the provider and invitations
  When no user is bound to an identity and none is found by the binding rules, automatic
  creation makes an external user from the creation rules' user type, with its fields
  mapped from claims. Every later sign-in refreshes those fields from the provider.
  Invited users are pre-created with their identity and taken on their first sign-in.

  Background:
    Given the application has the roles "viewer, billing"
    And the application has the legal entities "de, fr"
    And the application has a user type "employee" allowing "viewer, billing" with default roles "viewer"
    And the application has a user type "contractor" allowing "viewer" with default roles ""
    And the identity provider has a user "alice" with the claims:
      | claim              | value             |
      | email              | alice@example.com |
      | email_verified     | true              |
      | preferred_username | alice             |
      | given_name         | Alice             |
      | family_name        | Anders            |
      | nickname           | Al                |
    And provider "Acme" uses the authorization code flow

  Scenario: Automatic creation makes an external user from the user type template
    Given automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type | verified | scope |
      | yes    | email      | email      | yes      | email |
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "alice@example.com"
    And the user "alice@example.com" is an external user
    And the user "alice@example.com" is of type "employee"
    And the user "alice@example.com" has the roles "viewer" in "de"
    And the user "alice@example.com" has the roles "viewer" in "fr"

  Scenario: Another user type gives other defaults
    Given automatic creation of users is on with the user type "contractor"
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "Acme:alice"
    And the user "Acme:alice" is of type "contractor"
    And the user "Acme:alice" has no roles

  Scenario: With automatic creation off, an unknown identity is refused
    Given automatic creation of users is off with the user type "employee"
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "binding.no_user"
    And the application has 0 users

  Scenario: Claims are mapped to the user's fields
    Given automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field   | claim type         | verified | scope   |
      | yes    | username     | preferred_username | no       | profile |
      | yes    | email        | email              | yes      | email   |
      | yes    | first name   | given_name         | no       | profile |
      | yes    | last name    | family_name        | no       | profile |
      | yes    | display name | name               | no       | profile |
      | yes    | display name | nickname           | no       | profile |
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "alice"
    And the user "alice" has the email "alice@example.com"
    And the user "alice" has the first name "Alice"
    And the user "alice" has the last name "Anders"
    And the user "alice" has the display name "Al"

  Scenario: The first active row that yields a value wins for its field
    Given the identity provider sets the claim "name" of "alice" to "Alice Anders"
    And automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field   | claim type | verified | scope   |
      | yes    | display name | name       | no       | profile |
      | yes    | display name | nickname   | no       | profile |
    When "alice" signs in through "Acme"
    Then the user "Acme:alice" has the display name "Alice Anders"

  Scenario: Inactive rows are ignored
    Given automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type  | verified | scope   |
      | no     | first name | given_name  | no       | profile |
      | yes    | last name  | family_name | no       | profile |
    When "alice" signs in through "Acme"
    Then the user "Acme:alice" has an empty first name
    And the user "Acme:alice" has the last name "Anders"

  Scenario: A taken username gets a number
    Given the application has the internal users:
      | username | email             |
      | alice    | other@example.com |
    And automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type         | verified | scope   |
      | yes    | username   | preferred_username | no       | profile |
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "alice-2"

  Scenario: A second sign-in updates the user from changed provider data
    Given automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type         | verified | scope   |
      | yes    | username   | preferred_username | no       | profile |
      | yes    | email      | email              | yes      | email   |
      | yes    | last name  | family_name        | no       | profile |
    And "alice" signs in through "Acme"
    When the identity provider sets the claim "family_name" of "alice" to "Smith"
    And the identity provider sets the claim "email" of "alice" to "alice.smith@example.com"
    And the identity provider sets the claim "preferred_username" of "alice" to "asmith"
    And "alice" signs in through "Acme"
    Then she is signed in as "alice"
    And the user "alice" has the last name "Smith"
    And the user "alice" has the email "alice.smith@example.com"
    And the application has 1 users

  Scenario: A claim the provider stops sending leaves the field as it is
    Given automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type  | verified | scope   |
      | yes    | last name  | family_name | no       | profile |
    And "alice" signs in through "Acme"
    When the identity provider removes the claim "family_name" of "alice"
    And "alice" signs in through "Acme"
    Then the user "Acme:alice" has the last name "Anders"

  Scenario: Updates come from the provider even with automatic creation off
    Given automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type  | verified | scope   |
      | yes    | last name  | family_name | no       | profile |
    And "alice" signs in through "Acme"
    And automatic creation of users is off with the user type "employee"
    When the identity provider sets the claim "family_name" of "alice" to "Smith"
    And "alice" signs in through "Acme"
    Then the user "Acme:alice" has the last name "Smith"

  Scenario: An invited external user is taken on the first sign-in
    Given creation rule rows:
      | active | user field | claim type | verified | scope   |
      | yes    | first name | given_name | no       | profile |
    And the administrator invites "alice@example.com" as an external user of type "employee" with external id "alice" at "Acme"
    When "alice" signs in through "Acme"
    Then she is signed in as the invited user "alice@example.com"
    And the user "alice@example.com" has the first name "Alice"
    And the user "alice@example.com" has the roles "viewer" in "de"
    And the application has 1 users

  Scenario: An invitation keeps the roles it was given
    When the administrator invites "alice@example.com" of type "employee" with external id "alice" at "Acme" with the roles "billing" in "fr"
    And "alice" signs in through "Acme"
    Then she is signed in as the invited user "alice@example.com"
    And the user "alice@example.com" has the roles "billing" in "fr"
    And the user "alice@example.com" has the roles "" in "de"

  Scenario: Without a username mapping, a verified email names the new user
    Given automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type | verified | scope |
      | yes    | email      | email      | no       | email |
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "alice@example.com"

  Scenario: Without a username mapping, an unverified email does not name the new user
    Given the identity provider sets the claim "email_verified" of "alice" to false
    And automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type | verified | scope |
      | yes    | email      | email      | no       | email |
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "Acme:alice"
    And the user "Acme:alice" has the email "alice@example.com"

  Scenario: Automatic creation needs a user type
    Given automatic creation of users is on with the user type ""
    When the administrator saves provider "Acme"
    Then the settings are refused because "expected a user type when automatic creation is enabled"

  Scenario: Automatic creation needs an existing user type
    Given automatic creation of users is on with the user type "partner"
    When the administrator saves provider "Acme"
    Then the settings are refused because "expected an existing user type"
