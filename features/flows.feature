@flows
Feature: Every flow signs in, settings come from the provider's metadata, issuer rules
  The "OpenID Providers" form offers five flows, fills the endpoints by autoconfiguration
  from the provider's discovery document, validates stored settings against it, and only
  accepts a case-sensitive https issuer without query or fragment.

  Background:
    Given the application has the roles "viewer"
    And the application has the legal entities "de"
    And the application has a user type "employee" allowing "viewer" with default roles "viewer"
    And the identity provider has a user "alice" with verified email "alice@example.com"

  Scenario Outline: Alice signs in with the <flow>
    Given provider "Acme" uses the <flow>
    And automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type | verified | scope |
      | yes    | email      | email      | yes      | email |
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "alice@example.com"
    And the user "alice@example.com" has the email "alice@example.com"

    Examples:
      | flow                        |
      | authorization code flow     |
      | implicit flow with form_post |
      | implicit flow with fragment |
      | hybrid flow with form_post  |
      | hybrid flow with fragment   |
