//! Every response type × response mode: the response arrives where the mode says, `state`
//! and `iss` come back, and every token verifies against the served JWK Set with the right
//! hashes — for RS256, ES256 and EdDSA clients.

mod common;

use common::{CALLBACK, authorize, decode, exchange, half, http, jwks, verify};
use mock_idp::{Alg, Client, MockIdp, ResponseType};
use serde_json::Value;

async fn idp() -> MockIdp {
    MockIdp::builder()
        .client(Client::confidential("rs", "rs-secret").redirect_uri(CALLBACK))
        .client(
            Client::confidential("es", "es-secret")
                .redirect_uri(CALLBACK)
                .signing_alg(Alg::ES256),
        )
        .client(
            Client::confidential("ed", "ed-secret")
                .redirect_uri(CALLBACK)
                .signing_alg(Alg::EdDSA)
                .jwt_access_tokens(),
        )
        .start()
        .await
}

fn modes(rt: ResponseType) -> Vec<Option<&'static str>> {
    if rt == ResponseType::Code {
        vec![None, Some("query"), Some("fragment"), Some("form_post")]
    } else {
        vec![None, Some("fragment"), Some("form_post")]
    }
}

#[tokio::test]
async fn every_response_type_and_mode_delivers_verifiable_tokens() {
    let idp = idp().await;
    let issuer = idp.issuer();
    let keys = jwks(&issuer).await;
    let http = http();
    for (client, secret, alg) in [
        ("rs", "rs-secret", "RS256"),
        ("es", "es-secret", "ES256"),
        ("ed", "ed-secret", "EdDSA"),
    ] {
        for rt in ResponseType::ALL {
            for mode in modes(rt) {
                let mut q = vec![
                    ("client_id", client),
                    ("redirect_uri", CALLBACK),
                    ("response_type", rt.as_str()),
                    ("scope", "openid email profile"),
                    ("state", "st-1"),
                    ("nonce", "n-1"),
                    ("login_hint", "alice"),
                ];
                if let Some(m) = mode {
                    q.push(("response_mode", m));
                }
                let cell = format!("{client} {rt} {mode:?}");
                let r = authorize(&http, &issuer, &q).await;
                let expected_mode = mode.unwrap_or(if rt == ResponseType::Code {
                    "query"
                } else {
                    "fragment"
                });
                assert_eq!(r.mode, expected_mode, "{cell}");
                let p = &r.params;
                assert_eq!(p.get("state").map(String::as_str), Some("st-1"), "{cell}");
                assert_eq!(p.get("iss"), Some(&issuer), "{cell}: RFC 9207 iss");
                assert_eq!(p.contains_key("code"), rt.has_code(), "{cell}");
                assert_eq!(p.contains_key("id_token"), rt.has_id_token(), "{cell}");
                assert_eq!(p.contains_key("access_token"), rt.has_token(), "{cell}");
                if let Some(id) = p.get("id_token") {
                    let c = verify(id, &keys).unwrap_or_else(|e| panic!("{cell}: {e}"));
                    let (h, _) = decode(id);
                    assert_eq!(h["alg"], alg, "{cell}");
                    assert_eq!(c["iss"], issuer.as_str());
                    assert_eq!(c["aud"], client);
                    assert_eq!(c["nonce"], "n-1");
                    assert_eq!(c["s_hash"], half(alg, "st-1").as_str(), "{cell}");
                    match p.get("code") {
                        Some(code) => assert_eq!(c["c_hash"], half(alg, code).as_str(), "{cell}"),
                        None => assert!(c.get("c_hash").is_none(), "{cell}"),
                    }
                    match p.get("access_token") {
                        Some(at) => assert_eq!(c["at_hash"], half(alg, at).as_str(), "{cell}"),
                        None => assert!(c.get("at_hash").is_none(), "{cell}"),
                    }
                }
                if let Some(code) = p.get("code") {
                    let res = exchange(&http, &issuer, (client, secret), code, None).await;
                    assert_eq!(res.status(), 200, "{cell}");
                    assert_eq!(res.headers()["cache-control"], "no-store");
                    let t: Value = res.json().await.expect("json");
                    let id = t["id_token"].as_str().expect("id_token");
                    let c =
                        verify(id, &keys).unwrap_or_else(|e| panic!("{cell} token endpoint: {e}"));
                    let at = t["access_token"].as_str().expect("access_token");
                    assert_eq!(c["at_hash"], half(alg, at).as_str(), "{cell}");
                    assert_eq!(c["nonce"], "n-1", "{cell}: nonce from the request");
                    if client == "ed" {
                        let claims = verify(at, &keys).expect("JWT access token verifies");
                        assert_eq!(claims["client_id"], "ed");
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn userinfo_by_header_and_by_form_body() {
    let idp = idp().await;
    let issuer = idp.issuer();
    let http = http();
    let r = authorize(
        &http,
        &issuer,
        &[
            ("client_id", "rs"),
            ("redirect_uri", CALLBACK),
            ("response_type", "code"),
            ("scope", "openid email"),
            ("login_hint", "alice"),
        ],
    )
    .await;
    let t: Value = exchange(&http, &issuer, ("rs", "rs-secret"), &r.params["code"], None)
        .await
        .json()
        .await
        .expect("json");
    let at = t["access_token"].as_str().expect("at");
    let get: Value = http
        .get(format!("{issuer}/userinfo"))
        .bearer_auth(at)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(get["sub"], "alice");
    assert_eq!(get["email"], "alice@example.com");
    assert!(get.get("name").is_none(), "profile was not granted");
    let post: Value = http
        .post(format!("{issuer}/userinfo"))
        .form(&[("access_token", at)])
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert_eq!(post, get);
    let (_, id) = decode(t["id_token"].as_str().expect("id"));
    assert_eq!(id["sub"], get["sub"]);
}

#[tokio::test]
async fn client_secret_post_and_public_clients_with_pkce() {
    let idp = MockIdp::builder()
        .client(Client::confidential("web", "web-secret").redirect_uri(CALLBACK))
        .client(Client::public("spa").redirect_uri(CALLBACK))
        .start()
        .await;
    let issuer = idp.issuer();
    let http = http();
    let base = [
        ("redirect_uri", CALLBACK),
        ("response_type", "code"),
        ("scope", "openid"),
        ("login_hint", "bob"),
    ];
    let mut q = base.to_vec();
    q.push(("client_id", "web"));
    let r = authorize(&http, &issuer, &q).await;
    let res = http
        .post(format!("{issuer}/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", r.params["code"].as_str()),
            ("redirect_uri", CALLBACK),
            ("client_id", "web"),
            ("client_secret", "web-secret"),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), 200);

    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; // RFC 7636 Appendix B
    let mut q = base.to_vec();
    q.extend([
        ("client_id", "spa"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]);
    let r = authorize(&http, &issuer, &q).await;
    let res = http
        .post(format!("{issuer}/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", r.params["code"].as_str()),
            ("redirect_uri", CALLBACK),
            ("client_id", "spa"),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}
