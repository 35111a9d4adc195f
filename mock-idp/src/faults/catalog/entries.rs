//! The catalog's rows, one builder chain per fault, grouped as `docs/faults.md` shows them.

use super::entry::{CatalogEntry, FlowKind, Group, Setup};
use crate::faults::{Endpoint, Fault};

/// The catalog: every fault that a sign-in can show, with its expectation.
///
/// ```
/// use mock_idp::catalog::{catalog, Expect, FlowKind};
/// let aud = catalog().into_iter().find(|e| e.name == "aud_changed").unwrap();
/// assert_eq!(aud.expect, Expect::Reject);
/// assert!(aud.applies_to(FlowKind::HybridFragment));
/// ```
pub fn catalog() -> Vec<CatalogEntry> {
    let mut all = id_token_entries();
    all.extend(signature_entries());
    all.extend(protocol_entries());
    all.extend(transport_entries());
    all.extend(entra_entries());
    all
}

const IMPLICIT: [FlowKind; 2] = [FlowKind::ImplicitFormPost, FlowKind::ImplicitFragment];
const HYBRID: [FlowKind; 2] = [FlowKind::HybridFormPost, FlowKind::HybridFragment];
/// The flows that redeem a code at the token endpoint.
const TOKEN_ENDPOINT: [FlowKind; 3] = [
    FlowKind::AuthorizationCode,
    FlowKind::HybridFormPost,
    FlowKind::HybridFragment,
];

fn id_token_entries() -> Vec<CatalogEntry> {
    use Group::IdTokenClaims;
    vec![
        CatalogEntry::new(
            Fault::IssChanged,
            IdTokenClaims,
            "ID token `iss` differs from the issuer",
        )
        .mirrors("oidcc-client-test-invalid-iss"),
        CatalogEntry::new(
            Fault::AudChanged,
            IdTokenClaims,
            "ID token `aud` is not the client",
        )
        .mirrors("oidcc-client-test-invalid-aud"),
        CatalogEntry::new(Fault::AudMissing, IdTokenClaims, "ID token has no `aud`")
            .mirrors("oidcc-client-test-missing-aud"),
        CatalogEntry::new(
            Fault::ExtraAud,
            IdTokenClaims,
            "`aud` also names an untrusted audience and there is no `azp`",
        ),
        CatalogEntry::new(
            Fault::ExtraAudWrongAzp,
            IdTokenClaims,
            "`aud` names an untrusted audience and `azp` names it too",
        ),
        CatalogEntry::new(Fault::SubMissing, IdTokenClaims, "ID token has no `sub`")
            .mirrors("oidcc-client-test-missing-sub"),
        CatalogEntry::new(Fault::IatMissing, IdTokenClaims, "ID token has no `iat`")
            .mirrors("oidcc-client-test-missing-iat"),
        CatalogEntry::new(
            Fault::IatFuture,
            IdTokenClaims,
            "`iat` is an hour in the future",
        ),
        CatalogEntry::new(
            Fault::ExpPast,
            IdTokenClaims,
            "`exp` is an hour in the past",
        ),
        CatalogEntry::new(
            Fault::NbfFuture,
            IdTokenClaims,
            "`nbf` is an hour in the future",
        ),
        CatalogEntry::new(
            Fault::NonceChanged,
            IdTokenClaims,
            "`nonce` is not the one sent",
        )
        .mirrors("oidcc-client-test-nonce-invalid"),
        CatalogEntry::new(
            Fault::NonceMissing,
            IdTokenClaims,
            "ID token has no `nonce`",
        ),
        CatalogEntry::new(
            Fault::AuthTimeMissing,
            IdTokenClaims,
            "no `auth_time` although `max_age` was sent",
        )
        .setup(Setup::MaxAge),
    ]
}

fn signature_entries() -> Vec<CatalogEntry> {
    use Group::Signature;
    vec![
        CatalogEntry::new(
            Fault::SignatureCorrupted,
            Signature,
            "the signature does not verify",
        )
        .mirrors("oidcc-client-test-invalid-sig-rs256"),
        CatalogEntry::new(
            Fault::SignatureCorrupted,
            Signature,
            "the ES256 signature does not verify",
        )
        .named("signature_corrupted_es256")
        .setup(Setup::Es256)
        .mirrors("oidcc-client-test-invalid-sig-es256"),
        CatalogEntry::new(
            Fault::Hs256,
            Signature,
            "nothing: a valid HS256 token keyed with the client secret",
        )
        .accept()
        .setup(Setup::Hs256)
        .note("the baseline for the other HS256 entries: it proves the relying party verifies HS256 at all"),
        CatalogEntry::new(
            Fault::Hs256SignatureCorrupted,
            Signature,
            "the HS256 signature (keyed with the client secret) does not verify",
        )
        .setup(Setup::Hs256)
        .mirrors("oidcc-client-test-invalid-sig-hs256"),
        CatalogEntry::new(
            Fault::Hs256KeyConfusion,
            Signature,
            "HS256 keyed with the provider's RSA public key (key confusion)",
        )
        .note("rejected whether or not the relying party accepts HS256: the MAC key must be the client secret, never a key from the JWK Set"),
        CatalogEntry::new(Fault::AlgNone, Signature, "unsigned token with `alg: none`")
            .mirrors("oidcc-client-test-idtoken-sig-none"),
        CatalogEntry::new(
            Fault::UnknownKey,
            Signature,
            "signed with a key not in the JWK Set",
        ),
        CatalogEntry::new(
            Fault::KidAbsent,
            Signature,
            "no `kid` in the header while the JWK Set has a single key",
        )
        .accept()
        .mirrors("oidcc-client-test-kid-absent-single-jwks"),
        CatalogEntry::new(
            Fault::KidAbsentMultipleKeys,
            Signature,
            "no `kid` in the header while the JWK Set has two keys for the algorithm",
        )
        .mirrors("oidcc-client-test-kid-absent-multiple-jwks")
        .note("Core §10.1 requires a kid when there are several keys; the OpenID Foundation suite also passes a relying party that tries every key"),
        CatalogEntry::new(
            Fault::KeyRotated,
            Signature,
            "nothing: the key rotated just before signing, so the `kid` is new",
        )
        .accept()
        .mirrors("oidcc-client-test-signing-key-rotation-just-before-signing")
        .note("a correct relying party fetches the JWK Set again on an unknown kid (Core §10.1.1)"),
        CatalogEntry::new(
            Fault::KeyRotated,
            Signature,
            "nothing: the key rotated after a first sign-in, so the cached JWK Set lacks the `kid`",
        )
        .named("key_rotated_after_sign_in")
        .accept()
        .setup(Setup::SignInTwice)
        .mirrors("oidcc-client-test-signing-key-rotation"),
        CatalogEntry::new(
            Fault::MalformedJwt,
            Signature,
            "the ID token's claims segment is not a JSON object",
        ),
    ]
}

fn protocol_entries() -> Vec<CatalogEntry> {
    use Group::*;
    vec![
        CatalogEntry::new(
            Fault::AtHashWrong,
            Hashes,
            "`at_hash` does not match the access token",
        )
        .flows(&IMPLICIT)
        .mirrors("oidcc-client-test-invalid-athash"),
        CatalogEntry::new(
            Fault::AtHashMissing,
            Hashes,
            "no `at_hash` beside an access token",
        )
        .flows(&IMPLICIT)
        .mirrors("oidcc-client-test-missing-athash"),
        CatalogEntry::new(
            Fault::CHashWrong,
            Hashes,
            "`c_hash` does not match the code",
        )
        .flows(&HYBRID)
        .mirrors("oidcc-client-test-invalid-chash"),
        CatalogEntry::new(Fault::CHashMissing, Hashes, "no `c_hash` beside a code")
            .flows(&HYBRID)
            .mirrors("oidcc-client-test-missing-chash"),
        CatalogEntry::new(
            Fault::HybridSubDiffers,
            Hybrid,
            "the token-endpoint ID token's `sub` differs from the authorization-endpoint one's",
        )
        .flows(&HYBRID),
        CatalogEntry::new(
            Fault::HybridIssDiffers,
            Hybrid,
            "the token-endpoint ID token's `iss` differs from the authorization-endpoint one's",
        )
        .flows(&HYBRID),
        CatalogEntry::new(
            Fault::UserinfoSubChanged,
            Userinfo,
            "userinfo `sub` differs from the ID token's",
        )
        .mirrors("oidcc-client-test-userinfo-invalid-sub"),
        CatalogEntry::new(
            Fault::UserinfoWrongContentType,
            Userinfo,
            "userinfo answers `text/plain` instead of `application/json`",
        ),
        CatalogEntry::new(
            Fault::DiscoveryIssuerMismatch,
            Discovery,
            "the metadata `issuer` is not the URL the document was fetched from",
        )
        .setup(Setup::Discovery)
        .mirrors("oidcc-client-test-discovery-issuer-mismatch"),
        CatalogEntry::new(
            Fault::DiscoveryIssuerTrailingSlash,
            Discovery,
            "the metadata `issuer` differs from the discovery URL by a trailing slash",
        )
        .setup(Setup::Discovery),
        CatalogEntry::new(
            Fault::JwksUriRandom,
            Discovery,
            "nothing: `jwks_uri` is at a random path (and `/jwks` answers 404)",
        )
        .accept()
        .setup(Setup::Discovery)
        .mirrors("oidcc-client-test-discovery-jwks-uri-keys"),
        CatalogEntry::new(
            Fault::DiscoveryPlainHttp,
            Discovery,
            "the metadata, fetched over https, sends every endpoint to plain `http://`",
        )
        .setup(Setup::DiscoveryTls)
        .note("no certification test: the OP-side discovery checks require https endpoints; a relying party that followed these would send codes, tokens and client secrets in clear text"),
        CatalogEntry::new(
            Fault::StateChanged,
            AuthorizationResponse,
            "`state` is not the one sent",
        ),
        CatalogEntry::new(
            Fault::StateMissing,
            AuthorizationResponse,
            "the authorization response has no `state`",
        ),
        CatalogEntry::new(
            Fault::AuthorizeError {
                error: "access_denied".into(),
            },
            AuthorizationResponse,
            "the authorization endpoint answers `access_denied`",
        )
        .named("authorize_error_access_denied"),
        CatalogEntry::new(
            Fault::AuthorizeError {
                error: "login_required".into(),
            },
            AuthorizationResponse,
            "the authorization endpoint answers `login_required`",
        )
        .named("authorize_error_login_required")
        .mirrors("oidcc-client-test-form-post-error"),
        CatalogEntry::new(
            Fault::RefreshIssChanged,
            Refresh,
            "the refreshed ID token's `iss` differs from the original's",
        )
        .flows(&TOKEN_ENDPOINT)
        .setup(Setup::Refresh)
        .mirrors("oidcc-client-test-refresh-token-invalid-issuer"),
        CatalogEntry::new(
            Fault::RefreshSubChanged,
            Refresh,
            "the refreshed ID token's `sub` differs from the original's",
        )
        .flows(&TOKEN_ENDPOINT)
        .setup(Setup::Refresh)
        .mirrors("oidcc-client-test-refresh-token-invalid-sub"),
    ]
}

fn transport_entries() -> Vec<CatalogEntry> {
    use Group::Transport;
    let server_error = |endpoint| Fault::ServerError {
        endpoint,
        status: 500,
    };
    let closed = |endpoint| Fault::ConnectionClosed { endpoint };
    vec![
        CatalogEntry::new(
            Fault::Delay {
                millis: 200,
                endpoint: None,
            },
            Transport,
            "nothing: every endpoint answers after 200 ms",
        )
        .named("delay")
        .accept(),
        CatalogEntry::new(
            server_error(Endpoint::Token),
            Transport,
            "the token endpoint answers 500",
        )
        .named("token_server_error")
        .flows(&TOKEN_ENDPOINT),
        CatalogEntry::new(
            server_error(Endpoint::Jwks),
            Transport,
            "the JWK Set answers 500",
        )
        .named("jwks_server_error")
        .setup(Setup::ForceKeyFetch),
        CatalogEntry::new(
            server_error(Endpoint::Userinfo),
            Transport,
            "userinfo answers 500",
        )
        .named("userinfo_server_error"),
        CatalogEntry::new(
            closed(Endpoint::Token),
            Transport,
            "the token endpoint closes the connection without answering",
        )
        .named("token_connection_closed")
        .flows(&TOKEN_ENDPOINT),
        CatalogEntry::new(
            closed(Endpoint::Jwks),
            Transport,
            "the JWK Set closes the connection without answering",
        )
        .named("jwks_connection_closed")
        .setup(Setup::ForceKeyFetch),
        CatalogEntry::new(
            closed(Endpoint::Userinfo),
            Transport,
            "userinfo closes the connection without answering",
        )
        .named("userinfo_connection_closed"),
    ]
}

fn entra_entries() -> Vec<CatalogEntry> {
    use Group::Entra;
    vec![
        CatalogEntry::new(
            Fault::EntraCommonIssuer,
            Entra,
            "nothing: the tenant's metadata `issuer` is Entra's `{tenantid}` template (as at `common`), tokens carry the real `iss`",
        )
        .accept()
        .setup(Setup::EntraCommon)
        .note("breaks Discovery §4.3 as Entra's common endpoint does; a relying party resolves the template from `tid` and checks the tenant against its allow-list"),
        CatalogEntry::new(
            Fault::EntraForeignTenant,
            Entra,
            "the token comes from a tenant not on the allow-list (`tid` and `iss` name another tenant)",
        )
        .setup(Setup::EntraCommon),
        CatalogEntry::new(
            Fault::GroupsOverage,
            Entra,
            "groups overage: `groups` replaced by `_claim_names`/`_claim_sources` (a Graph endpoint, no token)",
        )
        .setup(Setup::EntraGroups),
        CatalogEntry::new(
            Fault::HasGroups,
            Entra,
            "groups overage, implicit shape: `groups` replaced by `hasgroups: true`",
        )
        .setup(Setup::EntraGroups),
        CatalogEntry::new(
            Fault::EntraEmailUnverified,
            Entra,
            "`email` unverified: `xms_edov: false` (Entra never sends `email_verified`)",
        )
        .setup(Setup::EntraEmailBinding)
        .note("the nOAuth account takeover: whoever controls a tenant can put any address in `email`; binding an existing account by it hands that account over"),
    ]
}
