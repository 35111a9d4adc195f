//! The admin API over HTTP, the clock, the request log, key rotation, the Entra flavour,
//! health and TLS.

mod common;

use common::{CALLBACK, authorize, decode, http, verify};
use mock_idp::{Client, MockIdp, Tenant, TlsPem, User};
use serde_json::{Value, json};

async fn send(method: &str, url: String, body: Option<Value>) -> (u16, Value) {
    let c = reqwest::Client::new();
    let req = match method {
        "POST" => c.post(url),
        "PUT" => c.put(url),
        "PATCH" => c.patch(url),
        "DELETE" => c.delete(url),
        _ => c.get(url),
    };
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    let res = req.send().await.expect("admin");
    let status = res.status().as_u16();
    let text = res.text().await.expect("text");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn id_token_for(idp: &MockIdp, client: &str, user: &str) -> Value {
    let r = authorize(
        &http(),
        &idp.issuer(),
        &[
            ("client_id", client),
            ("redirect_uri", CALLBACK),
            ("response_type", "id_token"),
            ("response_mode", "fragment"),
            ("scope", "openid email profile"),
            ("nonce", "n"),
            ("login_hint", user),
        ],
    )
    .await;
    decode(&r.params["id_token"]).1
}

#[tokio::test]
async fn users_claims_clients_faults_and_clock_over_http() {
    let idp = MockIdp::start().await;
    let t = format!("{}/_admin/tenants/default", idp.url());
    let (s, _) = send(
        "POST",
        format!("{t}/clients"),
        Some(json!({"client_id": "web", "client_secret": "x", "redirect_uris": [CALLBACK]})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, clients) = send("GET", format!("{t}/clients"), None).await;
    assert_eq!(s, 200);
    assert!(
        clients.to_string().contains("\"web\"") && !clients.to_string().contains("\"x\""),
        "secrets not shown: {clients}"
    );
    let (s, _) = send(
        "POST",
        format!("{t}/users"),
        Some(json!({"username": "erin", "claims": {"email": "erin@x.test"}})),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(
        send(
            "POST",
            format!("{t}/users"),
            Some(json!({"username": "erin"}))
        )
        .await
        .0,
        409
    );
    let (s, u) = send(
        "PATCH",
        format!("{t}/users/erin/claims"),
        Some(json!({"email": null, "department": "ops"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(u["claims"], json!({"department": "ops"}));
    let c = id_token_for(&idp, "web", "erin").await;
    assert_eq!(c["department"], "ops");
    assert!(c.get("email").is_none());
    assert_eq!(send("DELETE", format!("{t}/users/erin"), None).await.0, 204);
    assert_eq!(send("GET", format!("{t}/users/erin"), None).await.0, 404);
    let (s, bad) = send(
        "POST",
        format!("{t}/clients"),
        Some(json!({"client_id": "bad", "redirect_uris": ["not a uri"]})),
    )
    .await;
    assert_eq!(s, 400);
    assert!(
        bad["error_description"]
            .as_str()
            .expect("d")
            .contains("redirect_uris[0]"),
        "{bad}"
    );

    // Faults: add, list, spend, clear.
    let (s, f) = send(
        "POST",
        format!("{t}/faults"),
        Some(json!({"fault": "aud_changed", "times": 1})),
    )
    .await;
    assert_eq!(s, 201);
    assert!(f["id"].as_u64().is_some());
    assert_eq!(id_token_for(&idp, "web", "alice").await["aud"], "web1");
    assert_eq!(
        id_token_for(&idp, "web", "alice").await["aud"],
        "web",
        "spent after one use"
    );
    send(
        "POST",
        format!("{t}/faults"),
        Some(json!({"fault": "sub_missing"})),
    )
    .await;
    assert_eq!(
        send("GET", format!("{t}/faults"), None)
            .await
            .1
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(send("DELETE", format!("{t}/faults"), None).await.0, 204);
    assert_eq!(id_token_for(&idp, "web", "alice").await["sub"], "alice");

    // Clock: frozen time is what iat reads. Freezing first keeps a slow machine's passing
    // second out of the set time.
    send(
        "POST",
        format!("{}/_admin/clock", idp.url()),
        Some(json!({"action": "freeze"})),
    )
    .await;
    let (_, clock) = send(
        "POST",
        format!("{}/_admin/clock", idp.url()),
        Some(json!({"action": "set", "now": 2_000_000_000})),
    )
    .await;
    assert_eq!(clock["now"], 2_000_000_000);
    send(
        "POST",
        format!("{}/_admin/clock", idp.url()),
        Some(json!({"action": "advance", "seconds": 30})),
    )
    .await;
    let c = id_token_for(&idp, "web", "alice").await;
    assert_eq!(c["iat"], 2_000_000_030);
    assert_eq!(c["exp"], 2_000_003_630);

    // Claim overrides for the next token only.
    send(
        "POST",
        format!("{t}/overrides"),
        Some(json!({"target": "id_token", "once": true, "claims": {"acr": "mfa"}})),
    )
    .await;
    assert_eq!(id_token_for(&idp, "web", "alice").await["acr"], "mfa");
    assert!(
        id_token_for(&idp, "web", "alice")
            .await
            .get("acr")
            .is_none()
    );
}

#[tokio::test]
async fn the_request_log_redacts_secrets_and_the_debug_page_shows_tokens() {
    let idp = MockIdp::builder()
        .client(Client::confidential("app", "top-secret").redirect_uri(CALLBACK))
        .start()
        .await;
    let http = http();
    let r = authorize(
        &http,
        &idp.issuer(),
        &[
            ("client_id", "app"),
            ("redirect_uri", CALLBACK),
            ("response_type", "code"),
            ("scope", "openid"),
            ("login_hint", "bob"),
        ],
    )
    .await;
    http.post(format!("{}/token", idp.issuer()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", r.params["code"].as_str()),
            ("redirect_uri", CALLBACK),
            ("client_id", "app"),
            ("client_secret", "top-secret"),
        ])
        .send()
        .await
        .expect("token");
    let (_, log) = send("GET", format!("{}/_admin/requests", idp.url()), None).await;
    let text = log.to_string();
    assert!(
        !text.contains("top-secret") && !text.contains(&r.params["code"]),
        "{text}"
    );
    let token = log
        .as_array()
        .expect("log")
        .iter()
        .find(|e| e["endpoint"] == "token")
        .expect("token logged");
    assert_eq!(token["params"]["client_secret"], "***");
    assert_eq!(token["client_id"], "app");
    let page = reqwest::get(format!("{}/_admin", idp.url()))
        .await
        .expect("debug")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("Tokens issued") && page.contains("&quot;sub&quot;: &quot;bob&quot;"),
        "{page}"
    );
    let (s, health) = send("GET", format!("{}/healthz", idp.url()), None).await;
    assert_eq!((s, health), (200, json!({"status": "ok"})));
}

#[tokio::test]
async fn rotation_keeps_the_old_key_published_and_signs_with_the_new_one() {
    let idp = MockIdp::builder()
        .client(Client::confidential("app", "s").redirect_uri(CALLBACK))
        .start()
        .await;
    let before = common::jwks(&idp.issuer()).await;
    let old = decode(
        &authorize(
            &http(),
            &idp.issuer(),
            &[
                ("client_id", "app"),
                ("redirect_uri", CALLBACK),
                ("response_type", "id_token"),
                ("scope", "openid"),
                ("nonce", "n"),
                ("login_hint", "alice"),
            ],
        )
        .await
        .params["id_token"],
    )
    .0["kid"]
        .clone();
    let (s, rotated) = send(
        "POST",
        format!("{}/_admin/tenants/default/keys/rotate", idp.url()),
        Some(json!({"alg": "RS256"})),
    )
    .await;
    assert_eq!(s, 200);
    let after = common::jwks(&idp.issuer()).await;
    assert_eq!(
        after["keys"].as_array().map(Vec::len),
        before["keys"].as_array().map(|k| k.len() + 1)
    );
    assert!(
        after.to_string().contains(old.as_str().expect("kid")),
        "retired key still published"
    );
    let token = authorize(
        &http(),
        &idp.issuer(),
        &[
            ("client_id", "app"),
            ("redirect_uri", CALLBACK),
            ("response_type", "id_token"),
            ("scope", "openid"),
            ("nonce", "n"),
            ("login_hint", "alice"),
        ],
    )
    .await
    .params["id_token"]
        .clone();
    assert_eq!(decode(&token).0["kid"], rotated["kid"]);
    verify(&token, &after).expect("verifies with the new key");
}

#[tokio::test]
async fn entra_flavour_shapes_issuer_and_claims() {
    let tid = "9122040d-6c67-4c5b-b112-36a304b66dad";
    let idp = MockIdp::builder()
        .tenant(
            Tenant::entra("contoso", tid)
                .client(Client::confidential("a", "s").redirect_uri(CALLBACK))
                .client(Client::confidential("b", "s").redirect_uri(CALLBACK))
                .user(
                    User::new("megan")
                        .email("megan@contoso.test", true)
                        .roles(["Approver"]),
                ),
        )
        .start()
        .await;
    let issuer = idp.issuer();
    assert_eq!(issuer, format!("{}/{tid}/v2.0", idp.url()));
    let meta: Value = reqwest::get(format!("{issuer}/.well-known/openid-configuration"))
        .await
        .expect("d")
        .json()
        .await
        .expect("j");
    assert_eq!(meta["issuer"], issuer.as_str());
    assert_eq!(meta["subject_types_supported"], json!(["pairwise"]));
    let a = id_token_for(&idp, "a", "megan").await;
    let b = id_token_for(&idp, "b", "megan").await;
    assert_ne!(a["sub"], b["sub"], "pairwise sub");
    assert_eq!(a["oid"], b["oid"], "oid is per tenant, not per client");
    assert_eq!(a["tid"], tid);
    assert_eq!(a["ver"], "2.0");
    assert_eq!(a["preferred_username"], "megan@contoso.test");
    assert_eq!(a["roles"], json!(["Approver"]));
    assert!(
        a.get("email_verified").is_none(),
        "Entra never sends email_verified"
    );
}

#[tokio::test]
async fn tls_serves_https_with_the_given_certificate() {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).expect("cert");
    let pem = TlsPem {
        cert: cert.cert.pem().into_bytes(),
        key: cert.signing_key.serialize_pem().into_bytes(),
    };
    let idp = MockIdp::builder().tls(pem.clone()).start().await;
    assert!(idp.issuer().starts_with("https://127.0.0.1:"));
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem.cert).expect("pem"))
        .build()
        .expect("client");
    let meta: Value = client
        .get(format!("{}/.well-known/openid-configuration", idp.issuer()))
        .send()
        .await
        .expect("https")
        .json()
        .await
        .expect("json");
    assert_eq!(meta["issuer"], idp.issuer().as_str());
}
