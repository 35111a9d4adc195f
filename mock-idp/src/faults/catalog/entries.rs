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
    all.extend(flavour_entries());
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
        CatalogEntry::new(
            Fault::ExtraAudWithAzp,
            IdTokenClaims,
            "`aud` also names an untrusted audience while `azp` names the client",
        )
        .note("Core §3.1.3.7 step 3: reject when `aud` holds audiences the client does not trust; an `azp` naming the client does not make them trusted"),
        CatalogEntry::new(Fault::SubMissing, IdTokenClaims, "ID token has no `sub`")
            .mirrors("oidcc-client-test-missing-sub"),
        CatalogEntry::new(Fault::IatMissing, IdTokenClaims, "ID token has no `iat`")
            .mirrors("oidcc-client-test-missing-iat"),
        CatalogEntry::new(
            Fault::IatFuture,
            IdTokenClaims,
            "`iat` is an hour in the future",
        )
        .either()
        .note("Core §3.1.3.7 step 10: the acceptable `iat` range \"is Client specific\"; refusing and signing in are both conformant (the reference relying party refuses beyond its leeway)"),
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
        .mirrors("oidcc-client-test-invalid-sig-rs256")
        .stricter("the test also passes a code-flow client that skips the check and relies on TLS to the token endpoint (Core §3.1.3.7 step 6); we ask for the check in every flow"),
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
        CatalogEntry::new(
            Fault::AlgNone,
            Signature,
            "unsigned token with `alg: none` (and no `at_hash`/`c_hash`, which need an algorithm)",
        )
        .mirrors("oidcc-client-test-idtoken-sig-none")
        .stricter("the test lets a code-flow client that registered `none` accept it (Core §2); a client that registered a signing algorithm, as here, must refuse"),
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
        .either()
        .mirrors("oidcc-client-test-kid-absent-multiple-jwks")
        .note("Core §10.1 requires a kid when there are several keys; the OpenID Foundation suite passes a relying party that refuses and one that tries every key (the reference relying party refuses)"),
        CatalogEntry::new(
            Fault::KeyRotated,
            Signature,
            "nothing: the key rotated just before signing, so the `kid` is new",
        )
        .accept()
        .mirrors("oidcc-client-test-signing-key-rotation-just-before-signing")
        .note(ROTATION_NOTE),
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
        CatalogEntry::new(
            Fault::JkuForeignKeys,
            Signature,
            "the header's `jku` names another JWK Set (`{issuer}/jwks/foreign`), and only that set holds the signing key",
        )
        .note("RFC 8725 §3.10: never fetch keys from a URL the token names; a correct relying party verifies with the issuer's `jwks_uri` only, and never requests the `jku` URL"),
        CatalogEntry::new(
            Fault::X5uForeignKeys,
            Signature,
            "the header's `x5u` names a certificate (`{issuer}/jwks/foreign.pem`) of a key the JWK Set does not hold, which signs",
        )
        .note("RFC 8725 §3.10: never fetch keys from a URL the token names; a correct relying party never requests the `x5u` URL"),
        CatalogEntry::new(
            Fault::KeyUseEnc,
            Signature,
            "signed by a published key whose JWK says `\"use\": \"enc\"`",
        )
        .note("RFC 7517 §4.2: a key published for encryption does not verify signatures"),
        CatalogEntry::new(
            Fault::KeyAlgMismatch,
            Signature,
            "signed RS256 by a published key whose JWK says `\"alg\": \"PS256\"`",
        )
        .note("RFC 7517 §4.4: a key whose `alg` differs from the header's is not used"),
        CatalogEntry::new(
            Fault::WeakRsaKey,
            Signature,
            "signed RS256 by a published 1024-bit RSA key",
        )
        .note("RFC 7518 §3.3: RS256 keys are 2048 bits or larger"),
    ]
}

/// The `key_rotated` note, naming [`crate::faults::KEY_ROTATION_GRACE_SECS`] (a test keeps
/// them equal).
const ROTATION_NOTE: &str = "a correct relying party fetches the JWK Set again on an unknown kid (Core §10.1.1); the key rotates once per sign-in (both ID tokens of a hybrid flow name it) and the previous key stays published for 120 s, so a JWT access token signed just before verifies";

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
        .either()
        .mirrors("oidcc-client-test-userinfo-invalid-sub")
        .note("Core §5.3.2: the userinfo values MUST NOT be used; discarding them and keeping the ID token's identity is conformant, and so is refusing the sign-in (the reference relying party refuses)"),
        CatalogEntry::new(
            Fault::UserinfoWrongContentType,
            Userinfo,
            "userinfo answers `text/plain` instead of `application/json`",
        )
        .either()
        .note("the `application/json` MUST of Core §5.3.2 is on the provider; the client's checks (§5.3.4) name no content type (the reference relying party refuses)"),
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
            Fault::ResponseReplayed,
            AuthorizationResponse,
            "nothing in the response: the authorization response of a successful sign-in is delivered again",
        )
        .setup(Setup::Replay)
        .note("RFC 6749 §4.1.2 and §10.5: a code is used once; Core §3.1.3.7 step 11 and §15.5.2: a nonce and a state belong to one attempt. The second delivery signs nobody in and redeems nothing"),
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

/// Why a userinfo endpoint that fails leaves the outcome to the client.
const USERINFO_OPTIONAL: &str = "no rule makes the sign-in fail: the ID token carries the identity (Core §3.1.3.7) and userinfo is an optional extra (§5.3); signing in without its claims and refusing are both conformant (the reference relying party refuses)";

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
        .named("userinfo_server_error")
        .either()
        .note(USERINFO_OPTIONAL),
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
        .named("userinfo_connection_closed")
        .either()
        .note(USERINFO_OPTIONAL),
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

/// Quirks of one provider flavour that a relying party must still refuse from any other
/// provider, or in any other shape (`docs/flavours.md`).
fn flavour_entries() -> Vec<CatalogEntry> {
    use Group::IdTokenClaims;
    vec![
        CatalogEntry::new(
            Fault::IssWithoutScheme,
            IdTokenClaims,
            "ID token `iss` without its scheme, as Google sends it, from a provider not configured as Google",
        )
        .note("Google's `accounts.google.com` is accepted only from a provider whose settings name the flavour google; everyone else gets Core §3.1.3.7's exact match"),
        CatalogEntry::new(
            Fault::AzpOtherClient,
            IdTokenClaims,
            "ID token `azp` names another client while `aud` is this one (a Keycloak token requested by another client of the realm)",
        ),
        CatalogEntry::new(
            Fault::IssWithoutTrailingSlash,
            IdTokenClaims,
            "ID token `iss` without the trailing slash of an Auth0 issuer (`https://tenant.example/` sent as `https://tenant.example`)",
        )
        .setup(Setup::Auth0Issuer)
        .note("Core §3.1.3.7 step 2: `iss` MUST exactly match the issuer, and Auth0's issuer includes the slash; no flavour makes the two spellings equal"),
    ]
}
