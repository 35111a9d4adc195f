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
      | flow                         |
      | authorization code flow      |
      | implicit flow with form_post |
      | implicit flow with fragment  |
      | hybrid flow with form_post   |
      | hybrid flow with fragment    |

  Scenario Outline: Alice signs in with the <flow> at a provider serving https
    Given the identity provider serves https
    And provider "Acme" uses the <flow>
    And automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type | verified | scope |
      | yes    | email      | email      | yes      | email |
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "alice@example.com"
    And autoconfiguration fills the endpoints of "Acme" from the provider's metadata

    Examples:
      | flow                         |
      | authorization code flow      |
      | implicit flow with form_post |
      | implicit flow with fragment  |
      | hybrid flow with form_post   |
      | hybrid flow with fragment    |

  Scenario Outline: Alice picks her account on the provider's login page in the <flow>
    Given provider "Acme" uses the <flow>
    And automatic creation of users is on with the user type "employee"
    When "alice" signs in through "Acme" on the provider's login page
    Then she is signed in as the new external user "Acme:alice"

    Examples:
      | flow                         |
      | authorization code flow      |
      | implicit flow with form_post |
      | implicit flow with fragment  |
      | hybrid flow with form_post   |
      | hybrid flow with fragment    |

  Scenario Outline: A sign-in response opened in another browser is refused in the <flow>
    # Login CSRF: bob starts a sign-in and gets his own response, and alice's browser opens
    # it. The sign-in is bound to bob's browser, so alice is not signed in as bob.
    Given the identity provider has a user "bob" with verified email "bob@example.com"
    And provider "Acme" uses the <flow>
    And automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type | verified | scope |
      | yes    | email      | email      | yes      | email |
    When "alice" opens the sign-in response "bob" started through "Acme"
    Then the sign-in is refused with "signin.browser_mismatch"
    And nothing is stored

    Examples:
      | flow                         |
      | authorization code flow      |
      | implicit flow with form_post |
      | hybrid flow with fragment    |

  Scenario Outline: Each response type of a flow's family signs in (<flow>, <response type>)
    Given provider "Acme" uses the <flow>
    And provider "Acme" uses the response type "<response type>"
    And automatic creation of users is on with the user type "employee"
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "Acme:alice"

    Examples:
      | flow                         | response type       |
      | implicit flow with fragment  | id_token            |
      | implicit flow with form_post | id_token token      |
      | hybrid flow with form_post   | code token          |
      | hybrid flow with fragment    | code id_token token |

  Scenario: A response type outside the flow's family is refused when saving
    Given provider "Acme" uses the authorization code flow
    And provider "Acme" uses the response type "id_token"
    When the administrator saves provider "Acme"
    Then the settings are refused because "expected one of code for Authorization Code Flow"

  Scenario: An Entra ID tenant signs in with the hybrid flow and form_post
    Given the identity provider has a user "megan" with verified email "megan@contoso.test"
    And provider "Contoso" is a Microsoft Entra ID tenant
    And provider "Contoso" uses the hybrid flow with form_post
    And automatic creation of users is on with the user type "employee"
    When "megan" signs in through "Contoso"
    Then she is signed in

  Scenario: A sign-in with max_age checks the time of authentication
    Given provider "Acme" uses the hybrid flow with fragment
    And automatic creation of users is on with the user type "employee"
    When "alice" signs in through "Acme" with max_age 300
    Then she is signed in as the new external user "Acme:alice"

  Scenario: Autoconfiguration fills the endpoints from the discovery document
    Given provider "Acme" uses the hybrid flow with fragment
    When the administrator saves provider "Acme"
    Then the settings are saved
    And autoconfiguration fills the endpoints of "Acme" from the provider's metadata

  Scenario: Autoconfiguration refuses a document whose issuer differs from the configured one
    # Discovery compares the issuer byte for byte: a trailing slash is a different issuer.
    Given provider "Acme" has the issuer "{issuer}/"
    When the administrator saves provider "Acme"
    Then the settings are refused because "discovery.issuer_mismatch"

  Scenario: Autoconfiguration reports a provider without a discovery document
    Given provider "Acme" has the issuer "http://{host}/nowhere"
    When the administrator saves provider "Acme"
    Then the settings are refused because "discovery.unreachable"

  Scenario: Validation finds nothing wrong with autoconfigured settings
    Given provider "Acme" uses the authorization code flow
    When the administrator validates provider "Acme"
    Then validation reports no problem

  Scenario Outline: Validation reports each endpoint that differs from the metadata (<endpoint>)
    Given provider "Acme" uses the hybrid flow with form_post
    And the administrator sets the <endpoint> endpoint of "Acme" to "http://{host}/elsewhere"
    When the administrator validates provider "Acme"
    Then validation reports "settings.endpoint_mismatch"

    Examples:
      | endpoint      |
      | authorization |
      | token         |
      | userinfo      |
      | jwks          |

  Scenario Outline: The token endpoint is required by the <flow> only
    Given provider "Acme" uses the <flow>
    And the administrator sets the token endpoint of "Acme" to ""
    When the administrator validates provider "Acme"
    Then validation reports no problem

    Examples:
      | flow                         |
      | implicit flow with form_post |
      | implicit flow with fragment  |

  Scenario: A refused endpoint is dropped and the last saved settings stay in force
    Given provider "Acme" uses the authorization code flow
    And automatic creation of users is on with the user type "employee"
    When the administrator sets the token endpoint of "Acme" to ""
    Then the settings are refused because "needs one"
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "Acme:alice"

  Scenario Outline: A code or hybrid flow without a token endpoint is refused (<flow>)
    Given provider "Acme" uses the <flow>
    And automatic creation of users is on with the user type "employee"
    And "alice" signs in through "Acme"
    When the administrator sets the token endpoint of "Acme" to ""
    Then the settings are refused because "needs one"

    Examples:
      | flow                      |
      | authorization code flow   |
      | hybrid flow with fragment |

  Scenario Outline: Issuer rules: <rule>
    Given provider "Acme" has the issuer "<issuer>"
    When the administrator saves provider "Acme" without autoconfiguration
    Then the settings are refused because "<problem>"

    Examples:
      | rule                     | issuer                               | problem                           |
      | https only               | http://login.example.com/acme        | expected https                    |
      | no other scheme          | ftp://login.example.com/acme         | expected the https scheme         |
      | no query component       | https://login.example.com/acme?x=1   | expected no query component       |
      | no fragment component    | https://login.example.com/acme#part  | expected no fragment component    |
      | a host                   | https:///acme                        | expected                          |
      | no user name or password | https://me:pw@login.example.com/acme | expected no user name or password |

  Scenario: An https issuer with a port and a path passes the issuer rules
    Given provider "Acme" has the issuer "https://login.example.com:8443/tenants/acme"
    When the administrator saves provider "Acme" without autoconfiguration
    Then no problem concerns the issuer

  Scenario: The issuer is case-sensitive
    Given provider "Acme" has the issuer "http://{host}/ACME"
    When the administrator saves provider "Acme"
    Then the settings are refused because "discovery."

  Scenario: The sign-in page offers active providers by their display name and icon
    Given provider "Acme" uses the authorization code flow
    And provider "Acme" shows the icon "https://cdn.example.com/acme.png"
    And provider "Globex" uses the implicit flow with fragment
    And provider "Globex" is inactive
    Then the sign-in page offers "Acme"
    And the sign-in page shows the icon "https://cdn.example.com/acme.png" beside "Acme"
    And the sign-in page does not offer "Globex"

  Scenario: An inactive provider refuses sign-ins
    Given provider "Acme" uses the authorization code flow
    And provider "Acme" is inactive
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "provider.unavailable"
    And nothing is stored

  Scenario: Renaming a provider keeps the users bound to it
    Given provider "Acme" uses the authorization code flow
    And automatic creation of users is on with the user type "employee"
    And "alice" signs in through "Acme"
    When the administrator renames provider "Acme" to "Acme Corporation"
    And "alice" signs in through "Acme Corporation"
    Then she is signed in as "Acme:alice"
    And the application has 1 users
    And the sign-in page offers "Acme Corporation"
    And the sign-in page does not offer "Acme"

  Scenario: The redirect URI to register is the application's callback
    Then the redirect URI to register at the provider is the application's callback

  Scenario: The administrator can view the provider's metadata
    Given provider "Acme" uses the hybrid flow with form_post
    Then the provider metadata of "Acme" shows its issuer and endpoints

  Scenario Outline: The <flow> needs the client secret
    Given provider "Acme" uses the <flow>
    And provider "Acme" has no client secret
    When the administrator saves provider "Acme"
    Then the settings are refused because "expected a client secret"

    Examples:
      | flow                       |
      | authorization code flow    |
      | hybrid flow with form_post |
      | hybrid flow with fragment  |

  Scenario Outline: The <flow> signs in without a client secret
    Given provider "Acme" uses the <flow>
    And provider "Acme" has no client secret
    And automatic creation of users is on with the user type "employee"
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "Acme:alice"

    Examples:
      | flow                         |
      | implicit flow with form_post |
      | implicit flow with fragment  |

  Scenario: Identity scopes are email and profile only
    Given provider "Acme" requests the identity scopes "email, phone"
    When the administrator saves provider "Acme"
    Then the settings are refused because "expected email and/or profile, found"

  Scenario: The oid identity claim needs the profile scope
    Given provider "Acme" identifies users by the claim "oid"
    And provider "Acme" requests the identity scopes "email"
    When the administrator saves provider "Acme"
    Then the settings are refused because "Entra ID sends oid only with the profile scope"

  Scenario Outline: ID tokens signed with <alg> are accepted when the settings allow it
    Given provider "Acme" uses the hybrid flow with fragment
    And provider "Acme" accepts the signing algorithms "<alg>"
    And the identity provider signs the relying party's ID tokens with <alg>
    And automatic creation of users is on with the user type "employee"
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "Acme:alice"

    Examples:
      | alg   |
      | RS256 |
      | ES256 |
      | EdDSA |

  Scenario: An ID token signed with an algorithm the settings do not allow is refused
    Given provider "Acme" uses the authorization code flow
    And provider "Acme" accepts the signing algorithms "RS256"
    And the identity provider signs the relying party's ID tokens with ES256
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "id_token.alg_not_allowed"
    And nothing is stored

  Scenario: The algorithm none can never be allowed
    Given provider "Acme" accepts the signing algorithms "none"
    When the administrator saves provider "Acme" without autoconfiguration
    Then the settings are refused because "none is never accepted"
