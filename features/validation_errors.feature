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
      | fault                         | flow                         | code                        |
      | iss_changed                   | authorization code flow      | id_token.wrong_issuer       |
      | iss_changed                   | implicit flow with form_post | id_token.wrong_issuer       |
      | iss_changed                   | implicit flow with fragment  | id_token.wrong_issuer       |
      | iss_changed                   | hybrid flow with form_post   | id_token.wrong_issuer       |
      | iss_changed                   | hybrid flow with fragment    | id_token.wrong_issuer       |

    @oidcc-client-test-invalid-aud @id-token-claims
    Examples: aud_changed
      | fault                         | flow                         | code                        |
      | aud_changed                   | authorization code flow      | id_token.wrong_audience     |
      | aud_changed                   | implicit flow with form_post | id_token.wrong_audience     |
      | aud_changed                   | implicit flow with fragment  | id_token.wrong_audience     |
      | aud_changed                   | hybrid flow with form_post   | id_token.wrong_audience     |
      | aud_changed                   | hybrid flow with fragment    | id_token.wrong_audience     |

    @oidcc-client-test-missing-aud @id-token-claims
    Examples: aud_missing
      | fault                         | flow                         | code                        |
      | aud_missing                   | authorization code flow      | id_token.missing_aud        |
      | aud_missing                   | implicit flow with form_post | id_token.missing_aud        |
      | aud_missing                   | implicit flow with fragment  | id_token.missing_aud        |
      | aud_missing                   | hybrid flow with form_post   | id_token.missing_aud        |
      | aud_missing                   | hybrid flow with fragment    | id_token.missing_aud        |

    @id-token-claims
    Examples: extra_aud
      | fault                         | flow                         | code                        |
      | extra_aud                     | authorization code flow      | id_token.untrusted_audience |
      | extra_aud                     | implicit flow with form_post | id_token.untrusted_audience |
      | extra_aud                     | implicit flow with fragment  | id_token.untrusted_audience |
      | extra_aud                     | hybrid flow with form_post   | id_token.untrusted_audience |
      | extra_aud                     | hybrid flow with fragment    | id_token.untrusted_audience |

    @id-token-claims
    Examples: extra_aud_wrong_azp
      | fault                         | flow                         | code                        |
      | extra_aud_wrong_azp           | authorization code flow      | id_token.wrong_azp          |
      | extra_aud_wrong_azp           | implicit flow with form_post | id_token.wrong_azp          |
      | extra_aud_wrong_azp           | implicit flow with fragment  | id_token.wrong_azp          |
      | extra_aud_wrong_azp           | hybrid flow with form_post   | id_token.wrong_azp          |
      | extra_aud_wrong_azp           | hybrid flow with fragment    | id_token.wrong_azp          |

    @oidcc-client-test-missing-sub @id-token-claims
    Examples: sub_missing
      | fault                         | flow                         | code                        |
      | sub_missing                   | authorization code flow      | id_token.missing_sub        |
      | sub_missing                   | implicit flow with form_post | id_token.missing_sub        |
      | sub_missing                   | implicit flow with fragment  | id_token.missing_sub        |
      | sub_missing                   | hybrid flow with form_post   | id_token.missing_sub        |
      | sub_missing                   | hybrid flow with fragment    | id_token.missing_sub        |

    @oidcc-client-test-missing-iat @id-token-claims
    Examples: iat_missing
      | fault                         | flow                         | code                        |
      | iat_missing                   | authorization code flow      | id_token.missing_iat        |
      | iat_missing                   | implicit flow with form_post | id_token.missing_iat        |
      | iat_missing                   | implicit flow with fragment  | id_token.missing_iat        |
      | iat_missing                   | hybrid flow with form_post   | id_token.missing_iat        |
      | iat_missing                   | hybrid flow with fragment    | id_token.missing_iat        |

    @id-token-claims
    Examples: iat_future
      | fault                         | flow                         | code                        |
      | iat_future                    | authorization code flow      | id_token.issued_in_future   |
      | iat_future                    | implicit flow with form_post | id_token.issued_in_future   |
      | iat_future                    | implicit flow with fragment  | id_token.issued_in_future   |
      | iat_future                    | hybrid flow with form_post   | id_token.issued_in_future   |
      | iat_future                    | hybrid flow with fragment    | id_token.issued_in_future   |

    @id-token-claims
    Examples: exp_past
      | fault                         | flow                         | code                        |
      | exp_past                      | authorization code flow      | id_token.expired            |
      | exp_past                      | implicit flow with form_post | id_token.expired            |
      | exp_past                      | implicit flow with fragment  | id_token.expired            |
      | exp_past                      | hybrid flow with form_post   | id_token.expired            |
      | exp_past                      | hybrid flow with fragment    | id_token.expired            |

    @id-token-claims
    Examples: nbf_future
      | fault                         | flow                         | code                        |
      | nbf_future                    | authorization code flow      | id_token.not_yet_valid      |
      | nbf_future                    | implicit flow with form_post | id_token.not_yet_valid      |
      | nbf_future                    | implicit flow with fragment  | id_token.not_yet_valid      |
      | nbf_future                    | hybrid flow with form_post   | id_token.not_yet_valid      |
      | nbf_future                    | hybrid flow with fragment    | id_token.not_yet_valid      |

    @oidcc-client-test-nonce-invalid @id-token-claims
    Examples: nonce_changed
      | fault                         | flow                         | code                        |
      | nonce_changed                 | authorization code flow      | id_token.nonce_mismatch     |
      | nonce_changed                 | implicit flow with form_post | id_token.nonce_mismatch     |
      | nonce_changed                 | implicit flow with fragment  | id_token.nonce_mismatch     |
      | nonce_changed                 | hybrid flow with form_post   | id_token.nonce_mismatch     |
      | nonce_changed                 | hybrid flow with fragment    | id_token.nonce_mismatch     |

    @id-token-claims
    Examples: nonce_missing
      | fault                         | flow                         | code                        |
      | nonce_missing                 | authorization code flow      | id_token.missing_nonce      |
      | nonce_missing                 | implicit flow with form_post | id_token.missing_nonce      |
      | nonce_missing                 | implicit flow with fragment  | id_token.missing_nonce      |
      | nonce_missing                 | hybrid flow with form_post   | id_token.missing_nonce      |
      | nonce_missing                 | hybrid flow with fragment    | id_token.missing_nonce      |

    @id-token-claims
    Examples: auth_time_missing
      | fault                         | flow                         | code                        |
      | auth_time_missing             | authorization code flow      | id_token.missing_auth_time  |
      | auth_time_missing             | implicit flow with form_post | id_token.missing_auth_time  |
      | auth_time_missing             | implicit flow with fragment  | id_token.missing_auth_time  |
      | auth_time_missing             | hybrid flow with form_post   | id_token.missing_auth_time  |
      | auth_time_missing             | hybrid flow with fragment    | id_token.missing_auth_time  |

    @oidcc-client-test-invalid-sig-rs256 @signature
    Examples: signature_corrupted
      | fault                         | flow                         | code                        |
      | signature_corrupted           | authorization code flow      | id_token.bad_signature      |
      | signature_corrupted           | implicit flow with form_post | id_token.bad_signature      |
      | signature_corrupted           | implicit flow with fragment  | id_token.bad_signature      |
      | signature_corrupted           | hybrid flow with form_post   | id_token.bad_signature      |
      | signature_corrupted           | hybrid flow with fragment    | id_token.bad_signature      |

    @oidcc-client-test-idtoken-sig-none @signature
    Examples: alg_none
      | fault                         | flow                         | code                        |
      | alg_none                      | authorization code flow      | id_token.unsigned           |
      | alg_none                      | implicit flow with form_post | id_token.unsigned           |
      | alg_none                      | implicit flow with fragment  | id_token.unsigned           |
      | alg_none                      | hybrid flow with form_post   | id_token.unsigned           |
      | alg_none                      | hybrid flow with fragment    | id_token.unsigned           |

    @signature
    Examples: unknown_key
      | fault                         | flow                         | code                        |
      | unknown_key                   | authorization code flow      | id_token.unknown_key        |
      | unknown_key                   | implicit flow with form_post | id_token.unknown_key        |
      | unknown_key                   | implicit flow with fragment  | id_token.unknown_key        |
      | unknown_key                   | hybrid flow with form_post   | id_token.unknown_key        |
      | unknown_key                   | hybrid flow with fragment    | id_token.unknown_key        |

    @oidcc-client-test-invalid-athash @hashes
    Examples: at_hash_wrong
      | fault                         | flow                         | code                        |
      | at_hash_wrong                 | implicit flow with form_post | id_token.bad_at_hash        |
      | at_hash_wrong                 | implicit flow with fragment  | id_token.bad_at_hash        |

    @oidcc-client-test-missing-athash @hashes
    Examples: at_hash_missing
      | fault                         | flow                         | code                        |
      | at_hash_missing               | implicit flow with form_post | id_token.missing_at_hash    |
      | at_hash_missing               | implicit flow with fragment  | id_token.missing_at_hash    |

    @oidcc-client-test-invalid-chash @hashes
    Examples: c_hash_wrong
      | fault                         | flow                         | code                        |
      | c_hash_wrong                  | hybrid flow with form_post   | id_token.bad_c_hash         |
      | c_hash_wrong                  | hybrid flow with fragment    | id_token.bad_c_hash         |

    @oidcc-client-test-missing-chash @hashes
    Examples: c_hash_missing
      | fault                         | flow                         | code                        |
      | c_hash_missing                | hybrid flow with form_post   | id_token.missing_c_hash     |
      | c_hash_missing                | hybrid flow with fragment    | id_token.missing_c_hash     |

    @authorization-response
    Examples: state_changed
      | fault                         | flow                         | code                        |
      | state_changed                 | authorization code flow      | response.state_mismatch     |
      | state_changed                 | implicit flow with form_post | response.state_mismatch     |
      | state_changed                 | implicit flow with fragment  | response.state_mismatch     |
      | state_changed                 | hybrid flow with form_post   | response.state_mismatch     |
      | state_changed                 | hybrid flow with fragment    | response.state_mismatch     |

    @authorization-response
    Examples: state_missing
      | fault                         | flow                         | code                        |
      | state_missing                 | authorization code flow      | response.missing_state      |
      | state_missing                 | implicit flow with form_post | response.missing_state      |
      | state_missing                 | implicit flow with fragment  | response.missing_state      |
      | state_missing                 | hybrid flow with form_post   | response.missing_state      |
      | state_missing                 | hybrid flow with fragment    | response.missing_state      |

    @oidcc-client-test-form-post-error @authorization-response
    Examples: authorize_error_access_denied
      | fault                         | flow                         | code                        |
      | authorize_error_access_denied | authorization code flow      | authorization.access_denied |
      | authorize_error_access_denied | implicit flow with form_post | authorization.access_denied |
      | authorize_error_access_denied | implicit flow with fragment  | authorization.access_denied |
      | authorize_error_access_denied | hybrid flow with form_post   | authorization.access_denied |
      | authorize_error_access_denied | hybrid flow with fragment    | authorization.access_denied |

    @oidcc-client-test-userinfo-invalid-sub @userinfo
    Examples: userinfo_sub_changed
      | fault                         | flow                         | code                        |
      | userinfo_sub_changed          | authorization code flow      | userinfo.sub_mismatch       |
      | userinfo_sub_changed          | hybrid flow with form_post   | userinfo.sub_mismatch       |
      | userinfo_sub_changed          | hybrid flow with fragment    | userinfo.sub_mismatch       |

  Scenario Outline: <fault> in the <flow> is accepted
    Given provider "Acme" uses the <flow>
    And the identity provider misbehaves with "<fault>"
    When "alice" signs in through "Acme"
    Then she is signed in as the new external user "alice@example.com"

    @oidcc-client-test-kid-absent-single-jwks @signature
    Examples: kid_absent
      | fault                         | flow                         |
      | kid_absent                    | authorization code flow      |
      | kid_absent                    | implicit flow with form_post |
      | kid_absent                    | implicit flow with fragment  |
      | kid_absent                    | hybrid flow with form_post   |
      | kid_absent                    | hybrid flow with fragment    |

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
