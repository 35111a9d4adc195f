//! What a client can make the server keep: sessions, pending logins, grants, the request
//! log — each bounded — and the `sid` and code-replay rules that keep sessions and codes
//! from being reused.

use mock_idp::{Endpoint, Limits, MockIdp};
use serde_json::Value;

use crate::common::{decode, exchange, http};
use crate::{SECRET, authorize_raw, code_request, idp, location_params};

/// Signs `user` in without a page and returns the session cookie (`name=value`).
async fn sign_in(idp: &MockIdp, user: &str) -> String {
    let res = authorize_raw(idp, &code_request(user), None).await;
    assert_eq!(res.status(), 302);
    let set = res.headers()["set-cookie"].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

/// Whether a `prompt=none` request with `cookie` is answered from a session.
async fn session_alive(idp: &MockIdp, cookie: &str) -> bool {
    let mut q = code_request("");
    q.retain(|(k, _)| *k != "login_hint");
    q.push(("prompt", "none".into()));
    let res = authorize_raw(idp, &q, Some(cookie)).await;
    let p = location_params(&res);
    match (p.get("code"), p.get("error")) {
        (Some(_), None) => true,
        (None, Some(e)) if e == "login_required" => false,
        other => panic!("unexpected answer {other:?}"),
    }
}

#[tokio::test]
async fn sessions_end_when_idle_and_the_oldest_goes_past_the_cap() {
    let idp = idp(Limits {
        max_sessions: 2,
        session_idle_secs: 60,
        ..Limits::default()
    })
    .await;
    let first = sign_in(&idp, "alice").await;
    let second = sign_in(&idp, "bob").await;
    assert!(session_alive(&idp, &first).await);
    let third = sign_in(&idp, "carol").await;
    assert!(!session_alive(&idp, &first).await, "the oldest was evicted");
    assert!(session_alive(&idp, &second).await && session_alive(&idp, &third).await);

    idp.clock().advance(45);
    assert!(session_alive(&idp, &third).await, "use keeps it alive");
    idp.clock().advance(45);
    assert!(session_alive(&idp, &third).await, "45 s after its last use");
    assert!(!session_alive(&idp, &second).await, "90 s idle ends it");
}

#[tokio::test]
async fn the_id_token_sid_is_not_the_session_cookie() {
    let idp = idp(Limits::default()).await;
    let res = authorize_raw(&idp, &code_request("alice"), None).await;
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    let cookie_value = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
    let code = location_params(&res)["code"].clone();
    let token: Value = exchange(&http(), &idp.issuer(), ("rp", SECRET), &code, None)
        .await
        .json()
        .await
        .unwrap();
    let (_, claims) = decode(token["id_token"].as_str().unwrap());
    let sid = claims["sid"].as_str().expect("sid");
    assert_ne!(sid, cookie_value);
    let forged = format!("mock_idp_session={sid}");
    assert!(!session_alive(&idp, &forged).await, "a sid is no cookie");
}

#[tokio::test]
async fn a_code_replayed_concurrently_revokes_what_it_issued() {
    let idp = idp(Limits::default()).await;
    let issuer = idp.issuer();
    for trial in 0..25 {
        let res = authorize_raw(&idp, &code_request("alice"), None).await;
        let code = location_params(&res)["code"].clone();
        let attempts = (0..4).map(|_| {
            let (issuer, code) = (issuer.clone(), code.clone());
            tokio::spawn(async move {
                let res = exchange(&http(), &issuer, ("rp", SECRET), &code, None).await;
                (res.status().as_u16(), res.json::<Value>().await.unwrap())
            })
        });
        let mut granted = Vec::new();
        for a in attempts {
            let (status, body) = a.await.unwrap();
            match status {
                200 => granted.push(body["access_token"].as_str().unwrap().to_owned()),
                400 => assert_eq!(body["error"], "invalid_grant", "{body}"),
                other => panic!("trial {trial}: status {other}: {body}"),
            }
        }
        assert!(granted.len() <= 1, "trial {trial}: one redemption at most");
        for token in granted {
            let res = http()
                .get(format!("{issuer}/userinfo"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 401, "trial {trial}: replays revoke the token");
        }
    }
}

#[tokio::test]
async fn pending_logins_and_authorization_parameters_are_bounded() {
    let idp = idp(Limits {
        max_pending_logins: 2,
        max_param_bytes: 100,
        ..Limits::default()
    })
    .await;
    let page = |q: Vec<(&'static str, String)>| {
        let idp = &idp;
        async move {
            let mut q = q;
            q.retain(|(k, _)| *k != "login_hint");
            let body = authorize_raw(idp, &q, None).await.text().await.unwrap();
            let form = mock_idp::agent::forms(&body)
                .into_iter()
                .next()
                .expect("login form");
            form.fields.into_iter().find(|(k, _)| k == "txn").unwrap().1
        }
    };
    let first = page(code_request("")).await;
    page(code_request("")).await;
    page(code_request("")).await;
    let res = http()
        .post(format!("{}/login", idp.issuer()))
        .form(&[("txn", first.as_str()), ("username", "alice")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "the oldest pending login was evicted");

    let mut q = code_request("alice");
    q.retain(|(k, _)| *k != "state");
    q.push(("state", "x".repeat(101)));
    let res = authorize_raw(&idp, &q, None).await;
    let p = location_params(&res);
    assert_eq!(p["error"], "invalid_request");
    assert!(
        p["error_description"].contains("state is 101 bytes"),
        "{p:?}"
    );
    assert!(!p.contains_key("state"), "a long state is not echoed back");

    let res = http()
        .post(format!("{}/login", idp.issuer()))
        .form(&[
            ("txn", page(code_request("")).await.as_str()),
            ("username", "alice"),
            ("claims", &format!("{{\"a\":\"{}\"}}", "x".repeat(9000))),
        ])
        .send()
        .await
        .unwrap();
    let body = res.text().await.unwrap();
    assert!(
        body.contains("at most 8192"),
        "an oversized claims edit is refused on the page"
    );
}

#[tokio::test]
async fn the_request_log_keeps_its_last_entries_cut_to_size() {
    let idp = idp(Limits {
        request_log_entries: 3,
        log_value_bytes: 32,
        ..Limits::default()
    })
    .await;
    let big = "y".repeat(5000);
    for _ in 0..5 {
        http()
            .get(format!("{}/jwks", idp.issuer()))
            .query(&[("junk", big.as_str())])
            .send()
            .await
            .unwrap();
    }
    let logged = idp.requests();
    assert_eq!(logged.len(), 3);
    assert_eq!(idp.calls(Endpoint::Jwks).len(), 3);
    assert!(
        logged
            .iter()
            .all(|r| r.params["junk"].ends_with("… (5000 bytes)"))
    );
}
