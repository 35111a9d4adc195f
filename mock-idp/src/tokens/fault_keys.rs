//! The keys signature faults sign with, and where the tenant keeps them: a rotation that
//! holds for one whole sign-in, extra keys published beside the active ones, and a foreign
//! key that only the `jku`/`x5u` targets (`{issuer}/jwks/foreign`, `.../foreign.pem`) hold.

use std::sync::Arc;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::server::state::TenantState;
use crate::tokens::jwks::{Alg, Extra, KeyError, SigningKey};

/// The path below the issuer of the JWK Set a `jku` fault names.
pub(crate) const FOREIGN_JWKS_PATH: &str = "/jwks/foreign";
/// The path below the issuer of the certificate an `x5u` fault names.
pub(crate) const FOREIGN_CERT_PATH: &str = "/jwks/foreign.pem";

/// The key `key_rotated` signs with: a new key installed at the first ID token of the
/// sign-in `sign_in`, the same key for its later ones (the token endpoint's ID token of a
/// hybrid flow). The previous key stays published for `grace` seconds.
pub(crate) fn rotated(
    tenant: &TenantState,
    sign_in: &str,
    alg: Alg,
    now: i64,
    grace: i64,
) -> Result<Arc<SigningKey>, KeyError> {
    if let Some(key) = tenant.keys().rotated_for(sign_in, alg) {
        return Ok(key);
    }
    let key = tenant.fresh_unpublished(alg)?;
    let mut keys = tenant.keys_mut();
    keys.prune(now);
    keys.install_for(sign_in, key.clone(), now + grace);
    Ok(key)
}

/// The extra key published as `kind` for `alg`, published on first use.
pub(crate) fn extra(
    tenant: &TenantState,
    kind: Extra,
    alg: Alg,
) -> Result<Arc<SigningKey>, KeyError> {
    if let Some(key) = tenant.keys().extra(kind, alg) {
        return Ok(key);
    }
    let key = match kind {
        Extra::Weak => SigningKey::weak_rsa()?,
        _ => tenant.fresh_unpublished(alg)?,
    };
    tenant.keys_mut().publish_extra(kind, key.clone());
    Ok(key)
}

/// Withdraws the extra keys, taking the write lock only when there are some: they live
/// until the next ID token minted without an extra-key fault.
pub(crate) fn withdraw_extras(tenant: &TenantState) {
    if tenant.keys().has_extra() {
        tenant.keys_mut().clear_extra();
    }
}

/// Leaves the active key alone in the JWK Set for `alg`: retired keys still in their grace
/// period go (`kid_absent` promises a single key for the algorithm).
pub(crate) fn single_key(tenant: &TenantState, alg: Alg) {
    tenant.keys_mut().withdraw_retired(alg);
}

/// The tenant's foreign key for `alg`, made on first use and never published in its JWK Set.
pub(crate) fn foreign(tenant: &TenantState, alg: Alg) -> Result<Arc<SigningKey>, KeyError> {
    if let Some(key) = tenant.keys().foreign(alg) {
        return Ok(key);
    }
    let key = tenant.fresh_unpublished(alg)?;
    Ok(tenant.keys_mut().set_foreign(key))
}

/// A self-signed certificate for the tenant's foreign RS256 key, as an `x5u` URL serves it
/// (RFC 7515 §4.1.5: PEM).
fn foreign_certificate(tenant: &TenantState) -> Option<String> {
    let key = tenant.keys().foreign(Alg::RS256)?;
    let pair = rcgen::KeyPair::try_from(key.rsa_pkcs8_der()?.as_slice()).ok()?;
    let params = rcgen::CertificateParams::new(vec!["foreign-keys.invalid".to_owned()]).ok()?;
    Some(params.self_signed(&pair).ok()?.pem())
}

/// What `{issuer}/jwks/{suffix}` serves when it names the foreign key set or certificate
/// (once a `jku` or `x5u` fault made the key); `None` for any other suffix.
pub(crate) fn serve_foreign(tenant: &TenantState, path: &str) -> Option<Response> {
    let (body, content_type) = match path {
        FOREIGN_JWKS_PATH => (
            tenant.keys().foreign_jwks()?.to_string(),
            "application/jwk-set+json",
        ),
        FOREIGN_CERT_PATH => (
            foreign_certificate(tenant)?,
            "application/pem-certificate-chain",
        ),
        _ => return None,
    };
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Some(res)
}
