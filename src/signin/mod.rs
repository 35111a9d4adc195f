//! Sign-in through any of the five flows: builds the authorization request (state, nonce,
//! PKCE), takes the response from the query, the fragment relay or a form_post, validates the
//! ID token(s), redeems the code, calls userinfo, and hands the identity to the user rules.

use std::collections::HashMap;

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

use crate::error::SignInError;
use crate::jwks::JwksCache;
use crate::response_type::{ResponsePart, ResponseType};
use crate::settings::{ProviderSettings, TokenAuthMethod};
use crate::validator::{self, Continuity, Earlier, Expectations, HashRule};

mod attempts;

pub use attempts::{ATTEMPT_TTL, Attempt, Attempts, MAX_ATTEMPTS};

/// Clock skew allowed on `exp`, `iat`, `nbf`, `auth_time`.
pub const LEEWAY: i64 = 60;
/// How old `iat` may be.
const MAX_IAT_AGE: i64 = 3600;

fn random(n: usize) -> String {
    let mut buf = vec![0u8; n];
    let _ = aws_lc_rs::rand::fill(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// Options a caller may add to the authorization request.
#[derive(Debug, Default, Clone)]
pub struct StartOptions {
    /// Passed through as `login_hint`.
    pub login_hint: Option<String>,
    /// Passed through as `prompt`.
    pub prompt: Option<String>,
    /// Passed through as `max_age` (and then `auth_time` is required).
    pub max_age: Option<i64>,
}

/// Builds the authorization request URL for `provider` and remembers the attempt, bound to
/// the browser that holds `browser_binding`.
pub fn start(
    attempts: &Attempts,
    provider: &ProviderSettings,
    redirect_uri: &str,
    options: &StartOptions,
    browser_binding: &str,
) -> Result<String, crate::settings::SettingsError> {
    let state = random(24);
    let nonce = random(24);
    let response_type = ResponseType::parse(provider.response_type()).map_err(|e| {
        crate::settings::SettingsError {
            field: "response_type",
            problem: e.to_string(),
        }
    })?;
    let has_code = response_type.has(ResponsePart::Code);
    let pkce_verifier = has_code.then(|| random(48));
    let mut url = url::Url::parse(&provider.authorization_endpoint).map_err(|e| {
        crate::settings::SettingsError {
            field: "authorization_endpoint",
            problem: format!(
                "expected an absolute URL, found \"{}\" ({e})",
                provider.authorization_endpoint
            ),
        }
    })?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", &provider.client_id)
            .append_pair("response_type", &response_type.to_string())
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &provider.scopes().join(" "))
            .append_pair("state", &state)
            // Core §3.1.2.1: nonce in every flow, also where it is optional (code).
            .append_pair("nonce", &nonce);
        if provider.flow.response_mode() != "query" || !has_code {
            q.append_pair("response_mode", provider.flow.response_mode());
        }
        if let Some(v) = &pkce_verifier {
            let challenge = URL_SAFE_NO_PAD.encode(digest(&SHA256, v.as_bytes()).as_ref());
            q.append_pair("code_challenge", &challenge)
                .append_pair("code_challenge_method", "S256");
        }
        if let Some(h) = &options.login_hint {
            q.append_pair("login_hint", h);
        }
        match (&options.prompt, provider.offline_access) {
            (Some(p), _) => {
                q.append_pair("prompt", p);
            }
            // Core §11: a provider grants offline_access only together with prompt=consent.
            (None, true) => {
                q.append_pair("prompt", "consent");
            }
            (None, false) => {}
        }
        if let Some(m) = options.max_age {
            q.append_pair("max_age", &m.to_string());
        }
    }
    attempts.insert(
        state,
        Attempt::new(
            &provider.name,
            nonce,
            pkce_verifier,
            response_type,
            options.max_age,
            browser_binding,
        ),
    );
    Ok(url.into())
}

/// Who signed in, as the provider asserts it after every check.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    /// Provider name.
    pub provider: String,
    /// The value of the identity claim.
    pub external_id: String,
    /// Claims of the ID token, completed by userinfo where the ID token lacks them.
    pub claims: Map<String, Value>,
    /// The scopes requested.
    pub scopes: Vec<String>,
    /// The refresh token, when `offline_access` was asked for and granted.
    pub refresh_token: Option<String>,
}

/// What `finish` needs from the application.
#[derive(Debug)]
pub struct Env<'a> {
    /// HTTP client (no redirects followed).
    pub http: &'a reqwest::Client,
    /// JWK Set cache.
    pub jwks: &'a JwksCache,
    /// The redirect URI registered at providers.
    pub redirect_uri: &'a str,
    /// Now, unix seconds.
    pub now: i64,
}

/// What every ID token from `provider` must match; no nonce, hash or earlier token yet.
fn expectations(provider: &ProviderSettings, now: i64) -> Expectations<'_> {
    Expectations {
        issuer: &provider.issuer,
        client_id: &provider.client_id,
        client_secret: provider.client_secret.as_ref().map(|s| s.expose()),
        allowed_algs: &provider.allowed_algs,
        nonce: None,
        max_age: None,
        access_token: None,
        at_hash: HashRule::None,
        code: None,
        c_hash: HashRule::None,
        now,
        leeway: LEEWAY,
        max_iat_age: MAX_IAT_AGE,
        flavour: provider.flavour,
        google: provider.google.as_ref(),
        allowed_tenants: provider
            .entra
            .as_ref()
            .and_then(|e| (!e.allowed_tenants.is_empty()).then_some(e.allowed_tenants.as_slice())),
        jwks_uri: &provider.jwks_uri,
        earlier: None,
    }
}

/// The attempt an authorization response continues: its `state` must be one we issued, once
/// (RFC 6749 §10.12, Core §3.1.2.7), to the browser delivering it (`browser_binding`, the
/// value of its binding cookie).
pub fn claim(
    attempts: &Attempts,
    params: &HashMap<String, String>,
    browser_binding: Option<&str>,
) -> Result<Attempt, SignInError> {
    let state = params
        .get("state")
        .filter(|s| !s.is_empty())
        .ok_or(SignInError::MissingState)?;
    attempts.claim(state, browser_binding)
}

/// Completes a sign-in from the authorization response parameters, for a claimed `attempt`
/// at its active `provider`.
pub async fn finish(
    env: &Env<'_>,
    attempt: &Attempt,
    provider: &ProviderSettings,
    params: &HashMap<String, String>,
) -> Result<VerifiedIdentity, SignInError> {
    // RFC 9207 §2.4: if the provider says who it is, it must be the one we asked.
    if let Some(iss) = params.get("iss")
        && !provider.issuer.contains("{tenantid}")
        && iss != &provider.issuer
    {
        return Err(SignInError::ResponseIssuer {
            expected: provider.issuer.clone(),
            found: iss.clone(),
        });
    }
    if let Some(error) = params.get("error") {
        return Err(SignInError::Provider {
            error: error.clone(),
            description: params.get("error_description").cloned().unwrap_or_default(),
        });
    }
    let want = |part| attempt.response_type.has(part);
    let code = params.get("code").filter(|_| want(ResponsePart::Code));
    let front_token = params
        .get("access_token")
        .filter(|_| want(ResponsePart::Token));
    let front_id = params
        .get("id_token")
        .filter(|_| want(ResponsePart::IdToken));
    if want(ResponsePart::Code) && code.is_none() {
        return Err(SignInError::MissingParameter("code"));
    }
    if want(ResponsePart::IdToken) && front_id.is_none() {
        return Err(SignInError::MissingParameter("id_token"));
    }
    if want(ResponsePart::Token) && front_token.is_none() {
        return Err(SignInError::MissingParameter("access_token"));
    }
    let base = Expectations {
        nonce: Some(&attempt.nonce),
        max_age: attempt.max_age,
        ..expectations(provider, env.now)
    };
    // An ID token from the authorization endpoint is validated before anything else is done
    // with the response: no token or userinfo call follows a rejected one (Core §3.2.2.11,
    // §3.3.2.12). at_hash is REQUIRED with `token`, c_hash with `code` (§3.2.2.10, §3.3.2.11).
    let front_claims = match front_id {
        Some(t) => {
            let at_rule = if front_token.is_some() {
                HashRule::Required
            } else {
                HashRule::None
            };
            let c_rule = if code.is_some() {
                HashRule::Required
            } else {
                HashRule::None
            };
            let e = Expectations {
                access_token: front_token.map(String::as_str),
                at_hash: at_rule,
                code: code.map(String::as_str),
                c_hash: c_rule,
                ..base.clone()
            };
            Some(validator::validate(t, &e, env.jwks).await?)
        }
        None => None,
    };
    let mut access_token = front_token.cloned();
    let mut refresh_token = None;
    let claims = match code {
        Some(code) => {
            let tokens = redeem(env, provider, code, attempt.pkce_verifier.as_deref()).await?;
            let id = tokens
                .get("id_token")
                .and_then(Value::as_str)
                .ok_or(SignInError::TokenWithoutIdToken)?;
            let back_access = tokens.get("access_token").and_then(Value::as_str);
            // §3.1.3.8, §3.3.3.8: at_hash is optional here; checked when present. §3.3.3.6:
            // in the hybrid flow iss and sub must be those of the front-channel ID token.
            let e = Expectations {
                access_token: back_access,
                at_hash: HashRule::IfPresent,
                earlier: front_claims.as_ref().map(|claims| Earlier {
                    claims,
                    why: Continuity::Hybrid,
                }),
                ..base.clone()
            };
            let back = validator::validate(id, &e, env.jwks).await?;
            if let Some(at) = back_access {
                access_token = Some(at.to_owned());
            }
            refresh_token = tokens
                .get("refresh_token")
                .and_then(Value::as_str)
                .map(str::to_owned);
            back
        }
        None => front_claims.unwrap_or_default(),
    };
    // Before userinfo: the ID token decides whether the role claim came with it.
    refuse_role_claim_overage(provider, &claims)?;
    let mut claims = claims;
    if let (Some(at), Some(endpoint)) = (&access_token, &provider.userinfo_endpoint) {
        let info = userinfo(env.http, endpoint, at).await?;
        // Core §5.3.2: the userinfo sub must equal the ID token's, or its claims are not used.
        let sub = claims
            .get("sub")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let info_sub = info.get("sub").and_then(Value::as_str).unwrap_or_default();
        if sub != info_sub {
            return Err(SignInError::UserinfoSub {
                expected: sub.to_owned(),
                found: info_sub.to_owned(),
            });
        }
        for (k, v) in info {
            claims.entry(k).or_insert(v);
        }
    }
    if let Some(entra) = &provider.entra {
        // Entra ID never sends email_verified; xms_edov is its stand-in when trusted.
        let edov = claims.get("xms_edov") == Some(&Value::Bool(true));
        claims.remove("email_verified");
        if entra.trust_xms_edov && edov && claims.contains_key("email") {
            claims.insert("email_verified".into(), json!(true));
        }
    }
    let name = provider.identity_claim.as_str();
    let external_id = claims
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or(SignInError::MissingIdentity(name))?
        .to_owned();
    Ok(VerifiedIdentity {
        provider: provider.name.clone(),
        external_id,
        claims,
        scopes: provider.scopes(),
        refresh_token,
    })
}

/// Entra ID groups overage (and any distributed or aggregated role claim, Core §5.6.2): the
/// token only points at where the claim could be fetched (`_claim_names`, or `hasgroups`
/// in the implicit flow). The relying party does not call Microsoft Graph, and mapping no
/// roles would silently strip the user's roles, so the sign-in is refused instead.
fn refuse_role_claim_overage(
    provider: &ProviderSettings,
    claims: &Map<String, Value>,
) -> Result<(), SignInError> {
    let mapping = &provider.role_mapping;
    if !mapping.roles_from_provider {
        return Ok(());
    }
    let pointed_at = |name: &str| {
        claims
            .get("_claim_names")
            .and_then(Value::as_object)
            .is_some_and(|names| names.contains_key(name))
            || (name == "groups" && claims.get("hasgroups") == Some(&Value::Bool(true)))
    };
    match mapping
        .rows
        .iter()
        .filter(|r| r.active)
        .map(|r| r.claim_type.as_str())
        .find(|name| !claims.contains_key(*name) && pointed_at(name))
    {
        Some(name) => Err(SignInError::RoleClaimOverage(name.to_owned())),
        None => Ok(()),
    }
}

/// A refreshed session: the new refresh token (when the provider rotates it) and the new ID
/// token's claims.
#[derive(Debug, Clone)]
pub struct Refreshed {
    /// The refresh token to use next time.
    pub refresh_token: String,
    /// The refreshed ID token's claims.
    pub claims: Map<String, Value>,
}

/// Uses `refresh_token` (RFC 6749 §6) and validates the new ID token against the sign-in's
/// (Core §12.2: same `iss` and `sub`, signature and the usual claim checks; no nonce).
pub async fn refresh(
    env: &Env<'_>,
    provider: &ProviderSettings,
    refresh_token: &str,
    signed_in: &Map<String, Value>,
) -> Result<Refreshed, SignInError> {
    let tokens = token_request(
        env,
        provider,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await?;
    let id = tokens
        .get("id_token")
        .and_then(Value::as_str)
        .ok_or(SignInError::TokenWithoutIdToken)?;
    let e = Expectations {
        access_token: tokens.get("access_token").and_then(Value::as_str),
        at_hash: HashRule::IfPresent,
        earlier: Some(Earlier {
            claims: signed_in,
            why: Continuity::Refresh,
        }),
        ..expectations(provider, env.now)
    };
    let claims = validator::validate(id, &e, env.jwks).await?;
    Ok(Refreshed {
        refresh_token: tokens
            .get("refresh_token")
            .and_then(Value::as_str)
            .unwrap_or(refresh_token)
            .to_owned(),
        claims,
    })
}

fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Redeems the code (RFC 6749 §4.1.3) with the PKCE verifier.
async fn redeem(
    env: &Env<'_>,
    provider: &ProviderSettings,
    code: &str,
    verifier: Option<&str>,
) -> Result<Map<String, Value>, SignInError> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", env.redirect_uri),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    token_request(env, provider, &form).await
}

/// Posts `form` to the token endpoint, authenticated as the settings say. A connection that fails or
/// closes, and a 5xx, mean the provider is unavailable; an OAuth error means it refused.
async fn token_request(
    env: &Env<'_>,
    provider: &ProviderSettings,
    form: &[(&str, &str)],
) -> Result<Map<String, Value>, SignInError> {
    let endpoint = provider
        .token_endpoint
        .as_deref()
        .ok_or_else(|| SignInError::Token("no token endpoint is configured".into()))?;
    let secret = provider
        .client_secret
        .as_ref()
        .map(|s| s.expose())
        .unwrap_or_default();
    let mut request = env.http.post(endpoint);
    let mut form = form.to_vec();
    match provider.token_endpoint_auth_method {
        TokenAuthMethod::ClientSecretBasic => {
            // RFC 6749 §2.3.1: id and secret are form-encoded before they are base64-encoded.
            let basic = STANDARD.encode(format!(
                "{}:{}",
                form_encode(&provider.client_id),
                form_encode(secret)
            ));
            request = request.header(reqwest::header::AUTHORIZATION, format!("Basic {basic}"));
        }
        TokenAuthMethod::ClientSecretPost => {
            form.push(("client_id", &provider.client_id));
            form.push(("client_secret", secret));
        }
    }
    let unavailable = |detail: String| SignInError::Unavailable {
        endpoint: "token",
        detail,
    };
    let res = request
        .form(&form)
        .send()
        .await
        .map_err(|e| unavailable(format!("{endpoint} cannot be reached: {e}")))?;
    let status = res.status();
    // RFC 9110 §15.6: a 5xx says the server failed, not that it refused this request.
    if status.is_server_error() {
        return Err(unavailable(format!("expected status 200, found {status}")));
    }
    let bytes = res
        .bytes()
        .await
        .map_err(|e| unavailable(format!("{endpoint} closed the connection mid-answer: {e}")))?;
    // RFC 6749 §5.1, §5.2: success and error answers alike are JSON objects.
    let body: Value = serde_json::from_slice(&bytes).map_err(|e| {
        SignInError::Token(format!(
            "expected a JSON token response, found something else ({e})"
        ))
    })?;
    if !status.is_success() {
        return Err(SignInError::Token(format!(
            "status {status}: {} {}",
            body.get("error")
                .and_then(Value::as_str)
                .unwrap_or("(no error code)"),
            body.get("error_description")
                .and_then(Value::as_str)
                .unwrap_or("")
        )));
    }
    match body {
        Value::Object(m) => Ok(m),
        _ => Err(SignInError::Token("expected a JSON object".into())),
    }
}

/// Calls userinfo with the bearer token in the header (Core §5.3.1, RFC 6750 §2.1).
async fn userinfo(
    http: &reqwest::Client,
    endpoint: &str,
    token: &str,
) -> Result<Map<String, Value>, SignInError> {
    let unavailable = |detail: String| SignInError::Unavailable {
        endpoint: "userinfo",
        detail,
    };
    let res = http
        .get(endpoint)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| unavailable(format!("{endpoint} cannot be reached: {e}")))?;
    // RFC 9110 §15.6: a 5xx is the provider failing, told apart from a refusal (Core §5.3.3).
    if res.status().is_server_error() {
        return Err(unavailable(format!(
            "expected status 200, found {}",
            res.status()
        )));
    }
    if !res.status().is_success() {
        return Err(SignInError::Userinfo(format!(
            "expected status 200, found {}",
            res.status()
        )));
    }
    let ctype = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if !ctype.starts_with("application/json") {
        return Err(SignInError::UserinfoContentType(ctype));
    }
    let bytes = res
        .bytes()
        .await
        .map_err(|e| unavailable(format!("{endpoint} closed the connection mid-answer: {e}")))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(SignInError::Userinfo("expected a JSON object".into())),
    }
}
