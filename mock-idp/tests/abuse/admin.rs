//! The admin API reads no stray file and answers only its own host and site; secrets stay
//! out of its logs; pages carry their guard headers; faults that cannot apply, or would only
//! multiply a wait, are refused or capped.

use std::time::{Duration, Instant};

use mock_idp::{Client, Endpoint, Fault, FaultRule, Limits, MockIdp};
use serde_json::{Value, json};

use crate::common::{CALLBACK, http};
use crate::{PKCE_CHALLENGE, PKCE_VERIFIER, authorize_raw, code_request, idp, location_params};

async fn add_tenant_with_key(idp: &MockIdp, file: &str) -> (u16, String) {
    let res = http()
        .post(format!("{}/_admin/tenants", idp.url()))
        .json(&json!({ "name": "evil", "keys": [{ "alg": "RS256", "file": file }] }))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn admin_key_files_come_only_from_the_key_folder_and_are_never_echoed() {
    let dir = std::env::temp_dir().join(format!("mock-idp-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pem = include_str!("../../keys/rsa-0.pem");
    std::fs::write(dir.join("ok.pem"), pem).unwrap();
    std::fs::write(dir.join("notes.txt"), "root:x:0:0:secret notes\n").unwrap();
    let idp = MockIdp::builder().key_dir(&dir).start().await;
    for stray in [
        "/etc/passwd",
        "/proc/self/environ",
        "/dev/zero",
        "../../../../etc/passwd",
    ] {
        let started = Instant::now();
        let (status, body) = add_tenant_with_key(&idp, stray).await;
        assert_eq!(status, 400, "{stray}: {body}");
        assert!(body.contains("keys[0].file"), "names the field: {body}");
        assert!(
            !body.contains("root:") && !body.contains("PATH="),
            "{stray}: {body}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{stray} is not read"
        );
    }
    let (status, body) = add_tenant_with_key(&idp, "notes.txt").await;
    assert_eq!(status, 400);
    assert!(
        !body.contains("secret notes"),
        "a file's text is never echoed: {body}"
    );
    let (status, body) = add_tenant_with_key(&idp, "ok.pem").await;
    assert_eq!(status, 201, "{body}");

    let no_folder = MockIdp::start().await;
    let (status, body) = add_tenant_with_key(&no_folder, "/etc/passwd").await;
    assert_eq!(status, 400);
    assert!(body.contains("server.key_dir"), "{body}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn the_admin_api_refuses_a_foreign_host_and_cross_site_changes() {
    let idp = MockIdp::start().await;
    let tenants = format!("{}/_admin/tenants", idp.url());
    let res = http()
        .get(&tenants)
        .header("host", "attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 421);
    let rotate = format!("{}/_admin/tenants/default/keys/rotate", idp.url());
    let body = json!({ "alg": "ES256" });
    let res = http()
        .post(&rotate)
        .header("origin", "https://attacker.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = http()
        .post(&rotate)
        .header("sec-fetch-site", "cross-site")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = http().post(&rotate).json(&body).send().await.unwrap();
    assert!(
        res.status().is_success(),
        "a non-browser client on loopback passes"
    );
    let res = http()
        .get(format!("{}/healthz", idp.url()))
        .header("host", "attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the tenant side is not the admin API");
}

#[tokio::test]
async fn secrets_are_redacted_however_they_are_cased() {
    let idp = idp(Limits::default()).await;
    http()
        .post(format!("{}/token", idp.issuer()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "rp"),
            ("Client_Secret", "hunter2"),
            ("client_assertion", "eyJhbGciOiJub25lIn0.e30."),
        ])
        .send()
        .await
        .unwrap();
    let logged = idp.calls(Endpoint::Token);
    let params = &logged.last().expect("logged").params;
    assert_eq!(params["Client_Secret"], "***");
    assert_eq!(params["client_assertion"], "***");
    let page = http()
        .get(format!("{}/_admin", idp.url()))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(!html.contains("hunter2") && !html.contains("eyJhbGciOiJub25lIn0"));
}

fn assert_guarded(res: &reqwest::Response, what: &str) {
    let h = res.headers();
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
        "{what}: {csp}"
    );
}

#[tokio::test]
async fn the_login_debug_and_error_pages_carry_guard_headers() {
    let idp = idp(Limits::default()).await;
    let mut q = code_request("");
    q.retain(|(k, _)| *k != "login_hint");
    let login = authorize_raw(&idp, &q, None).await;
    assert!(
        login.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_guarded(&login, "login page");
    let debug = http()
        .get(format!("{}/_admin", idp.url()))
        .send()
        .await
        .unwrap();
    assert_guarded(&debug, "debug page");
    let error = authorize_raw(&idp, &[("client_id", "nobody".into())], None).await;
    assert_eq!(error.status(), 400);
    assert_guarded(&error, "error page");
}

#[tokio::test]
async fn faults_that_cannot_apply_are_refused_and_delays_are_capped() {
    let idp = MockIdp::builder()
        .client(Client::public("spa").redirect_uri(CALLBACK))
        .limits(Limits {
            max_injected_delay_ms: 300,
            ..Limits::default()
        })
        .start()
        .await;
    let spa = |fault: &str| {
        vec![
            ("client_id", "spa".to_owned()),
            ("redirect_uri", CALLBACK.into()),
            ("response_type", "code".into()),
            ("scope", "openid".into()),
            ("code_challenge", PKCE_CHALLENGE.into()),
            ("code_challenge_method", "S256".into()),
            ("login_hint", "alice".into()),
            ("mock_fault", fault.to_owned()),
        ]
    };
    let p = location_params(&authorize_raw(&idp, &spa("hs256"), None).await);
    assert_eq!(p["error"], "invalid_request");
    assert!(p["error_description"].contains("public"), "{p:?}");
    // A rule for every client skips the public one instead of failing its token request.
    let rule = idp.inject(FaultRule::new(Fault::Hs256));
    let p = location_params(&authorize_raw(&idp, &spa(""), None).await);
    let res = http()
        .post(format!("{}/token", idp.issuer()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "spa"),
            ("code", p["code"].as_str()),
            ("redirect_uri", CALLBACK),
            ("code_verifier", PKCE_VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let token: Value = res.json().await.unwrap();
    let (header, _) = crate::common::decode(token["id_token"].as_str().unwrap());
    assert_eq!(header["alg"], "RS256");
    assert_eq!(idp.default_tenant().faults()[0].id, rule, "unspent");
    idp.default_tenant().clear_faults();
    let p = location_params(&authorize_raw(&idp, &spa("delay,delay"), None).await);
    assert_eq!(p["error"], "invalid_request");
    assert!(p["error_description"].contains("more than once"), "{p:?}");

    idp.inject(FaultRule::new(Fault::Delay {
        millis: 2000,
        endpoint: Some(Endpoint::Discovery),
    }));
    idp.inject(FaultRule::new(Fault::Delay {
        millis: 2000,
        endpoint: None,
    }));
    let started = Instant::now();
    let doc: Value = reqwest::get(format!("{}/.well-known/openid-configuration", idp.issuer()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(doc["issuer"], idp.issuer().as_str());
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(1500),
        "{took:?}"
    );
}
