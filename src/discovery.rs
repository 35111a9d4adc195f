//! Provider metadata (OpenID Connect Discovery 1.0): fetching it, checking it against what the
//! relying party needs (autoconfiguration), and comparing stored settings with it (validate).

use serde::Serialize;
use serde_json::Value;

use crate::flavour::ProviderFlavour;
pub use crate::settings::metadata_url;
use crate::settings::{ProviderSettings, TokenAuthMethod};

/// One problem found in the metadata or in the settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code, e.g. `discovery.issuer_mismatch`.
    pub code: &'static str,
    /// What was expected and what was found.
    pub message: String,
}

fn finding(code: &'static str, message: impl Into<String>) -> Finding {
    Finding {
        code,
        message: message.into(),
    }
}

/// Fetches the metadata document of `issuer`.
pub async fn fetch(http: &reqwest::Client, issuer: &str) -> Result<Value, Finding> {
    fetch_document(http, &metadata_url(issuer)).await
}

/// Fetches the metadata document at `url` (for documents not under the issuer, such as
/// Entra ID's multi-tenant `common` one).
pub async fn fetch_document(http: &reqwest::Client, url: &str) -> Result<Value, Finding> {
    let res = http.get(url).send().await.map_err(|e| {
        finding(
            "discovery.unreachable",
            format!("{url} cannot be fetched: {e}"),
        )
    })?;
    if !res.status().is_success() {
        return Err(finding(
            "discovery.unreachable",
            format!("expected status 200 from {url}, found {}", res.status()),
        ));
    }
    match res.json::<Value>().await {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(finding(
            "discovery.not_json",
            format!("expected a JSON object at {url}"),
        )),
    }
}

/// The metadata fields naming an endpoint the relying party calls or sends the browser to.
const ENDPOINT_FIELDS: [&str; 5] = [
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "end_session_endpoint",
];

fn strings(meta: &Value, field: &str) -> Option<Vec<String>> {
    meta.get(field).and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    })
}

fn same_response_type(a: &str, b: &str) -> bool {
    let mut x: Vec<&str> = a.split(' ').collect();
    let mut y: Vec<&str> = b.split(' ').collect();
    x.sort_unstable();
    y.sort_unstable();
    x == y
}

/// Every reason the metadata cannot serve `settings` (issuer, endpoints, flow, response
/// mode, algorithms, scopes). Empty when it can.
pub fn check(meta: &Value, settings: &ProviderSettings) -> Vec<Finding> {
    let mut out = Vec::new();
    // Discovery §4.3: the issuer in the document equals the one the document was fetched for.
    match meta.get("issuer").and_then(Value::as_str) {
        None => out.push(finding("discovery.missing_issuer", "expected issuer in the metadata, found none")),
        Some(i) if i != settings.issuer => out.push(finding(
            "discovery.issuer_mismatch",
            format!("expected issuer \"{}\", found \"{i}\" (compared byte for byte, trailing slash included)", settings.issuer),
        )),
        Some(_) => {}
    }
    let has = |f: &str| {
        meta.get(f)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    if !has("authorization_endpoint") {
        out.push(finding(
            "discovery.missing_authorization_endpoint",
            "expected authorization_endpoint, found none",
        ));
    }
    if settings.flow.needs_token_endpoint() && !has("token_endpoint") {
        out.push(finding(
            "discovery.missing_token_endpoint",
            format!(
                "expected token_endpoint: {} needs one",
                settings.flow.label()
            ),
        ));
    }
    if !has("jwks_uri") {
        out.push(finding(
            "discovery.missing_jwks_uri",
            "expected jwks_uri, found none",
        ));
    }
    // RFC 6749 §3.1 and §3.2, Core §16.17: the endpoints carry codes, tokens and the client
    // secret, so a document fetched over https must not send them to plain http.
    if settings.issuer.starts_with("https://") {
        for field in ENDPOINT_FIELDS {
            if let Some(url) = meta.get(field).and_then(Value::as_str)
                && !url.starts_with("https://")
            {
                out.push(finding(
                    "discovery.insecure_endpoint",
                    format!("expected an https {field} for the https issuer, found \"{url}\""),
                ));
            }
        }
    }
    let rt = settings.response_type();
    match strings(meta, "response_types_supported") {
        None => out.push(finding(
            "discovery.missing_response_types",
            "expected response_types_supported, found none",
        )),
        Some(list) if !list.iter().any(|t| same_response_type(t, rt)) => out.push(finding(
            "discovery.flow_unsupported",
            format!(
                "expected response_types_supported to include \"{rt}\" for {}, found {list:?}",
                settings.flow.label()
            ),
        )),
        Some(_) => {}
    }
    // Discovery §3: response_modes_supported defaults to ["query", "fragment"].
    let modes = strings(meta, "response_modes_supported")
        .unwrap_or_else(|| vec!["query".into(), "fragment".into()]);
    let mode = settings.flow.response_mode();
    if !modes.iter().any(|m| m == mode) {
        out.push(finding(
            "discovery.response_mode_unsupported",
            format!("expected response_modes_supported to include \"{mode}\", found {modes:?}"),
        ));
    }
    match strings(meta, "id_token_signing_alg_values_supported") {
        None => out.push(finding(
            "discovery.missing_signing_algs",
            "expected id_token_signing_alg_values_supported, found none",
        )),
        Some(list) if !list.iter().any(|a| settings.allowed_algs.contains(a)) => out.push(finding(
            "discovery.no_common_alg",
            format!(
                "expected one of {:?} among the provider's signing algorithms, found {list:?}",
                settings.allowed_algs
            ),
        )),
        Some(_) => {}
    }
    if let Some(scopes) = strings(meta, "scopes_supported") {
        for s in &settings.identity_scopes {
            if !scopes.contains(s) {
                out.push(finding(
                    "discovery.scope_unsupported",
                    format!("expected scopes_supported to include \"{s}\", found {scopes:?}"),
                ));
            }
        }
    }
    // The code and both hybrid flows redeem a code at the token endpoint.
    let method = settings.token_endpoint_auth_method.name();
    if settings.flow.needs_token_endpoint()
        && let Some(methods) = strings(meta, "token_endpoint_auth_methods_supported")
        && !methods.iter().any(|m| m == method)
    {
        out.push(finding(
            "discovery.auth_method_unsupported",
            format!(
                "expected {method} among token_endpoint_auth_methods_supported, found {methods:?}"
            ),
        ));
    }
    out
}

/// The authentication method to use at the token endpoint: the configured one while the
/// provider offers it (an absent list means `client_secret_basic`, Discovery §3), else
/// `client_secret_post` when the provider offers that instead.
fn offered_auth_method(meta: &Value, configured: TokenAuthMethod) -> TokenAuthMethod {
    match strings(meta, "token_endpoint_auth_methods_supported") {
        Some(methods)
            if !methods.iter().any(|m| m == configured.name())
                && methods
                    .iter()
                    .any(|m| m == TokenAuthMethod::ClientSecretPost.name()) =>
        {
            TokenAuthMethod::ClientSecretPost
        }
        _ => configured,
    }
}

/// Autoconfiguration: when the metadata passes [`check`], copies its endpoints into the
/// settings; otherwise returns every problem and leaves the settings alone.
pub fn autoconfigure(meta: &Value, settings: &mut ProviderSettings) -> Result<(), Vec<Finding>> {
    let mut completed = settings.clone();
    completed.token_endpoint_auth_method =
        offered_auth_method(meta, settings.token_endpoint_auth_method);
    let problems = check(meta, &completed);
    if !problems.is_empty() {
        return Err(problems);
    }
    *settings = completed;
    let get = |f: &str| meta.get(f).and_then(Value::as_str).map(str::to_owned);
    settings.authorization_endpoint = get("authorization_endpoint").unwrap_or_default();
    settings.token_endpoint = get("token_endpoint");
    settings.userinfo_endpoint = get("userinfo_endpoint");
    settings.jwks_uri = get("jwks_uri").unwrap_or_default();
    if settings.flavour.is_none() {
        settings.flavour = ProviderFlavour::recognise(meta);
    }
    Ok(())
}

/// Validate: [`check`] plus every stored endpoint that differs from the metadata.
pub fn validate(meta: &Value, settings: &ProviderSettings) -> Vec<Finding> {
    let mut out = check(meta, settings);
    let pairs: [(&str, Option<&str>); 4] = [
        (
            "authorization_endpoint",
            Some(settings.authorization_endpoint.as_str()),
        ),
        ("token_endpoint", settings.token_endpoint.as_deref()),
        ("userinfo_endpoint", settings.userinfo_endpoint.as_deref()),
        ("jwks_uri", Some(settings.jwks_uri.as_str())),
    ];
    for (field, stored) in pairs {
        let published = meta.get(field).and_then(Value::as_str);
        if let (Some(s), Some(p)) = (stored, published)
            && s != p
        {
            out.push(finding(
                "settings.endpoint_mismatch",
                format!("{field}: expected \"{p}\" as the provider publishes, found \"{s}\""),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(flow: &str) -> ProviderSettings {
        serde_json::from_value(json!({
            "name": "P",
            "issuer": "https://idp.test/t",
            "client_id": "c",
            "client_secret": "s",
            "flow": flow,
        }))
        .expect("settings")
    }

    fn meta() -> Value {
        json!({
            "issuer": "https://idp.test/t",
            "authorization_endpoint": "https://idp.test/t/authorize",
            "token_endpoint": "https://idp.test/t/token",
            "userinfo_endpoint": "https://idp.test/t/userinfo",
            "jwks_uri": "https://idp.test/t/jwks",
            "response_types_supported": ["code", "id_token", "id_token token", "code id_token"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
        })
    }

    fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn autoconfiguration_proposes_the_flavour_but_keeps_a_chosen_one() {
        let mut m = meta();
        let issuer = "https://sso.test/realms/acme";
        for field in [
            "authorization_endpoint",
            "token_endpoint",
            "userinfo_endpoint",
            "jwks_uri",
        ] {
            let url = m[field]
                .as_str()
                .unwrap()
                .replace("https://idp.test/t", issuer);
            m[field] = json!(url);
        }
        m["issuer"] = json!(issuer);
        let mut s = settings("authorization_code");
        s.issuer = issuer.into();
        autoconfigure(&m, &mut s).expect("passes");
        assert_eq!(s.flavour, Some(ProviderFlavour::Keycloak));
        s.flavour = Some(ProviderFlavour::Okta);
        autoconfigure(&m, &mut s).expect("passes");
        assert_eq!(
            s.flavour,
            Some(ProviderFlavour::Okta),
            "a chosen flavour stays"
        );
    }

    #[test]
    fn a_complete_document_passes_and_fills_the_endpoints() {
        let mut s = settings("hybrid_form_post");
        autoconfigure(&meta(), &mut s).expect("passes");
        assert_eq!(
            s.token_endpoint.as_deref(),
            Some("https://idp.test/t/token")
        );
        assert_eq!(s.jwks_uri, "https://idp.test/t/jwks");
    }

    #[test]
    fn client_secret_post_is_used_where_the_provider_offers_only_that() {
        let mut m = meta();
        m["token_endpoint_auth_methods_supported"] = json!(["client_secret_post"]);
        for flow in ["authorization_code", "hybrid_fragment"] {
            let mut s = settings(flow);
            autoconfigure(&m, &mut s).expect("passes");
            assert_eq!(
                s.token_endpoint_auth_method,
                TokenAuthMethod::ClientSecretPost
            );
        }
        m["token_endpoint_auth_methods_supported"] = json!(["private_key_jwt"]);
        for flow in ["authorization_code", "hybrid_form_post", "hybrid_fragment"] {
            let found = autoconfigure(&m, &mut settings(flow)).expect_err("no usable method");
            assert_eq!(
                codes(&found),
                vec!["discovery.auth_method_unsupported"],
                "{flow}"
            );
        }
        let mut implicit = settings("implicit_fragment");
        autoconfigure(&m, &mut implicit).expect("the implicit flow has no token request");
        let mut both = meta();
        both["token_endpoint_auth_methods_supported"] =
            json!(["client_secret_basic", "client_secret_post"]);
        let mut s = settings("authorization_code");
        autoconfigure(&both, &mut s).expect("passes");
        assert_eq!(
            s.token_endpoint_auth_method,
            TokenAuthMethod::ClientSecretBasic
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut m = meta();
        m["issuer"] = json!("https://idp.test/t/");
        m.as_object_mut().map(|o| o.remove("jwks_uri"));
        m["response_modes_supported"] = json!(["query", "fragment"]);
        m["id_token_signing_alg_values_supported"] = json!(["PS512"]);
        m["scopes_supported"] = json!(["openid"]);
        let mut s = settings("hybrid_form_post");
        s.response_type = Some("code id_token token".into());
        let found = autoconfigure(&m, &mut s).expect_err("fails");
        assert_eq!(
            codes(&found),
            vec![
                "discovery.issuer_mismatch",
                "discovery.missing_jwks_uri",
                "discovery.flow_unsupported",
                "discovery.response_mode_unsupported",
                "discovery.no_common_alg",
                "discovery.scope_unsupported",
                "discovery.scope_unsupported",
            ]
        );
        assert!(
            s.authorization_endpoint.is_empty(),
            "nothing filled on failure"
        );
    }

    #[test]
    fn an_https_issuer_refuses_every_endpoint_on_plain_http() {
        let mut m = meta();
        m["token_endpoint"] = json!("http://idp.test/t/token");
        m["jwks_uri"] = json!("http://idp.test/t/jwks");
        let mut s = settings("authorization_code");
        let found = autoconfigure(&m, &mut s).expect_err("downgrade");
        assert_eq!(
            codes(&found),
            vec!["discovery.insecure_endpoint", "discovery.insecure_endpoint"]
        );
        assert!(
            found[1].message.contains("jwks_uri"),
            "{}",
            found[1].message
        );
        assert!(s.token_endpoint.is_none(), "nothing filled on failure");
        // A loopback http issuer (development mode) has nothing to downgrade.
        let mut m = meta();
        m["issuer"] = json!("http://127.0.0.1:9090/t");
        m["token_endpoint"] = json!("http://127.0.0.1:9090/t/token");
        let mut s = settings("authorization_code");
        s.issuer = "http://127.0.0.1:9090/t".into();
        assert!(check(&m, &s).is_empty());
    }

    #[test]
    fn implicit_flows_do_not_need_a_token_endpoint_and_modes_default() {
        let mut m = meta();
        m.as_object_mut().map(|o| o.remove("token_endpoint"));
        m.as_object_mut()
            .map(|o| o.remove("response_modes_supported"));
        assert!(check(&m, &settings("implicit_fragment")).is_empty());
        assert_eq!(
            codes(&check(&m, &settings("implicit_form_post"))),
            vec!["discovery.response_mode_unsupported"]
        );
        assert_eq!(
            codes(&check(&m, &settings("authorization_code"))),
            vec!["discovery.missing_token_endpoint"]
        );
    }

    #[test]
    fn response_types_match_in_any_word_order() {
        let mut m = meta();
        m["response_types_supported"] = json!(["id_token code"]);
        assert!(check(&m, &settings("hybrid_fragment")).is_empty());
    }
}
