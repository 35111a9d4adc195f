//! Snapshots of the discovery document and of a decoded ID token per flow, with the port,
//! times, nonces, session ids, hashes and key ids redacted so they are stable across runs.

mod common;

use common::{CALLBACK, authorize, decode, exchange, http};
use mock_idp::{Client, MockIdp};
use serde_json::Value;

/// Replaces the server's random port with a fixed base.
fn stable(v: &Value, idp: &MockIdp) -> Value {
    serde_json::from_str(&v.to_string().replace(&idp.url(), "http://mock-idp")).expect("json")
}

#[tokio::test]
async fn discovery_document() {
    let idp = MockIdp::start().await;
    let doc: Value = reqwest::get(format!("{}/.well-known/openid-configuration", idp.issuer()))
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    insta::assert_json_snapshot!("discovery", stable(&doc, &idp));
}

#[tokio::test]
async fn id_token_per_flow() {
    let idp = MockIdp::builder()
        .client(Client::confidential("snap", "snap-secret").redirect_uri(CALLBACK))
        .start()
        .await;
    let http = http();
    for (flow, rt, mode) in [
        ("code", "code", "query"),
        ("implicit_form_post", "id_token token", "form_post"),
        ("implicit_fragment", "id_token token", "fragment"),
        ("hybrid_form_post", "code id_token", "form_post"),
        ("hybrid_fragment", "code id_token", "fragment"),
    ] {
        let r = authorize(
            &http,
            &idp.issuer(),
            &[
                ("client_id", "snap"),
                ("redirect_uri", CALLBACK),
                ("response_type", rt),
                ("response_mode", mode),
                ("scope", "openid email profile roles"),
                ("state", "fixed-state"),
                ("nonce", "fixed-nonce"),
                ("login_hint", "alice"),
            ],
        )
        .await;
        let token = match r.params.get("id_token") {
            Some(t) => t.clone(),
            None => {
                let t: Value = exchange(
                    &http,
                    &idp.issuer(),
                    ("snap", "snap-secret"),
                    &r.params["code"],
                    None,
                )
                .await
                .json()
                .await
                .expect("json");
                t["id_token"].as_str().expect("id_token").to_owned()
            }
        };
        let (header, claims) = decode(&token);
        let both = serde_json::json!({ "header": header, "claims": claims });
        insta::assert_json_snapshot!(format!("id_token_{flow}"), stable(&both, &idp), {
            ".header.kid" => "[kid]",
            ".claims.iat" => "[time]",
            ".claims.exp" => "[time]",
            ".claims.auth_time" => "[time]",
            ".claims.sid" => "[sid]",
            ".claims.at_hash" => "[hash]",
            ".claims.c_hash" => "[hash]",
            ".claims.s_hash" => "[hash]",
            ".claims.nonce" => "[nonce]",
        });
    }
}
