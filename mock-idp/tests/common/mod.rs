//! Shared by the integration tests: a minimal "browser" for the authorization endpoint,
//! JWS verification against the served JWK Set, and the left-half hash.
#![allow(dead_code)]

use std::collections::HashMap;

use aws_lc_rs::digest::{SHA256, SHA512, digest};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ED25519, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents,
    UnparsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

pub const CALLBACK: &str = "http://127.0.0.1:9/cb";

/// A client that shows redirects instead of following them.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Where the authorization response arrived and what it said.
#[derive(Debug)]
pub struct AuthzResponse {
    /// `query`, `fragment` or `form_post`.
    pub mode: &'static str,
    pub params: HashMap<String, String>,
}

/// GETs the authorization endpoint and reads the response from the Location query, the
/// Location fragment, or the form_post page's hidden inputs.
pub async fn authorize(
    http: &reqwest::Client,
    issuer: &str,
    query: &[(&str, &str)],
) -> AuthzResponse {
    let res = http
        .get(format!("{issuer}/authorize"))
        .query(query)
        .send()
        .await
        .expect("authorize");
    let status = res.status().as_u16();
    if status == 302 {
        let loc = res.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        let url = url::Url::parse(&loc).expect("absolute location");
        if let Some(f) = url.fragment() {
            assert!(
                url.query().is_none(),
                "no query when the response is in the fragment: {loc}"
            );
            return AuthzResponse {
                mode: "fragment",
                params: url::form_urlencoded::parse(f.as_bytes())
                    .into_owned()
                    .collect(),
            };
        }
        return AuthzResponse {
            mode: "query",
            params: url.query_pairs().into_owned().collect(),
        };
    }
    assert_eq!(status, 200, "expected a redirect or a form_post page");
    let body = res.text().await.expect("body");
    let form = mock_idp::agent::forms(&body)
        .into_iter()
        .next()
        .expect("a form");
    assert_eq!(form.method, "post");
    assert_eq!(form.action, CALLBACK);
    assert!(
        body.contains("document.forms[0].submit()"),
        "the form submits itself"
    );
    AuthzResponse {
        mode: "form_post",
        params: form.fields.into_iter().collect(),
    }
}

/// Exchanges a code with client_secret_basic.
pub async fn exchange(
    http: &reqwest::Client,
    issuer: &str,
    client: (&str, &str),
    code: &str,
    verifier: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CALLBACK),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    http.post(format!("{issuer}/token"))
        .basic_auth(client.0, Some(client.1))
        .form(&form)
        .send()
        .await
        .expect("token")
}

/// Decodes base64url without padding.
pub fn b64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s).expect("base64url")
}

/// Header and claims of a compact JWS.
pub fn decode(token: &str) -> (Value, Value) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "compact JWS");
    (
        serde_json::from_slice(&b64(parts[0])).expect("header"),
        serde_json::from_slice(&b64(parts[1])).expect("claims"),
    )
}

/// Verifies `token` with the JWK named by its `kid` in `jwks`; returns the claims.
pub fn verify(token: &str, jwks: &Value) -> Result<Value, String> {
    let (header, claims) = decode(token);
    let kid = header["kid"].as_str().ok_or("no kid")?;
    let key = jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == kid))
        .ok_or_else(|| format!("kid {kid} not in the JWK Set"))?;
    if verifies_with(token, key)? {
        Ok(claims)
    } else {
        Err("signature does not verify".into())
    }
}

/// Whether `token`'s signature verifies with the public JWK `key` under the header's `alg`.
pub fn verifies_with(token: &str, key: &Value) -> Result<bool, String> {
    let parts: Vec<&str> = token.split('.').collect();
    let header: Value = serde_json::from_slice(&b64(parts[0])).map_err(|e| e.to_string())?;
    let input = format!("{}.{}", parts[0], parts[1]);
    let sig = b64(parts[2]);
    let field = |n: &str| b64(key[n].as_str().unwrap_or_default());
    Ok(match header["alg"].as_str() {
        Some("RS256") if key["kty"] == "RSA" => RsaPublicKeyComponents {
            n: field("n"),
            e: field("e"),
        }
        .verify(&RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &sig)
        .is_ok(),
        Some("ES256") if key["kty"] == "EC" => {
            let mut point = vec![4];
            point.extend(field("x"));
            point.extend(field("y"));
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                .verify(input.as_bytes(), &sig)
                .is_ok()
        }
        Some("EdDSA") if key["kty"] == "OKP" => UnparsedPublicKey::new(&ED25519, field("x"))
            .verify(input.as_bytes(), &sig)
            .is_ok(),
        Some("RS256" | "ES256" | "EdDSA") => false,
        other => return Err(format!("unexpected alg {other:?}")),
    })
}

/// Left half of SHA-256 (SHA-512 for EdDSA), base64url — written here independently of
/// the server's implementation.
pub fn half(alg: &str, value: &str) -> String {
    let d = if alg == "EdDSA" {
        digest(&SHA512, value.as_bytes())
    } else {
        digest(&SHA256, value.as_bytes())
    };
    let bytes = d.as_ref();
    URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() / 2])
}

pub async fn jwks(issuer: &str) -> Value {
    reqwest::get(format!("{issuer}/jwks"))
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json")
}
