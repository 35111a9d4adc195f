@validation-errors
Feature: The relying party refuses what the fault catalog breaks, and accepts what it allows
  Every fault of the mock IdP's catalog, in every flow where it applies, as the OpenID
  Foundation's relying-party certification tests do it. A refused sign-in shows a stable
  error code and stores nothing. Each example block carries the tag of the certification
  test it mirrors, so `--tags @oidcc-client-test-invalid-aud` selects it.

  Background:
    Given the application has the roles "viewer"
    And the application has the legal entities "de"
    And the application has a user type "employee" allowing "viewer" with default roles "viewer"
    And the identity provider has a user "alice" with verified email "alice@example.com"
    And provider "Acme" uses the authorization code flow
    And automatic creation of users is on with the user type "employee"
    And creation rule rows:
      | active | user field | claim type | verified | scope |
      | yes    | email      | email      | yes      | email |

  Scenario Outline: <fault> in the <flow> is refused with <code>
    Given provider "Acme" uses the <flow>
    And the identity provider misbehaves with "<fault>"
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "<code>"
    And nothing is stored

    @oidcc-client-test-invalid-iss @id-token-claims
    Examples: iss_changed
      | fault       | flow                         | code                  |
      | iss_changed | authorization code flow      | id_token.wrong_issuer |
      | iss_changed | implicit flow with form_post | id_token.wrong_issuer |
      | iss_changed | implicit flow with fragment  | id_token.wrong_issuer |
      | iss_changed | hybrid flow with form_post   | id_token.wrong_issuer |
      | iss_changed | hybrid flow with fragment    | id_token.wrong_issuer |

    @flavour @id-token-claims
    Examples: iss_without_scheme
      | fault              | flow                         | code                  |
      | iss_without_scheme | authorization code flow      | id_token.wrong_issuer |
      | iss_without_scheme | implicit flow with form_post | id_token.wrong_issuer |
      | iss_without_scheme | implicit flow with fragment  | id_token.wrong_issuer |
      | iss_without_scheme | hybrid flow with form_post   | id_token.wrong_issuer |
      | iss_without_scheme | hybrid flow with fragment    | id_token.wrong_issuer |

    @flavour @id-token-claims
    Examples: azp_other_client
      | fault            | flow                         | code               |
      | azp_other_client | authorization code flow      | id_token.wrong_azp |
      | azp_other_client | implicit flow with form_post | id_token.wrong_azp |
      | azp_other_client | implicit flow with fragment  | id_token.wrong_azp |
      | azp_other_client | hybrid flow with form_post   | id_token.wrong_azp |
      | azp_other_client | hybrid flow with fragment    | id_token.wrong_azp |

    @oidcc-client-test-invalid-aud @id-token-claims
    Examples: aud_changed
      | fault       | flow                         | code                    |
      | aud_changed | authorization code flow      | id_token.wrong_audience |
      | aud_changed | implicit flow with form_post | id_token.wrong_audience |
      | aud_changed | implicit flow with fragment  | id_token.wrong_audience |
      | aud_changed | hybrid flow with form_post   | id_token.wrong_audience |
      | aud_changed | hybrid flow with fragment    | id_token.wrong_audience |

    @oidcc-client-test-missing-aud @id-token-claims
    Examples: aud_missing
      | fault       | flow                         | code                 |
      | aud_missing | authorization code flow      | id_token.missing_aud |
      | aud_missing | implicit flow with form_post | id_token.missing_aud |
      | aud_missing | implicit flow with fragment  | id_token.missing_aud |
      | aud_missing | hybrid flow with form_post   | id_token.missing_aud |
      | aud_missing | hybrid flow with fragment    | id_token.missing_aud |

    @id-token-claims
    Examples: extra_aud
      | fault     | flow                         | code                        |
      | extra_aud | authorization code flow      | id_token.untrusted_audience |
      | extra_aud | implicit flow with form_post | id_token.untrusted_audience |
      | extra_aud | implicit flow with fragment  | id_token.untrusted_audience |
      | extra_aud | hybrid flow with form_post   | id_token.untrusted_audience |
      | extra_aud | hybrid flow with fragment    | id_token.untrusted_audience |

    @id-token-claims
    Examples: extra_aud_wrong_azp
      | fault               | flow                         | code               |
      | extra_aud_wrong_azp | authorization code flow      | id_token.wrong_azp |
      | extra_aud_wrong_azp | implicit flow with form_post | id_token.wrong_azp |
      | extra_aud_wrong_azp | implicit flow with fragment  | id_token.wrong_azp |
      | extra_aud_wrong_azp | hybrid flow with form_post   | id_token.wrong_azp |
      | extra_aud_wrong_azp | hybrid flow with fragment    | id_token.wrong_azp |

    @id-token-claims
    Examples: extra_aud_with_azp
      | fault              | flow                         | code                        |
      | extra_aud_with_azp | authorization code flow      | id_token.untrusted_audience |
      | extra_aud_with_azp | implicit flow with form_post | id_token.untrusted_audience |
      | extra_aud_with_azp | implicit flow with fragment  | id_token.untrusted_audience |
      | extra_aud_with_azp | hybrid flow with form_post   | id_token.untrusted_audience |
      | extra_aud_with_azp | hybrid flow with fragment    | id_token.untrusted_audience |

    @oidcc-client-test-missing-sub @id-token-claims
    Examples: sub_missing
      | fault       | flow                         | code                 |
      | sub_missing | authorization code flow      | id_token.missing_sub |
      | sub_missing | implicit flow with form_post | id_token.missing_sub |
      | sub_missing | implicit flow with fragment  | id_token.missing_sub |
      | sub_missing | hybrid flow with form_post   | id_token.missing_sub |
      | sub_missing | hybrid flow with fragment    | id_token.missing_sub |

    @oidcc-client-test-missing-iat @id-token-claims
    Examples: iat_missing
      | fault       | flow                         | code                 |
      | iat_missing | authorization code flow      | id_token.missing_iat |
      | iat_missing | implicit flow with form_post | id_token.missing_iat |
      | iat_missing | implicit flow with fragment  | id_token.missing_iat |
      | iat_missing | hybrid flow with form_post   | id_token.missing_iat |
      | iat_missing | hybrid flow with fragment    | id_token.missing_iat |

    @id-token-claims
    Examples: iat_future
      | fault      | flow                         | code                      |
      | iat_future | authorization code flow      | id_token.issued_in_future |
      | iat_future | implicit flow with form_post | id_token.issued_in_future |
      | iat_future | implicit flow with fragment  | id_token.issued_in_future |
      | iat_future | hybrid flow with form_post   | id_token.issued_in_future |
      | iat_future | hybrid flow with fragment    | id_token.issued_in_future |

    @id-token-claims
    Examples: exp_past
      | fault    | flow                         | code             |
      | exp_past | authorization code flow      | id_token.expired |
      | exp_past | implicit flow with form_post | id_token.expired |
      | exp_past | implicit flow with fragment  | id_token.expired |
      | exp_past | hybrid flow with form_post   | id_token.expired |
      | exp_past | hybrid flow with fragment    | id_token.expired |

    @id-token-claims
    Examples: nbf_future
      | fault      | flow                         | code                   |
      | nbf_future | authorization code flow      | id_token.not_yet_valid |
      | nbf_future | implicit flow with form_post | id_token.not_yet_valid |
      | nbf_future | implicit flow with fragment  | id_token.not_yet_valid |
      | nbf_future | hybrid flow with form_post   | id_token.not_yet_valid |
      | nbf_future | hybrid flow with fragment    | id_token.not_yet_valid |

    @oidcc-client-test-nonce-invalid @id-token-claims
    Examples: nonce_changed
      | fault         | flow                         | code                    |
      | nonce_changed | authorization code flow      | id_token.nonce_mismatch |
      | nonce_changed | implicit flow with form_post | id_token.nonce_mismatch |
      | nonce_changed | implicit flow with fragment  | id_token.nonce_mismatch |
      | nonce_changed | hybrid flow with form_post   | id_token.nonce_mismatch |
      | nonce_changed | hybrid flow with fragment    | id_token.nonce_mismatch |

    @id-token-claims
    Examples: nonce_missing
      | fault         | flow                         | code                   |
      | nonce_missing | authorization code flow      | id_token.missing_nonce |
      | nonce_missing | implicit flow with form_post | id_token.missing_nonce |
      | nonce_missing | implicit flow with fragment  | id_token.missing_nonce |
      | nonce_missing | hybrid flow with form_post   | id_token.missing_nonce |
      | nonce_missing | hybrid flow with fragment    | id_token.missing_nonce |

    @oidcc-client-test-invalid-sig-rs256 @signature
    Examples: signature_corrupted
      | fault               | flow                         | code                   |
      | signature_corrupted | authorization code flow      | id_token.bad_signature |
      | signature_corrupted | implicit flow with form_post | id_token.bad_signature |
      | signature_corrupted | implicit flow with fragment  | id_token.bad_signature |
      | signature_corrupted | hybrid flow with form_post   | id_token.bad_signature |
      | signature_corrupted | hybrid flow with fragment    | id_token.bad_signature |

    @signature
    Examples: hs256_key_confusion
      | fault               | flow                         | code                     |
      | hs256_key_confusion | authorization code flow      | id_token.alg_not_allowed |
      | hs256_key_confusion | implicit flow with form_post | id_token.alg_not_allowed |
      | hs256_key_confusion | implicit flow with fragment  | id_token.alg_not_allowed |
      | hs256_key_confusion | hybrid flow with form_post   | id_token.alg_not_allowed |
      | hs256_key_confusion | hybrid flow with fragment    | id_token.alg_not_allowed |

    @oidcc-client-test-idtoken-sig-none @signature
    Examples: alg_none
      | fault    | flow                         | code              |
      | alg_none | authorization code flow      | id_token.unsigned |
      | alg_none | implicit flow with form_post | id_token.unsigned |
      | alg_none | implicit flow with fragment  | id_token.unsigned |
      | alg_none | hybrid flow with form_post   | id_token.unsigned |
      | alg_none | hybrid flow with fragment    | id_token.unsigned |

    @signature
    Examples: unknown_key
      | fault       | flow                         | code                 |
      | unknown_key | authorization code flow      | id_token.unknown_key |
      | unknown_key | implicit flow with form_post | id_token.unknown_key |
      | unknown_key | implicit flow with fragment  | id_token.unknown_key |
      | unknown_key | hybrid flow with form_post   | id_token.unknown_key |
      | unknown_key | hybrid flow with fragment    | id_token.unknown_key |

    @oidcc-client-test-kid-absent-multiple-jwks @signature
    Examples: kid_absent_multiple_keys
      | fault                    | flow                         | code                   |
      | kid_absent_multiple_keys | authorization code flow      | id_token.ambiguous_key |
      | kid_absent_multiple_keys | implicit flow with form_post | id_token.ambiguous_key |
      | kid_absent_multiple_keys | implicit flow with fragment  | id_token.ambiguous_key |
      | kid_absent_multiple_keys | hybrid flow with form_post   | id_token.ambiguous_key |
      | kid_absent_multiple_keys | hybrid flow with fragment    | id_token.ambiguous_key |

    @signature
    Examples: malformed_jwt
      | fault         | flow                         | code               |
      | malformed_jwt | authorization code flow      | id_token.malformed |
      | malformed_jwt | implicit flow with form_post | id_token.malformed |
      | malformed_jwt | implicit flow with fragment  | id_token.malformed |
      | malformed_jwt | hybrid flow with form_post   | id_token.malformed |
      | malformed_jwt | hybrid flow with fragment    | id_token.malformed |

    @signature
    Examples: jku_foreign_keys
      | fault            | flow                         | code                 |
      | jku_foreign_keys | authorization code flow      | id_token.unknown_key |
      | jku_foreign_keys | implicit flow with form_post | id_token.unknown_key |
      | jku_foreign_keys | implicit flow with fragment  | id_token.unknown_key |
      | jku_foreign_keys | hybrid flow with form_post   | id_token.unknown_key |
      | jku_foreign_keys | hybrid flow with fragment    | id_token.unknown_key |

    @signature
    Examples: x5u_foreign_keys
      | fault            | flow                         | code                 |
      | x5u_foreign_keys | authorization code flow      | id_token.unknown_key |
      | x5u_foreign_keys | implicit flow with form_post | id_token.unknown_key |
      | x5u_foreign_keys | implicit flow with fragment  | id_token.unknown_key |
      | x5u_foreign_keys | hybrid flow with form_post   | id_token.unknown_key |
      | x5u_foreign_keys | hybrid flow with fragment    | id_token.unknown_key |

    @signature
    Examples: key_use_enc
      | fault       | flow                         | code                         |
      | key_use_enc | authorization code flow      | id_token.key_not_for_signing |
      | key_use_enc | implicit flow with form_post | id_token.key_not_for_signing |
      | key_use_enc | implicit flow with fragment  | id_token.key_not_for_signing |
      | key_use_enc | hybrid flow with form_post   | id_token.key_not_for_signing |
      | key_use_enc | hybrid flow with fragment    | id_token.key_not_for_signing |

    @signature
    Examples: key_alg_mismatch
      | fault            | flow                         | code                      |
      | key_alg_mismatch | authorization code flow      | id_token.key_alg_mismatch |
      | key_alg_mismatch | implicit flow with form_post | id_token.key_alg_mismatch |
      | key_alg_mismatch | implicit flow with fragment  | id_token.key_alg_mismatch |
      | key_alg_mismatch | hybrid flow with form_post   | id_token.key_alg_mismatch |
      | key_alg_mismatch | hybrid flow with fragment    | id_token.key_alg_mismatch |

    @signature
    Examples: weak_rsa_key
      | fault        | flow                         | code              |
      | weak_rsa_key | authorization code flow      | id_token.weak_key |
      | weak_rsa_key | implicit flow with form_post | id_token.weak_key |
      | weak_rsa_key | implicit flow with fragment  | id_token.weak_key |
      | weak_rsa_key | hybrid flow with form_post   | id_token.weak_key |
      | weak_rsa_key | hybrid flow with fragment    | id_token.weak_key |

    @oidcc-client-test-invalid-athash @hashes
    Examples: at_hash_wrong
      | fault         | flow                         | code                 |
      | at_hash_wrong | implicit flow with form_post | id_token.bad_at_hash |
      | at_hash_wrong | implicit flow with fragment  | id_token.bad_at_hash |

    @oidcc-client-test-missing-athash @hashes
    Examples: at_hash_missing
      | fault           | flow                         | code                     |
      | at_hash_missing | implicit flow with form_post | id_token.missing_at_hash |
      | at_hash_missing | implicit flow with fragment  | id_token.missing_at_hash |

    @oidcc-client-test-invalid-chash @hashes
    Examples: c_hash_wrong
      | fault        | flow                       | code                |
      | c_hash_wrong | hybrid flow with form_post | id_token.bad_c_hash |
      | c_hash_wrong | hybrid flow with fragment  | id_token.bad_c_hash |

    @oidcc-client-test-missing-chash @hashes
    Examples: c_hash_missing
      | fault          | flow                       | code                    |
      | c_hash_missing | hybrid flow with form_post | id_token.missing_c_hash |
      | c_hash_missing | hybrid flow with fragment  | id_token.missing_c_hash |

    @hybrid
    Examples: hybrid_sub_differs
      | fault              | flow                       | code                     |
      | hybrid_sub_differs | hybrid flow with form_post | id_token.hybrid_mismatch |
      | hybrid_sub_differs | hybrid flow with fragment  | id_token.hybrid_mismatch |

    @hybrid
    Examples: hybrid_iss_differs
      | fault              | flow                       | code                     |
      | hybrid_iss_differs | hybrid flow with form_post | id_token.hybrid_mismatch |
      | hybrid_iss_differs | hybrid flow with fragment  | id_token.hybrid_mismatch |

    @oidcc-client-test-userinfo-invalid-sub @userinfo
    Examples: userinfo_sub_changed
      | fault                | flow                         | code                  |
      | userinfo_sub_changed | authorization code flow      | userinfo.sub_mismatch |
      | userinfo_sub_changed | implicit flow with form_post | userinfo.sub_mismatch |
      | userinfo_sub_changed | implicit flow with fragment  | userinfo.sub_mismatch |
      | userinfo_sub_changed | hybrid flow with form_post   | userinfo.sub_mismatch |
      | userinfo_sub_changed | hybrid flow with fragment    | userinfo.sub_mismatch |

    @userinfo
    Examples: userinfo_wrong_content_type
      | fault                       | flow                         | code                      |
      | userinfo_wrong_content_type | authorization code flow      | userinfo.bad_content_type |
      | userinfo_wrong_content_type | implicit flow with form_post | userinfo.bad_content_type |
      | userinfo_wrong_content_type | implicit flow with fragment  | userinfo.bad_content_type |
      | userinfo_wrong_content_type | hybrid flow with form_post   | userinfo.bad_content_type |
      | userinfo_wrong_content_type | hybrid flow with fragment    | userinfo.bad_content_type |

    @authorization-response
    Examples: state_changed
      | fault         | flow                         | code                    |
      | state_changed | authorization code flow      | response.state_mismatch |
      | state_changed | implicit flow with form_post | response.state_mismatch |
      | state_changed | implicit flow with fragment  | response.state_mismatch |
      | state_changed | hybrid flow with form_post   | response.state_mismatch |
      | state_changed | hybrid flow with fragment    | response.state_mismatch |

    @authorization-response
    Examples: state_missing
      | fault         | flow                         | code                   |
      | state_missing | authorization code flow      | response.missing_state |
      | state_missing | implicit flow with form_post | response.missing_state |
      | state_missing | implicit flow with fragment  | response.missing_state |
      | state_missing | hybrid flow with form_post   | response.missing_state |
      | state_missing | hybrid flow with fragment    | response.missing_state |

    @authorization-response
    Examples: authorize_error_access_denied
      | fault                         | flow                         | code                        |
      | authorize_error_access_denied | authorization code flow      | authorization.access_denied |
      | authorize_error_access_denied | implicit flow with form_post | authorization.access_denied |
      | authorize_error_access_denied | implicit flow with fragment  | authorization.access_denied |
      | authorize_error_access_denied | hybrid flow with form_post   | authorization.access_denied |
      | authorize_error_access_denied | hybrid flow with fragment    | authorization.access_denied |

    @oidcc-client-test-form-post-error @authorization-response
    Examples: authorize_error_login_required
      | fault                          | flow                         | code                         |
      | authorize_error_login_required | authorization code flow      | authorization.login_required |
      | authorize_error_login_required | implicit flow with form_post | authorization.login_required |
      | authorize_error_login_required | implicit flow with fragment  | authorization.login_required |
      | authorize_error_login_required | hybrid flow with form_post   | authorization.login_required |
      | authorize_error_login_required | hybrid flow with fragment    | authorization.login_required |

    @transport
    Examples: token_server_error
      | fault              | flow                       | code              |
      | token_server_error | authorization code flow    | token.unavailable |
      | token_server_error | hybrid flow with form_post | token.unavailable |
      | token_server_error | hybrid flow with fragment  | token.unavailable |

    @transport
    Examples: userinfo_server_error
      | fault                 | flow                         | code                 |
      | userinfo_server_error | authorization code flow      | userinfo.unavailable |
      | userinfo_server_error | implicit flow with form_post | userinfo.unavailable |
      | userinfo_server_error | implicit flow with fragment  | userinfo.unavailable |
      | userinfo_server_error | hybrid flow with form_post   | userinfo.unavailable |
      | userinfo_server_error | hybrid flow with fragment    | userinfo.unavailable |

    @transport
    Examples: token_connection_closed
      | fault                   | flow                       | code              |
      | token_connection_closed | authorization code flow    | token.unavailable |
      | token_connection_closed | hybrid flow with form_post | token.unavailable |
      | token_connection_closed | hybrid flow with fragment  | token.unavailable |

    @transport
    Examples: userinfo_connection_closed
      | fault                      | flow                         | code                 |
      | userinfo_connection_closed | authorization code flow      | userinfo.unavailable |
      | userinfo_connection_closed | implicit flow with form_post | userinfo.unavailable |
      | userinfo_connection_closed | implicit flow with fragment  | userinfo.unavailable |
      | userinfo_connection_closed | hybrid flow with form_post   | userinfo.unavailable |
      | userinfo_connection_closed | hybrid flow with fragment    | userinfo.unavailable |

  Scenario Outline: <fault> in the <flow>, with max_age sent, is refused with <code>
    Given provider "Acme" uses the <flow>
    And the identity provider misbehaves with "<fault>"
    When "alice" signs in through "Acme" with max_age 300
    Then the sign-in is refused with "<code>"
    And nothing is stored

    @id-token-claims
    Examples: auth_time_missing
      | fault             | flow                         | code                       |
      | auth_time_missing | authorization code flow      | id_token.missing_auth_time |
      | auth_time_missing | implicit flow with form_post | id_token.missing_auth_time |
      | auth_time_missing | implicit flow with fragment  | id_token.missing_auth_time |
      | auth_time_missing | hybrid flow with form_post   | id_token.missing_auth_time |
      | auth_time_missing | hybrid flow with fragment    | id_token.missing_auth_time |

  Scenario Outline: <fault> on an ES256 token in the <flow> is refused with <code>
    Given provider "Acme" uses the <flow>
    And provider "Acme" accepts the signing algorithms "ES256"
    And the identity provider signs the relying party's ID tokens with ES256
    And the identity provider misbehaves with "<fault>"
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "<code>"
    And nothing is stored

    @oidcc-client-test-invalid-sig-es256 @signature
    Examples: signature_corrupted_es256
      | fault                     | flow                         | code                   |
      | signature_corrupted_es256 | authorization code flow      | id_token.bad_signature |
      | signature_corrupted_es256 | implicit flow with form_post | id_token.bad_signature |
      | signature_corrupted_es256 | implicit flow with fragment  | id_token.bad_signature |
      | signature_corrupted_es256 | hybrid flow with form_post   | id_token.bad_signature |
      | signature_corrupted_es256 | hybrid flow with fragment    | id_token.bad_signature |

  Scenario Outline: <fault> with HS256 allowed in the <flow> is accepted
    Given provider "Acme" uses the <flow>
    And provider "Acme" accepts the signing algorithms "RS256, HS256"
    And the identity provider misbehaves with "<fault>"
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "alice@example.com"

    @signature
    Examples: hs256
      | fault | flow                         |
      | hs256 | authorization code flow      |
      | hs256 | implicit flow with form_post |
      | hs256 | implicit flow with fragment  |
      | hs256 | hybrid flow with form_post   |
      | hs256 | hybrid flow with fragment    |

  Scenario Outline: <fault> with HS256 allowed in the <flow> is refused with <code>
    Given provider "Acme" uses the <flow>
    And provider "Acme" accepts the signing algorithms "RS256, HS256"
    And the identity provider misbehaves with "<fault>"
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "<code>"
    And nothing is stored

    @oidcc-client-test-invalid-sig-hs256 @signature
    Examples: hs256_signature_corrupted
      | fault                     | flow                         | code                   |
      | hs256_signature_corrupted | authorization code flow      | id_token.bad_signature |
      | hs256_signature_corrupted | implicit flow with form_post | id_token.bad_signature |
      | hs256_signature_corrupted | implicit flow with fragment  | id_token.bad_signature |
      | hs256_signature_corrupted | hybrid flow with form_post   | id_token.bad_signature |
      | hs256_signature_corrupted | hybrid flow with fragment    | id_token.bad_signature |

  Scenario Outline: <fault> in the <flow> is accepted
    Given provider "Acme" uses the <flow>
    And the identity provider misbehaves with "<fault>"
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "alice@example.com"

    @oidcc-client-test-kid-absent-single-jwks @signature
    Examples: kid_absent
      | fault      | flow                         |
      | kid_absent | authorization code flow      |
      | kid_absent | implicit flow with form_post |
      | kid_absent | implicit flow with fragment  |
      | kid_absent | hybrid flow with form_post   |
      | kid_absent | hybrid flow with fragment    |

    @oidcc-client-test-signing-key-rotation-just-before-signing @signature
    Examples: key_rotated
      | fault       | flow                         |
      | key_rotated | authorization code flow      |
      | key_rotated | implicit flow with form_post |
      | key_rotated | implicit flow with fragment  |
      | key_rotated | hybrid flow with form_post   |
      | key_rotated | hybrid flow with fragment    |

    @transport
    Examples: delay
      | fault | flow                         |
      | delay | authorization code flow      |
      | delay | implicit flow with form_post |
      | delay | implicit flow with fragment  |
      | delay | hybrid flow with form_post   |
      | delay | hybrid flow with fragment    |

  Scenario Outline: <fault> between two sign-ins in the <flow> is accepted
    Given provider "Acme" uses the <flow>
    And "alice" signs in through "Acme"
    And the identity provider misbehaves with "<fault>"
    When "alice" signs in through "Acme"
    Then she is signed in as "alice@example.com"

    @oidcc-client-test-signing-key-rotation @signature
    Examples: key_rotated_after_sign_in
      | fault                     | flow                         |
      | key_rotated_after_sign_in | authorization code flow      |
      | key_rotated_after_sign_in | implicit flow with form_post |
      | key_rotated_after_sign_in | implicit flow with fragment  |
      | key_rotated_after_sign_in | hybrid flow with form_post   |
      | key_rotated_after_sign_in | hybrid flow with fragment    |

  Scenario Outline: <fault> in the discovery document for the <flow> is refused with <code>
    Given provider "Acme" uses the <flow>
    And the identity provider misbehaves with "<fault>"
    When the administrator saves provider "Acme"
    Then the settings are refused because "<code>"

    @oidcc-client-test-discovery-issuer-mismatch @discovery
    Examples: discovery_issuer_mismatch
      | fault                     | flow                         | code                      |
      | discovery_issuer_mismatch | authorization code flow      | discovery.issuer_mismatch |
      | discovery_issuer_mismatch | implicit flow with form_post | discovery.issuer_mismatch |
      | discovery_issuer_mismatch | implicit flow with fragment  | discovery.issuer_mismatch |
      | discovery_issuer_mismatch | hybrid flow with form_post   | discovery.issuer_mismatch |
      | discovery_issuer_mismatch | hybrid flow with fragment    | discovery.issuer_mismatch |

    @discovery
    Examples: discovery_issuer_trailing_slash
      | fault                           | flow                         | code                      |
      | discovery_issuer_trailing_slash | authorization code flow      | discovery.issuer_mismatch |
      | discovery_issuer_trailing_slash | implicit flow with form_post | discovery.issuer_mismatch |
      | discovery_issuer_trailing_slash | implicit flow with fragment  | discovery.issuer_mismatch |
      | discovery_issuer_trailing_slash | hybrid flow with form_post   | discovery.issuer_mismatch |
      | discovery_issuer_trailing_slash | hybrid flow with fragment    | discovery.issuer_mismatch |

  Scenario Outline: <fault> in the https discovery document for the <flow> is refused with <code>
    Given the identity provider serves https
    And provider "Acme" uses the <flow>
    And the identity provider misbehaves with "<fault>"
    When the administrator saves provider "Acme"
    Then the settings are refused because "<code>"

    @discovery
    Examples: discovery_plain_http
      | fault                | flow                         | code                        |
      | discovery_plain_http | authorization code flow      | discovery.insecure_endpoint |
      | discovery_plain_http | implicit flow with form_post | discovery.insecure_endpoint |
      | discovery_plain_http | implicit flow with fragment  | discovery.insecure_endpoint |
      | discovery_plain_http | hybrid flow with form_post   | discovery.insecure_endpoint |
      | discovery_plain_http | hybrid flow with fragment    | discovery.insecure_endpoint |

  Scenario Outline: <fault> in the discovery document for the <flow> is accepted
    Given provider "Acme" uses the <flow>
    And the identity provider misbehaves with "<fault>"
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "alice@example.com"

    @oidcc-client-test-discovery-jwks-uri-keys @discovery
    Examples: jwks_uri_random
      | fault           | flow                         |
      | jwks_uri_random | authorization code flow      |
      | jwks_uri_random | implicit flow with form_post |
      | jwks_uri_random | implicit flow with fragment  |
      | jwks_uri_random | hybrid flow with form_post   |
      | jwks_uri_random | hybrid flow with fragment    |

  Scenario Outline: <fault> while the keys rotate in the <flow> is refused with <code>
    Given provider "Acme" uses the <flow>
    And the identity provider misbehaves with "key_rotated"
    And the identity provider misbehaves with "<fault>"
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "<code>"
    And nothing is stored

    @transport
    Examples: jwks_server_error
      | fault             | flow                         | code             |
      | jwks_server_error | authorization code flow      | jwks.unavailable |
      | jwks_server_error | implicit flow with form_post | jwks.unavailable |
      | jwks_server_error | implicit flow with fragment  | jwks.unavailable |
      | jwks_server_error | hybrid flow with form_post   | jwks.unavailable |
      | jwks_server_error | hybrid flow with fragment    | jwks.unavailable |

    @transport
    Examples: jwks_connection_closed
      | fault                  | flow                         | code             |
      | jwks_connection_closed | authorization code flow      | jwks.unavailable |
      | jwks_connection_closed | implicit flow with form_post | jwks.unavailable |
      | jwks_connection_closed | implicit flow with fragment  | jwks.unavailable |
      | jwks_connection_closed | hybrid flow with form_post   | jwks.unavailable |
      | jwks_connection_closed | hybrid flow with fragment    | jwks.unavailable |

  Scenario Outline: <fault> in a refreshed ID token in the <flow> is refused with <code>
    Given provider "Acme" uses the <flow>
    And provider "Acme" asks for offline access
    And "alice" signs in through "Acme"
    And the identity provider misbehaves with "<fault>"
    When she refreshes the session
    Then the session refresh is refused with "<code>"
    And she is no longer signed in to the application
    And the user "alice@example.com" has the email "alice@example.com"

    @oidcc-client-test-refresh-token-invalid-issuer @refresh
    Examples: refresh_iss_changed
      | fault               | flow                       | code                      |
      | refresh_iss_changed | authorization code flow    | id_token.refresh_mismatch |
      | refresh_iss_changed | hybrid flow with form_post | id_token.refresh_mismatch |
      | refresh_iss_changed | hybrid flow with fragment  | id_token.refresh_mismatch |

    @oidcc-client-test-refresh-token-invalid-sub @refresh
    Examples: refresh_sub_changed
      | fault               | flow                       | code                      |
      | refresh_sub_changed | authorization code flow    | id_token.refresh_mismatch |
      | refresh_sub_changed | hybrid flow with form_post | id_token.refresh_mismatch |
      | refresh_sub_changed | hybrid flow with fragment  | id_token.refresh_mismatch |

  Scenario Outline: <fault> from an Auth0 tenant in the <flow> is refused with <code>
    Given provider "Auth0" is an Auth0 provider
    And provider "Auth0" uses the <flow>
    And automatic creation of users is on with the user type "employee"
    And the identity provider misbehaves with "<fault>"
    When "alice" signs in through "Auth0"
    Then the sign-in is refused with "<code>"
    And nothing is stored

    @flavour @id-token-claims
    Examples: iss_without_trailing_slash
      | fault                      | flow                         | code                  |
      | iss_without_trailing_slash | authorization code flow      | id_token.wrong_issuer |
      | iss_without_trailing_slash | implicit flow with form_post | id_token.wrong_issuer |
      | iss_without_trailing_slash | implicit flow with fragment  | id_token.wrong_issuer |
      | iss_without_trailing_slash | hybrid flow with form_post   | id_token.wrong_issuer |
      | iss_without_trailing_slash | hybrid flow with fragment    | id_token.wrong_issuer |

  Scenario Outline: <fault> at Entra ID's multi-tenant endpoint in the <flow> is accepted
    Given provider "Contoso" is Microsoft Entra ID's multi-tenant endpoint for its own tenant only
    And provider "Contoso" uses the <flow>
    And automatic creation of users is on with the user type "employee"
    And the identity provider misbehaves with "<fault>"
    When "alice" signs in through "Contoso"
    Then she is signed in

    @entra
    Examples: entra_common_issuer
      | fault               | flow                         |
      | entra_common_issuer | authorization code flow      |
      | entra_common_issuer | implicit flow with form_post |
      | entra_common_issuer | implicit flow with fragment  |
      | entra_common_issuer | hybrid flow with form_post   |
      | entra_common_issuer | hybrid flow with fragment    |

  Scenario Outline: <fault> at Entra ID's multi-tenant endpoint in the <flow> is refused with <code>
    Given provider "Contoso" is Microsoft Entra ID's multi-tenant endpoint for its own tenant only
    And provider "Contoso" uses the <flow>
    And automatic creation of users is on with the user type "employee"
    And the identity provider misbehaves with "<fault>"
    When "alice" signs in through "Contoso"
    Then the sign-in is refused with "<code>"
    And nothing is stored

    @entra
    Examples: entra_foreign_tenant
      | fault                | flow                         | code                        |
      | entra_foreign_tenant | authorization code flow      | id_token.tenant_not_allowed |
      | entra_foreign_tenant | implicit flow with form_post | id_token.tenant_not_allowed |
      | entra_foreign_tenant | implicit flow with fragment  | id_token.tenant_not_allowed |
      | entra_foreign_tenant | hybrid flow with form_post   | id_token.tenant_not_allowed |
      | entra_foreign_tenant | hybrid flow with fragment    | id_token.tenant_not_allowed |

  Scenario Outline: <fault> at Entra ID with roles from groups in the <flow> is refused with <code>
    Given the identity provider has a user "megan" with the claims:
      | claim  | value                                    |
      | email  | megan@contoso.test                       |
      | groups | ["6a2f1d7c-0c4e-4b8e-9d1a-2b7c3e9f4a10"] |
    And provider "Contoso" is a Microsoft Entra ID tenant
    And provider "Contoso" uses the <flow>
    And automatic creation of users is on with the user type "employee"
    And roles from the provider are on with the strategy "OneRoleForAllLegalEntities"
    And role mapping rule rows:
      | active | claim type | scope | claim value                          | role name |
      | yes    | groups     | roles | 6a2f1d7c-0c4e-4b8e-9d1a-2b7c3e9f4a10 | viewer    |
    And the identity provider misbehaves with "<fault>"
    When "megan" signs in through "Contoso"
    Then the sign-in is refused with "<code>"
    And nothing is stored

    @entra
    Examples: groups_overage
      | fault          | flow                         | code                |
      | groups_overage | authorization code flow      | roles.claim_overage |
      | groups_overage | implicit flow with form_post | roles.claim_overage |
      | groups_overage | implicit flow with fragment  | roles.claim_overage |
      | groups_overage | hybrid flow with form_post   | roles.claim_overage |
      | groups_overage | hybrid flow with fragment    | roles.claim_overage |

    @entra
    Examples: has_groups
      | fault      | flow                         | code                |
      | has_groups | authorization code flow      | roles.claim_overage |
      | has_groups | implicit flow with form_post | roles.claim_overage |
      | has_groups | implicit flow with fragment  | roles.claim_overage |
      | has_groups | hybrid flow with form_post   | roles.claim_overage |
      | has_groups | hybrid flow with fragment    | roles.claim_overage |

  Scenario Outline: <fault> at Entra ID, binding an existing account by verified email, in the <flow> is refused with <code>
    # nOAuth: an email the user's tenant has not verified must not open an existing account.
    Given the application has the internal users:
      | username    | email              |
      | megan.bowen | megan@contoso.test |
    And the identity provider has a user "megan" with the claims:
      | claim    | value              |
      | email    | megan@contoso.test |
      | xms_edov | true               |
    And provider "Contoso" is a Microsoft Entra ID tenant
    And provider "Contoso" uses the <flow>
    And automatic binding of users is on
    And binding rule rows:
      | active | user field | claim type | verified | scope |
      | yes    | email      | email      | yes      | email |
    And automatic creation of users is off with the user type "employee"
    And the identity provider misbehaves with "<fault>"
    When "megan" signs in through "Contoso"
    Then the sign-in is refused with "<code>"
    And nothing is stored

    @entra
    Examples: entra_email_unverified
      | fault                  | flow                         | code            |
      | entra_email_unverified | authorization code flow      | binding.no_user |
      | entra_email_unverified | implicit flow with form_post | binding.no_user |
      | entra_email_unverified | implicit flow with fragment  | binding.no_user |
      | entra_email_unverified | hybrid flow with form_post   | binding.no_user |
      | entra_email_unverified | hybrid flow with fragment    | binding.no_user |

  @oidcc-client-test-invalid-aud
  Scenario Outline: A refused front-channel ID token ends the <flow> before any back-channel call
    Given provider "Acme" uses the <flow>
    And the identity provider misbehaves with "aud_changed"
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "id_token.wrong_audience"
    And the relying party did not call the provider's token endpoint
    And the relying party did not call the provider's userinfo endpoint

    Examples:
      | flow                         |
      | implicit flow with form_post |
      | implicit flow with fragment  |
      | hybrid flow with form_post   |
      | hybrid flow with fragment    |

  @oidcc-client-test-userinfo-invalid-sub
  Scenario: A refused userinfo response is not used
    Given provider "Acme" uses the authorization code flow
    And the identity provider misbehaves with "userinfo_sub_changed"
    When "alice" signs in through "Acme"
    Then the sign-in is refused with "userinfo.sub_mismatch"
    And the application has 0 users

  Scenario Outline: <fault>: the same authorization response delivered again in the <flow> is refused with <code>
    Given provider "Acme" uses the <flow>
    And "alice" signs in through "Acme"
    And the identity provider misbehaves with "<fault>"
    When she delivers the same authorization response again
    Then the sign-in is refused with "<code>"
    And the user "alice@example.com" has the email "alice@example.com"

    @authorization-response
    Examples: response_replayed
      | fault             | flow                         | code              |
      | response_replayed | authorization code flow      | response.replayed |
      | response_replayed | implicit flow with form_post | response.replayed |
      | response_replayed | implicit flow with fragment  | response.replayed |
      | response_replayed | hybrid flow with form_post   | response.replayed |
      | response_replayed | hybrid flow with fragment    | response.replayed |
