//! The discovery document (OpenID Connect Discovery 1.0 §3) and the JWK Set, both matching
//! exactly what this server does, except where a discovery fault says otherwise.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::endpoints::error::EndpointError;
use crate::endpoints::request::TenantRequest;
use crate::faults::Fault;
use crate::model::tenant::Flavour;
use crate::model::types::{ResponseType, STANDARD_SCOPES};
use crate::tokens::jwks::Alg;

/// The metadata document for this tenant at this request's base URL.
fn document(req: &TenantRequest, faults: &[Fault]) -> Value {
    let d = req.tenant.data();
    let mut scopes: Vec<String> = vec!["openid".into()];
    scopes.extend(STANDARD_SCOPES.iter().map(|(s, _)| s.to_string()));
    scopes.push("offline_access".into());
    scopes.extend(d.scopes.keys().cloned());
    let mut claims: Vec<String> = [
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "nonce",
        "sid",
        "at_hash",
        "c_hash",
        "s_hash",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    claims.extend(
        STANDARD_SCOPES
            .iter()
            .flat_map(|(_, c)| c.iter())
            .map(|s| s.to_string()),
    );
    for custom in d.scopes.values().flatten() {
        if !claims.contains(custom) {
            claims.push(custom.clone());
        }
    }
    let (subject_types, flavour_claims): (_, &[&str]) = match req.tenant.flavour {
        Flavour::Standard | Flavour::Auth0 | Flavour::Okta { .. } => (json!(["public"]), &[]),
        Flavour::Entra { .. } => (
            json!(["pairwise"]),
            &["oid", "tid", "ver", "preferred_username", "roles", "groups"],
        ),
        Flavour::Google => (json!(["public"]), &["azp", "hd"]),
        Flavour::Keycloak { .. } => (
            json!(["public"]),
            &[
                "azp",
                "typ",
                "preferred_username",
                "realm_access",
                "resource_access",
            ],
        ),
    };
    for claim in flavour_claims {
        if !claims.iter().any(|c| c == claim) {
            claims.push((*claim).to_owned());
        }
    }
    let algs: Vec<&str> = Alg::ALL.iter().map(|a| a.as_str()).collect();
    let mut issuer = req.issuer.clone();
    let plain = faults.contains(&Fault::DiscoveryPlainHttp);
    let endpoint = |path: &str| {
        let url = req.endpoint(path);
        match url.strip_prefix("https://") {
            Some(rest) if plain => format!("http://{rest}"),
            _ => url,
        }
    };
    let mut jwks_uri = endpoint("/jwks");
    for f in faults {
        match f {
            Fault::DiscoveryIssuerMismatch => issuer.push('1'),
            Fault::DiscoveryIssuerTrailingSlash => issuer.push('/'),
            Fault::JwksUriRandom => jwks_uri = endpoint(req.tenant.random_jwks_path()),
            Fault::EntraCommonIssuer => {
                if let Flavour::Entra { tenant_id } = &req.tenant.flavour {
                    issuer = issuer.replace(tenant_id.as_str(), "{tenantid}");
                }
            }
            _ => {}
        }
    }
    json!({
        "issuer": issuer,
        "authorization_endpoint": endpoint("/authorize"),
        "token_endpoint": endpoint("/token"),
        "userinfo_endpoint": endpoint("/userinfo"),
        "jwks_uri": jwks_uri,
        "end_session_endpoint": endpoint("/logout"),
        "scopes_supported": scopes,
        "response_types_supported": ResponseType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "client_credentials"],
        "subject_types_supported": subject_types,
        "id_token_signing_alg_values_supported": algs,
        "userinfo_signing_alg_values_supported": ["none"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "claims_supported": claims,
        "claims_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "require_request_uri_registration": false,
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "display_values_supported": ["page"],
        "claim_types_supported": ["normal"],
        "authorization_response_iss_parameter_supported": true,
        "frontchannel_logout_supported": false,
        "backchannel_logout_supported": false,
        "ui_locales_supported": ["en"],
    })
}

/// `GET {issuer}/.well-known/openid-configuration`: prepared bytes, unless a discovery fault
/// bends this one answer.
pub(crate) async fn discovery(req: TenantRequest) -> Response {
    let spent = req
        .tenant
        .data()
        .faults
        .spend_unscoped(Fault::touches_discovery);
    // What Entra's common document really says: a template, not an issuer.
    let inherent = req.via_common().then_some(Fault::EntraCommonIssuer);
    let body = if spent.is_empty() {
        let faults: Vec<Fault> = inherent.into_iter().collect();
        req.tenant
            .discovery
            .get_or_build(&req.base, &req.prefix, || {
                to_bytes(&document(&req, &faults))
            })
    } else {
        let faults: Vec<Fault> = spent.into_iter().chain(inherent).collect();
        to_bytes(&document(&req, &faults))
    };
    json_bytes(body, "application/json")
}

fn to_bytes(document: &Value) -> Bytes {
    Bytes::from(document.to_string())
}

fn json_bytes(body: Bytes, content_type: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

fn jwk_set(req: &TenantRequest) -> Response {
    json_bytes(req.tenant.jwks_bytes(req.now()), "application/jwk-set+json")
}

/// `GET {issuer}/jwks`; 404 while `jwks_uri_random` moves the JWK Set elsewhere.
pub(crate) async fn jwks(req: TenantRequest) -> Result<Response, EndpointError> {
    let moved = req.tenant.data().faults.any(|f| *f == Fault::JwksUriRandom);
    if moved {
        return Err(EndpointError::NotFound(
            "the JWK Set is served at the jwks_uri of the discovery document".into(),
        ));
    }
    Ok(jwk_set(&req))
}

/// `GET {issuer}/jwks/{suffix}`: the JWK Set at the tenant's random path.
pub(crate) async fn jwks_random(
    req: TenantRequest,
    Path(suffix): Path<String>,
) -> Result<Response, EndpointError> {
    let path = format!("/jwks/{suffix}");
    if let Some(foreign) = crate::tokens::fault_keys::serve_foreign(&req.tenant, &path) {
        return Ok(foreign);
    }
    let wanted = req.tenant.random_jwks_path().strip_prefix("/jwks/");
    if wanted != Some(suffix.as_str()) {
        return Err(EndpointError::NotFound(
            "no JWK Set at this path; use the jwks_uri of the discovery document".into(),
        ));
    }
    Ok(jwk_set(&req))
}
