//! The token endpoint: `authorization_code` (single use, short-lived, redirect URI and PKCE
//! checked; a replayed code revokes what it issued), `refresh_token`, `client_credentials`;
//! client authentication by `client_secret_basic`, `client_secret_post` or `none`.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::endpoints::error::{EndpointError, ErrorCode, OAuthError};
use crate::endpoints::form::{Params, space_separated};
use crate::endpoints::request::{RequestClient, TenantRequest};
use crate::faults::MintAt;
use crate::model::client::Client;
use crate::model::types::{AuthMethod, ClientId};
use crate::server::state::{AccessGrant, AuthContext, PkceMethod, RefreshGrant};
use crate::tokens::b64;
use crate::tokens::mint::{self, Bindings};

/// `POST {issuer}/token`.
pub(crate) async fn token(req: TenantRequest, headers: HeaderMap, p: Params) -> Response {
    let mut res = match grant(&req, &headers, &p) {
        Ok(v) => {
            let mut res = axum::Json(v).into_response();
            let h = res.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            res
        }
        Err(e) => {
            tracing::debug!(tenant = %req.tenant.name, error = %e, "token request refused");
            EndpointError::Token(e).into_response()
        }
    };
    // The body names the client for client_secret_post and public clients; with HTTP Basic
    // only the header does.
    let basic = basic_credentials(&headers).ok().flatten();
    RequestClient::mark(&mut res, basic.map(|(id, _)| ClientId::new(id)));
    res
}

fn form_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64.
pub(crate) fn basic_credentials(
    headers: &HeaderMap,
) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || OAuthError::invalid_client("malformed Basic authorization header");
    let text = value.to_str().map_err(|_| bad())?;
    let Some(encoded) = text
        .strip_prefix("Basic ")
        .or_else(|| text.strip_prefix("basic "))
    else {
        return Err(bad());
    };
    let raw = b64::std_decode(encoded.trim()).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let (id, secret) = raw.split_once(':').ok_or_else(bad)?;
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((decode(id), decode(secret))))
}

/// Authenticates the client (RFC 6749 §2.3, OpenID Connect Core §9).
fn authenticate(
    req: &TenantRequest,
    headers: &HeaderMap,
    p: &Params,
) -> Result<Client, OAuthError> {
    let basic = basic_credentials(headers)?;
    let body_secret = p.get("client_secret");
    let (client_id, secret, method) = match (basic, body_secret) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_request(
                "client credentials sent both in the Authorization header and in the body; use one method",
            ));
        }
        (Some((id, secret)), None) => {
            if p.get("client_id").is_some_and(|b| b != id) {
                return Err(OAuthError::invalid_request(
                    "client_id in the body differs from the one in the Authorization header",
                ));
            }
            (id, Some(secret), AuthMethod::ClientSecretBasic)
        }
        (None, Some(secret)) => {
            let id = p.get("client_id").ok_or_else(|| {
                OAuthError::invalid_request("client_secret sent without client_id")
            })?;
            (
                id.to_owned(),
                Some(secret.to_owned()),
                AuthMethod::ClientSecretPost,
            )
        }
        (None, None) => {
            let id = p.get("client_id").ok_or_else(|| {
                OAuthError::invalid_client("no client authentication: send HTTP Basic, client_secret, or client_id for a public client")
            })?;
            (id.to_owned(), None, AuthMethod::None)
        }
    };
    let client = req
        .tenant
        .data()
        .clients
        .get(&ClientId::new(client_id.clone()))
        .cloned()
        .ok_or_else(|| OAuthError::invalid_client(format!("unknown client \"{client_id}\"")))?;
    let allowed = client.auth_methods();
    if !allowed.contains(&method) {
        let names: Vec<&str> = allowed.iter().map(|m| m.as_str()).collect();
        return Err(OAuthError::invalid_client(format!(
            "expected token endpoint authentication {} for client \"{client_id}\", found {}",
            names.join(" or "),
            method.as_str()
        )));
    }
    if let (Some(expected), Some(given)) = (&client.client_secret, &secret)
        && !expected.matches(given)
    {
        return Err(OAuthError::invalid_client(format!(
            "wrong client secret for client \"{client_id}\""
        )));
    }
    Ok(client)
}

/// Authenticates the client and runs the grant its `grant_type` names.
fn grant(req: &TenantRequest, headers: &HeaderMap, p: &Params) -> Result<Value, OAuthError> {
    if !form_content_type(headers) {
        return Err(OAuthError::invalid_request(
            "expected Content-Type application/x-www-form-urlencoded (RFC 6749 §3.2)",
        ));
    }
    p.reject_repeated()?;
    let client = authenticate(req, headers, p)?;
    match p.get("grant_type") {
        None => Err(OAuthError::invalid_request("grant_type is missing")),
        Some("authorization_code") => authorization_code(req, &client, p),
        Some("refresh_token") => refresh(req, &client, p),
        Some("client_credentials") => client_credentials(req, &client, p),
        Some(other) => Err(OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            format!(
                "expected authorization_code, refresh_token or client_credentials; found \"{other}\""
            ),
        )),
    }
}

fn verify_pkce(
    challenge: &Option<(String, PkceMethod)>,
    verifier: Option<&str>,
) -> Result<(), OAuthError> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(OAuthError::invalid_grant(
            "code_verifier sent, but the authorization request had no code_challenge",
        )),
        (Some(_), None) => Err(OAuthError::invalid_grant(
            "code_verifier is missing; the authorization request sent a code_challenge (RFC 7636 §4.5)",
        )),
        (Some((c, method)), Some(v)) => {
            let derived = match method {
                PkceMethod::S256 => b64::url(
                    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, v.as_bytes()).as_ref(),
                ),
                PkceMethod::Plain => v.to_owned(),
            };
            if &derived == c {
                Ok(())
            } else {
                Err(OAuthError::invalid_grant(
                    "code_verifier does not match the code_challenge (RFC 7636 §4.6)",
                ))
            }
        }
    }
}

fn authorization_code(
    req: &TenantRequest,
    client: &Client,
    p: &Params,
) -> Result<Value, OAuthError> {
    let now = req.now();
    let code = p
        .get("code")
        .ok_or_else(|| OAuthError::invalid_request("code is missing"))?;
    let (auth, lifetimes) = {
        let mut d = req.tenant.data();
        let lifetimes = d.lifetimes;
        let grant = d
            .codes
            .get_mut(code)
            .ok_or_else(|| OAuthError::invalid_grant("unknown authorization code"))?;
        if grant.auth.client_id != client.client_id {
            return Err(OAuthError::invalid_grant(
                "the code was issued to another client",
            ));
        }
        if grant.used {
            // RFC 6749 §4.1.2: a replayed code revokes the tokens issued from it — also those
            // still being minted: the redemption in flight sees `replayed` when it comes to
            // record them, under this same lock.
            grant.replayed = true;
            let issued = std::mem::take(&mut grant.issued);
            for t in &issued {
                d.access.remove(t);
                d.refresh.remove(t);
            }
            return Err(OAuthError::invalid_grant(
                "the code was already used; the tokens issued for it are revoked",
            ));
        }
        if grant.expires_at <= now {
            return Err(OAuthError::invalid_grant("the code has expired"));
        }
        match p.get("redirect_uri") {
            Some(r) if r == grant.redirect_uri => {}
            Some(r) => {
                return Err(OAuthError::invalid_grant(format!(
                    "expected redirect_uri \"{}\" as in the authorization request, found \"{r}\"",
                    grant.redirect_uri
                )));
            }
            None => {
                return Err(OAuthError::invalid_request(
                    "redirect_uri is missing; send the one from the authorization request (RFC 6749 §4.1.3)",
                ));
            }
        }
        verify_pkce(&grant.pkce, p.get("code_verifier"))?;
        grant.used = true;
        (grant.auth.clone(), lifetimes)
    };
    let access = mint::access_token(
        req,
        &client.client_id,
        Some(&auth),
        &auth.scope,
        MintAt::Token,
    )?;
    let bind = Bindings {
        access_token: Some(&access),
        ..Bindings::new(MintAt::Token)
    };
    let id_token = mint::id_token(req, &auth, bind)?;
    let refresh = auth
        .scope
        .iter()
        .any(|s| s == "offline_access")
        .then(|| b64::random_token(32));
    let mut d = req.tenant.data();
    // Recording the tokens and listing them on the code is one step under the tenant lock,
    // so a replay either comes before (and the tokens are never recorded) or after (and
    // revokes them).
    match d.codes.get_mut(code) {
        Some(grant) if !grant.replayed => {
            grant.issued.push(access.clone());
            grant.issued.extend(refresh.clone());
        }
        Some(_) => {
            return Err(OAuthError::invalid_grant(
                "the code was replayed while it was redeemed; the tokens issued for it are revoked",
            ));
        }
        None => {
            return Err(OAuthError::invalid_grant(
                "the code left the provider's store (max_grants) while it was redeemed",
            ));
        }
    }
    d.access.insert(
        access.clone(),
        AccessGrant {
            client_id: client.client_id.clone(),
            auth: Some(auth.clone()),
            scope: auth.scope.clone(),
            expires_at: now + lifetimes.access_token,
        },
    );
    if let Some(r) = &refresh {
        d.refresh.insert(
            r.clone(),
            RefreshGrant {
                auth: auth.clone(),
                expires_at: now + lifetimes.refresh_token,
            },
        );
    }
    Ok(response(
        access,
        lifetimes.access_token,
        Some(id_token),
        refresh,
        &auth.scope,
    ))
}

fn response(
    access: String,
    expires_in: i64,
    id_token: Option<String>,
    refresh: Option<String>,
    scope: &[String],
) -> Value {
    let mut m = Map::new();
    m.insert("access_token".into(), json!(access));
    m.insert("token_type".into(), json!("Bearer"));
    m.insert("expires_in".into(), json!(expires_in));
    if let Some(t) = id_token {
        m.insert("id_token".into(), json!(t));
    }
    if let Some(r) = refresh {
        m.insert("refresh_token".into(), json!(r));
    }
    m.insert("scope".into(), json!(scope.join(" ")));
    Value::Object(m)
}

fn narrowed_scope(requested: Option<&str>, granted: &[String]) -> Result<Vec<String>, OAuthError> {
    let Some(text) = requested else {
        return Ok(granted.to_vec());
    };
    let asked = space_separated(text);
    if let Some(extra) = asked.iter().find(|s| !granted.contains(s)) {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            format!("scope \"{extra}\" was not granted originally (RFC 6749 §6)"),
        ));
    }
    Ok(asked)
}

fn refresh(req: &TenantRequest, client: &Client, p: &Params) -> Result<Value, OAuthError> {
    let now = req.now();
    let token = p
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is missing"))?;
    let (grant, lifetimes) = {
        let d = req.tenant.data();
        let grant = d
            .refresh
            .get(token)
            .cloned()
            .ok_or_else(|| OAuthError::invalid_grant("unknown or revoked refresh token"))?;
        (grant, d.lifetimes)
    };
    if grant.auth.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    if grant.expires_at <= now {
        return Err(OAuthError::invalid_grant("the refresh token has expired"));
    }
    let scope = narrowed_scope(p.get("scope"), &grant.auth.scope)?;
    let auth = AuthContext {
        scope: scope.clone(),
        ..grant.auth.clone()
    };
    let access = mint::access_token(req, &client.client_id, Some(&auth), &scope, MintAt::Token)?;
    let bind = Bindings {
        access_token: Some(&access),
        ..Bindings::new(MintAt::Refresh)
    };
    let id_token = scope
        .iter()
        .any(|s| s == "openid")
        .then(|| mint::id_token(req, &auth, bind))
        .transpose()?;
    req.tenant.data().access.insert(
        access.clone(),
        AccessGrant {
            client_id: client.client_id.clone(),
            auth: Some(auth),
            scope: scope.clone(),
            expires_at: now + lifetimes.access_token,
        },
    );
    Ok(response(
        access,
        lifetimes.access_token,
        id_token,
        None,
        &scope,
    ))
}

fn client_credentials(
    req: &TenantRequest,
    client: &Client,
    p: &Params,
) -> Result<Value, OAuthError> {
    if client.is_public() {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "client_credentials needs a confidential client (RFC 6749 §4.4)",
        ));
    }
    let now = req.now();
    let scope = p.list("scope");
    let access = mint::access_token(req, &client.client_id, None, &scope, MintAt::Token)?;
    let ttl = {
        let mut d = req.tenant.data();
        let ttl = d.lifetimes.access_token;
        d.access.insert(
            access.clone(),
            AccessGrant {
                client_id: client.client_id.clone(),
                auth: None,
                scope: scope.clone(),
                expires_at: now + ttl,
            },
        );
        ttl
    };
    Ok(response(access, ttl, None, None, &scope))
}
