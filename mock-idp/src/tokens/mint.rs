//! Minting: builds ID tokens and access tokens from an authentication context, applies
//! per-client claims, claim overrides and faults, then signs.

use serde_json::{Map, Value, json};

use crate::endpoints::error::OAuthError;
use crate::endpoints::request::TenantRequest;
use crate::faults::{Fault, KEY_ROTATION_GRACE_SECS, MintAt};
use crate::model::client::TokenFormat;
use crate::model::tenant::Flavour;
use crate::model::types::ClientId;
use crate::server::request_log::RawToken;
use crate::server::state::{AuthContext, ClaimTarget};
use crate::tokens::b64;
use crate::tokens::claims;
use crate::tokens::fault_keys::{self, FOREIGN_CERT_PATH, FOREIGN_JWKS_PATH};
use crate::tokens::jwks::{Alg, Extra, fresh_key};
use crate::tokens::jwt;

/// What the ID token must bind to besides the sign-in itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bindings<'a> {
    pub code: Option<&'a str>,
    pub access_token: Option<&'a str>,
    pub state: Option<&'a str>,
    /// Where the token is handed out; a refreshed ID token carries no `nonce` (Core §12.2).
    pub at: MintAt,
}

impl Bindings<'_> {
    /// An ID token minted `at`, bound to nothing else yet.
    pub(crate) fn new(at: MintAt) -> Self {
        Self {
            code: None,
            access_token: None,
            state: None,
            at,
        }
    }
}

impl MintAt {
    /// The endpoint that hands the token out, as the token log names it.
    fn endpoint_name(self) -> &'static str {
        match self {
            Self::Authorize => "authorize",
            Self::Token | Self::Refresh => "token",
        }
    }
}

const UNTRUSTED_AUDIENCE: &str = "https://untrusted.example/";
/// The client `azp_other_client` names: registered nowhere.
const OTHER_CLIENT: &str = "another-client-of-the-realm";
/// The directory id `entra_foreign_tenant` puts in `tid`: no tenant of any fixture.
const FOREIGN_TENANT: &str = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

fn gone(what: &str, name: &str) -> OAuthError {
    OAuthError::invalid_grant(format!(
        "the {what} \"{name}\" no longer exists at this provider"
    ))
}

/// An ID token's claims before hashes and faults, the algorithm to sign them with, and the
/// faults that apply to this token.
struct UnsignedIdToken {
    claims: Map<String, Value>,
    alg: Alg,
    faults: Vec<Fault>,
}

fn id_token_claims(
    req: &TenantRequest,
    auth: &AuthContext,
    at: MintAt,
) -> Result<UnsignedIdToken, OAuthError> {
    let now = req.now();
    let mut d = req.tenant.data();
    let client = d
        .clients
        .get(&auth.client_id)
        .cloned()
        .ok_or_else(|| gone("client", auth.client_id.as_str()))?;
    let user = d
        .users
        .get(&auth.username)
        .cloned()
        .ok_or_else(|| gone("user", &auth.username))?;
    let base = claims::effective_claims(&user, auth.claims_edit.as_deref());
    let requested = claims::requested(auth.claims_request.as_ref(), "id_token");
    let mut out = claims::released(
        &d,
        &req.tenant.flavour,
        &user,
        &base,
        &auth.scope,
        &requested,
    );
    out.insert("iss".into(), json!(req.issuer));
    out.insert(
        "sub".into(),
        json!(claims::subject(
            &req.tenant.flavour,
            &user,
            &base,
            &auth.client_id
        )),
    );
    out.insert("aud".into(), json!(auth.client_id.as_str()));
    claims::shape_id_token(&req.tenant.flavour, &mut out, &auth.client_id);
    out.insert("exp".into(), json!(now + d.lifetimes.id_token));
    out.insert("iat".into(), json!(now));
    out.insert("auth_time".into(), json!(auth.auth_time));
    out.insert("sid".into(), json!(auth.sid));
    if let (Some(nonce), false) = (&auth.nonce, at == MintAt::Refresh) {
        out.insert("nonce".into(), json!(nonce));
    }
    for (k, v) in &client.id_token_claims {
        out.insert(k.clone(), v.clone());
    }
    d.apply_overrides(
        ClaimTarget::IdToken,
        &auth.client_id,
        Some(&auth.username),
        &mut out,
    );
    let faults = d.faults.spend_for(
        Some(&auth.client_id),
        Some(&auth.username),
        &auth.faults,
        // An HS256 rule cannot apply to a public client (no secret to key it): it is left
        // unspent rather than answered with a server error that burns the code.
        |f| f.touches_id_token(at) && !(f.needs_client_secret() && client.is_public()),
    );
    if faults.contains(&Fault::AzpSameProject)
        && let Some(sibling) = claims::project_sibling(&d.clients, &client)
    {
        out.insert("azp".into(), json!(sibling.as_str()));
    }
    let alg = client.id_token_signed_response_alg.unwrap_or(d.default_alg);
    Ok(UnsignedIdToken {
        claims: out,
        alg,
        faults,
    })
}

fn append(claims: &mut Map<String, Value>, name: &str, suffix: &str) {
    let v = claims
        .get(name)
        .and_then(Value::as_str)
        .map(|s| format!("{s}{suffix}"))
        .unwrap_or_else(|| suffix.to_owned());
    claims.insert(name.into(), json!(v));
}

/// Replaces `groups` by Entra's overage markers.
fn groups_overage(claims: &mut Map<String, Value>, implicit_shape: bool) {
    claims.remove("groups");
    if implicit_shape {
        claims.insert("hasgroups".into(), json!(true));
        return;
    }
    let oid = claims
        .get("oid")
        .and_then(Value::as_str)
        .unwrap_or("me")
        .to_owned();
    claims.insert("_claim_names".into(), json!({ "groups": "src1" }));
    claims.insert(
        "_claim_sources".into(),
        json!({ "src1": { "endpoint": format!("https://graph.microsoft.com/v1.0/users/{oid}/getMemberObjects") } }),
    );
}

/// Moves the token to another Entra tenant: `tid`, and the `iss` derived from it.
fn foreign_tenant(claims: &mut Map<String, Value>, flavour: &Flavour) {
    if let (Flavour::Entra { tenant_id }, Some(iss)) =
        (flavour, claims.get("iss").and_then(Value::as_str))
    {
        let moved = iss.replace(tenant_id.as_str(), FOREIGN_TENANT);
        claims.insert("iss".into(), json!(moved));
    }
    claims.insert("tid".into(), json!(FOREIGN_TENANT));
}

fn apply_claim_faults(
    claims: &mut Map<String, Value>,
    faults: &[Fault],
    client: &ClientId,
    now: i64,
    flavour: &Flavour,
) {
    for f in faults {
        match f {
            Fault::IssChanged | Fault::HybridIssDiffers | Fault::RefreshIssChanged => {
                append(claims, "iss", "1")
            }
            Fault::HybridSubDiffers | Fault::RefreshSubChanged => append(claims, "sub", "1"),
            Fault::IssWithoutScheme => claims::drop_iss_scheme(claims),
            Fault::IssWithoutTrailingSlash => claims::drop_iss_trailing_slash(claims),
            Fault::AzpOtherClient => {
                claims.insert("azp".into(), json!(OTHER_CLIENT));
            }
            Fault::EntraForeignTenant => foreign_tenant(claims, flavour),
            Fault::GroupsOverage => groups_overage(claims, false),
            Fault::HasGroups => groups_overage(claims, true),
            Fault::EntraEmailUnverified => claims::unverify_email(claims, flavour),
            Fault::AudChanged => append(claims, "aud", "1"),
            Fault::AudMissing => {
                claims.remove("aud");
            }
            Fault::ExtraAud => {
                claims.insert("aud".into(), json!([client.as_str(), UNTRUSTED_AUDIENCE]));
                claims.remove("azp");
            }
            Fault::ExtraAudWithAzp => {
                claims.insert("aud".into(), json!([client.as_str(), UNTRUSTED_AUDIENCE]));
                claims.insert("azp".into(), json!(client.as_str()));
            }
            // An unsigned token must be refused for being unsigned, not for a hash a relying
            // party cannot compute without an algorithm.
            Fault::AlgNone => {
                claims.remove("at_hash");
                claims.remove("c_hash");
            }
            Fault::ExtraAudWrongAzp => {
                claims.insert("aud".into(), json!([client.as_str(), UNTRUSTED_AUDIENCE]));
                claims.insert("azp".into(), json!(UNTRUSTED_AUDIENCE));
            }
            Fault::SubMissing => {
                claims.remove("sub");
            }
            Fault::IatMissing => {
                claims.remove("iat");
            }
            Fault::IatFuture => {
                claims.insert("iat".into(), json!(now + 3600));
            }
            Fault::ExpPast => {
                claims.insert("exp".into(), json!(now - 3600));
            }
            Fault::NbfFuture => {
                claims.insert("nbf".into(), json!(now + 3600));
            }
            Fault::NonceChanged => append(claims, "nonce", "1"),
            Fault::NonceMissing => {
                claims.remove("nonce");
            }
            Fault::AuthTimeMissing => {
                claims.remove("auth_time");
            }
            Fault::AtHashWrong if claims.contains_key("at_hash") => append(claims, "at_hash", "1"),
            Fault::AtHashMissing => {
                claims.remove("at_hash");
            }
            Fault::CHashWrong if claims.contains_key("c_hash") => append(claims, "c_hash", "1"),
            Fault::CHashMissing => {
                claims.remove("c_hash");
            }
            _ => {}
        }
    }
}

fn is_hs256(f: &Fault) -> bool {
    matches!(
        f,
        Fault::Hs256 | Fault::Hs256SignatureCorrupted | Fault::Hs256KeyConfusion
    )
}

fn server_error(what: impl Into<String>) -> OAuthError {
    OAuthError::new(crate::endpoints::error::ErrorCode::ServerError, what)
}

/// `header.claims` as signing input; with `malformed` the claims JSON loses its closing brace,
/// so the segment decodes but is not a JSON object.
fn input(header: &Map<String, Value>, claims: &Map<String, Value>, malformed: bool) -> String {
    if !malformed {
        return jwt::signing_input(header, claims);
    }
    let h = Value::Object(header.clone()).to_string();
    let c = Value::Object(claims.clone()).to_string();
    let cut = c.strip_suffix('}').unwrap_or(&c);
    format!("{}.{}", b64::url(h.as_bytes()), b64::url(cut.as_bytes()))
}

/// An HS256 JWS (RFC 7518 §3.2) keyed with `key`, its MAC corrupted when `corrupt`.
fn sign_hs256(claims: &Map<String, Value>, key: &[u8], malformed: bool, corrupt: bool) -> String {
    use aws_lc_rs::hmac;
    let mut header = Map::new();
    header.insert("alg".into(), json!("HS256"));
    header.insert("typ".into(), json!("JWT"));
    let input = input(&header, claims, malformed);
    let mut mac = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), input.as_bytes())
        .as_ref()
        .to_vec();
    if corrupt {
        mac.iter_mut().for_each(|b| *b ^= 0x5A);
    }
    format!("{input}.{}", b64::url(&mac))
}

/// The HMAC key an HS256 fault uses: the client secret, or for key confusion the PEM text
/// of the tenant's RS256 public key.
fn hs256_key(
    req: &TenantRequest,
    client: &ClientId,
    faults: &[Fault],
) -> Result<Vec<u8>, OAuthError> {
    if faults.contains(&Fault::Hs256KeyConfusion) {
        return req
            .tenant
            .signing_key(Alg::RS256)
            .and_then(|k| k.rsa_public_pem())
            .map(String::into_bytes)
            .ok_or_else(|| server_error("no active RS256 key to confuse HS256 with"));
    }
    req.tenant
        .data()
        .clients
        .get(client)
        .and_then(|c| c.client_secret.as_ref())
        .map(|s| s.expose().as_bytes().to_vec())
        .ok_or_else(|| {
            server_error(format!(
                "expected a confidential client for an HS256 fault, found \"{client}\" without a secret"
            ))
        })
}

/// The extra key a signature fault publishes and signs with, if one of `faults` does.
fn extra_kind(faults: &[Fault]) -> Option<Extra> {
    faults.iter().find_map(|f| match f {
        Fault::KidAbsentMultipleKeys => Some(Extra::Second),
        Fault::KeyUseEnc => Some(Extra::UseEnc),
        Fault::KeyAlgMismatch => Some(Extra::AlgMismatch),
        Fault::WeakRsaKey => Some(Extra::Weak),
        _ => None,
    })
}

/// Names one sign-in: the ID tokens minted for it (both of a hybrid flow, and its refreshes)
/// share its provider session, nonce and authentication time.
fn sign_in_of(auth: &AuthContext) -> String {
    format!(
        "{}|{}|{}|{}",
        auth.client_id,
        auth.sid,
        auth.nonce.as_deref().unwrap_or_default(),
        auth.auth_time
    )
}

/// Signs `claims` as the tenant's `alg` key would, unless a signature fault says otherwise.
fn sign(
    req: &TenantRequest,
    alg: Alg,
    auth: &AuthContext,
    claims: &Map<String, Value>,
    faults: &[Fault],
) -> Result<String, OAuthError> {
    let malformed = faults.contains(&Fault::MalformedJwt);
    let extra = extra_kind(faults);
    if extra.is_none() {
        // Extra keys live only until the next ID token without their fault, so later
        // sign-ins see a single key per algorithm again.
        fault_keys::withdraw_extras(&req.tenant);
    }
    if faults.contains(&Fault::AlgNone) {
        let mut header = Map::new();
        header.insert("alg".into(), json!("none"));
        header.insert("typ".into(), json!("JWT"));
        return Ok(format!("{}.", input(&header, claims, malformed)));
    }
    if faults.iter().any(is_hs256) {
        let key = hs256_key(req, &auth.client_id, faults)?;
        let corrupt = faults.contains(&Fault::Hs256SignatureCorrupted);
        return Ok(sign_hs256(claims, &key, malformed, corrupt));
    }
    let jku = faults.contains(&Fault::JkuForeignKeys);
    let x5u = faults.contains(&Fault::X5uForeignKeys);
    let key_error = |e: crate::tokens::jwks::KeyError| server_error(e.to_string());
    let key = if faults.contains(&Fault::UnknownKey) {
        let kids = req.tenant.published_kids();
        let avoid: Vec<&str> = kids.iter().map(String::as_str).collect();
        fresh_key(alg, &avoid).map_err(key_error)?
    } else if let Some(kind) = extra {
        fault_keys::extra(&req.tenant, kind, alg).map_err(key_error)?
    } else if jku || x5u {
        fault_keys::foreign(&req.tenant, alg).map_err(key_error)?
    } else if faults.contains(&Fault::KeyRotated) {
        let sign_in = sign_in_of(auth);
        fault_keys::rotated(
            &req.tenant,
            &sign_in,
            alg,
            req.now(),
            KEY_ROTATION_GRACE_SECS,
        )
        .map_err(key_error)?
    } else {
        req.tenant
            .signing_key(alg)
            .ok_or_else(|| server_error(format!("no active {} key", alg.as_str())))?
    };
    let mut header = jwt::header(&key);
    if faults.contains(&Fault::KidAbsent) {
        fault_keys::single_key(&req.tenant, alg);
    }
    if faults.contains(&Fault::KidAbsent) || extra == Some(Extra::Second) {
        header.remove("kid");
    }
    if jku {
        header.insert(
            "jku".into(),
            json!(format!(
                "{}{FOREIGN_JWKS_PATH}",
                req.issuer.trim_end_matches('/')
            )),
        );
    }
    if x5u {
        header.insert(
            "x5u".into(),
            json!(format!(
                "{}{FOREIGN_CERT_PATH}",
                req.issuer.trim_end_matches('/')
            )),
        );
    }
    let input = input(&header, claims, malformed);
    let mut sig = key.sign(input.as_bytes());
    if faults.contains(&Fault::SignatureCorrupted) {
        sig.iter_mut().for_each(|b| *b ^= 0x5A);
    }
    Ok(format!("{input}.{}", b64::url(&sig)))
}

fn record(req: &TenantRequest, client: &ClientId, kind: &'static str, at: MintAt, token: &str) {
    req.server.log.record_token(RawToken {
        at: req.now(),
        tenant: req.tenant.name.clone(),
        client_id: client.to_string(),
        kind,
        endpoint: at.endpoint_name(),
        compact: token.to_owned(),
    });
}

/// Mints an ID token for `auth`.
pub(crate) fn id_token(
    req: &TenantRequest,
    auth: &AuthContext,
    bind: Bindings<'_>,
) -> Result<String, OAuthError> {
    let UnsignedIdToken {
        mut claims,
        alg,
        faults,
    } = id_token_claims(req, auth, bind.at)?;
    // HS256 hashes with SHA-256, as RS256 does (Core §3.1.3.6).
    let hash_alg = if faults.iter().any(is_hs256) {
        Alg::RS256
    } else {
        alg
    };
    if let Some(code) = bind.code {
        claims.insert("c_hash".into(), json!(jwt::half_hash(hash_alg, code)));
    }
    if let Some(at) = bind.access_token {
        claims.insert("at_hash".into(), json!(jwt::half_hash(hash_alg, at)));
    }
    if let Some(state) = bind.state {
        claims.insert("s_hash".into(), json!(jwt::half_hash(hash_alg, state)));
    }
    apply_claim_faults(
        &mut claims,
        &faults,
        &auth.client_id,
        req.now(),
        &req.tenant.flavour,
    );
    let token = sign(req, alg, auth, &claims, &faults)?;
    record(req, &auth.client_id, "id_token", bind.at, &token);
    Ok(token)
}

/// Mints an access token: opaque by default, a JWT for clients that ask for one.
pub(crate) fn access_token(
    req: &TenantRequest,
    client_id: &ClientId,
    auth: Option<&AuthContext>,
    scope: &[String],
    at: MintAt,
) -> Result<String, OAuthError> {
    let now = req.now();
    let mut d = req.tenant.data();
    let Some(client) = d.clients.get(client_id).cloned() else {
        return Err(gone("client", client_id.as_str()));
    };
    if client.access_token_format == TokenFormat::Opaque {
        return Ok(b64::random_token(32));
    }
    let sub = match auth {
        Some(a) => {
            let user = d
                .users
                .get(&a.username)
                .cloned()
                .ok_or_else(|| gone("user", &a.username))?;
            let base = claims::effective_claims(&user, a.claims_edit.as_deref());
            claims::subject(&req.tenant.flavour, &user, &base, client_id)
        }
        None => client_id.to_string(),
    };
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(req.issuer));
    claims.insert("sub".into(), json!(sub));
    claims.insert("aud".into(), json!(client_id.as_str()));
    claims.insert("client_id".into(), json!(client_id.as_str()));
    claims.insert("scope".into(), json!(scope.join(" ")));
    claims.insert("iat".into(), json!(now));
    claims.insert("exp".into(), json!(now + d.lifetimes.access_token));
    claims.insert("jti".into(), json!(b64::random_token(12)));
    for (k, v) in &client.access_token_claims {
        claims.insert(k.clone(), v.clone());
    }
    d.apply_overrides(
        ClaimTarget::AccessToken,
        client_id,
        auth.map(|a| a.username.as_str()),
        &mut claims,
    );
    let alg = d.default_alg;
    drop(d);
    let key = req.tenant.signing_key(alg).ok_or_else(|| {
        OAuthError::new(
            crate::endpoints::error::ErrorCode::ServerError,
            "no active signing key",
        )
    })?;
    let mut header = jwt::header(&key);
    header.insert("typ".into(), json!("at+jwt"));
    let token = jwt::encode(&key, &header, &claims);
    record(req, client_id, "access_token", at, &token);
    Ok(token)
}
