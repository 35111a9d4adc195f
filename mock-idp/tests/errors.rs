//! Bad requests get the specification's error, in the right place, and never a 500: bad
//! redirect URIs (an error page, never a redirect), missing nonce, reused codes (which revoke
//! what they issued), PKCE mismatch, wrong secret, unknown client, unsupported response type,
//! prompt=none without a session; plus SSO, max_age, refresh and client credentials.

mod common;

use common::{CALLBACK, authorize, decode, exchange, http};
use mock_idp::{Client, MockIdp};
use serde_json::Value;

async fn idp() -> MockIdp {
    MockIdp::builder()
        .client(
            Client::confidential("app", "secret")
                .redirect_uri(CALLBACK)
                .post_logout_redirect_uri("http://127.0.0.1:9/bye"),
        )
        .client(Client::public("spa").redirect_uri(CALLBACK))
        .start()
        .await
}

fn q<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = vec![
        ("client_id", "app"),
        ("redirect_uri", CALLBACK),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "s"),
        ("login_hint", "alice"),
    ];
    for (k, val) in extra {
        v.retain(|(n, _)| n != k);
        v.push((k, val));
    }
    v
}

#[tokio::test]
async fn a_bad_redirect_uri_or_client_is_an_error_page_never_a_redirect() {
    let idp = idp().await;
    let http = http();
    for params in [
        q(&[("redirect_uri", "http://evil.example/cb")]),
        q(&[("client_id", "nobody")]),
        vec![
            ("client_id", "app"),
            ("response_type", "code"),
            ("scope", "openid"),
        ],
    ] {
        let res = http
            .get(format!("{}/authorize", idp.issuer()))
            .query(&params)
            .send()
            .await
            .expect("authorize");
        assert_eq!(res.status(), 400, "{params:?}");
        assert!(res.headers().get("location").is_none(), "{params:?}");
        let body = res.text().await.expect("body");
        assert!(body.contains("id=\"error\">invalid_request"), "{body}");
    }
}

#[tokio::test]
async fn request_errors_go_back_through_the_response_mode() {
    let idp = idp().await;
    let http = http();
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            q(&[("response_type", "id_token")]),
            "fragment",
            "invalid_request",
        ),
        (
            q(&[
                ("response_type", "id_token"),
                ("response_mode", "form_post"),
            ]),
            "form_post",
            "invalid_request",
        ),
        (
            q(&[("response_type", "token")]),
            "query",
            "unsupported_response_type",
        ),
        (q(&[("scope", "email")]), "query", "invalid_scope"),
        (
            q(&[
                ("response_type", "id_token token"),
                ("nonce", "n"),
                ("response_mode", "query"),
            ]),
            "fragment",
            "invalid_request",
        ),
        (
            q(&[("prompt", "none"), ("login_hint", "")]),
            "query",
            "login_required",
        ),
        (
            q(&[("code_challenge_method", "S512"), ("code_challenge", "x")]),
            "query",
            "invalid_request",
        ),
        (q(&[("max_age", "soon")]), "query", "invalid_request"),
        (q(&[("claims", "not json")]), "query", "invalid_request"),
        (q(&[("request", "eyJ")]), "query", "request_not_supported"),
        (q(&[("client_id", "spa")]), "query", "invalid_request"),
    ];
    for (params, mode, error) in cases {
        let r = authorize(&http, &idp.issuer(), &params).await;
        assert_eq!(r.mode, mode, "{params:?}");
        assert_eq!(
            r.params.get("error").map(String::as_str),
            Some(error),
            "{params:?}: {:?}",
            r.params
        );
        assert!(!r.params["error_description"].is_empty());
        assert_eq!(r.params.get("state").map(String::as_str), Some("s"));
        assert!(!r.params.contains_key("code"));
    }
}

#[tokio::test]
async fn a_reused_code_is_invalid_grant_and_revokes_its_tokens() {
    let idp = idp().await;
    let http = http();
    let issuer = idp.issuer();
    let code = authorize(&http, &issuer, &q(&[])).await.params["code"].clone();
    let first: Value = exchange(&http, &issuer, ("app", "secret"), &code, None)
        .await
        .json()
        .await
        .expect("json");
    let at = first["access_token"].as_str().expect("at");
    let ok = http
        .get(format!("{issuer}/userinfo"))
        .bearer_auth(at)
        .send()
        .await
        .expect("ui");
    assert_eq!(ok.status(), 200);
    let again = exchange(&http, &issuer, ("app", "secret"), &code, None).await;
    assert_eq!(again.status(), 400);
    assert_eq!(again.headers()["cache-control"], "no-store");
    let body: Value = again.json().await.expect("json");
    assert_eq!(body["error"], "invalid_grant");
    let revoked = http
        .get(format!("{issuer}/userinfo"))
        .bearer_auth(at)
        .send()
        .await
        .expect("ui");
    assert_eq!(revoked.status(), 401);
    assert!(
        revoked.headers()["www-authenticate"]
            .to_str()
            .expect("h")
            .contains("invalid_token")
    );
}

#[tokio::test]
async fn token_endpoint_errors_follow_rfc6749_section_5_2() {
    let idp = idp().await;
    let http = http();
    let issuer = idp.issuer();
    // PKCE mismatch.
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let code = authorize(
        &http,
        &issuer,
        &q(&[
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ]),
    )
    .await
    .params["code"]
        .clone();
    let res = exchange(
        &http,
        &issuer,
        ("app", "secret"),
        &code,
        Some("wrong-verifier-wrong-verifier-wrong-verifier"),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.expect("json")["error"],
        "invalid_grant"
    );
    // Wrong secret and unknown client: 401 with a Basic challenge, never cached.
    let code = authorize(&http, &issuer, &q(&[])).await.params["code"].clone();
    for (id, secret) in [("app", "nope"), ("ghost", "secret")] {
        let res = exchange(&http, &issuer, (id, secret), &code, None).await;
        assert_eq!(res.status(), 401, "{id}");
        assert!(
            res.headers()["www-authenticate"]
                .to_str()
                .expect("h")
                .starts_with("Basic")
        );
        assert_eq!(res.headers()["cache-control"], "no-store");
        assert_eq!(
            res.json::<Value>().await.expect("json")["error"],
            "invalid_client"
        );
    }
    // The code still works after failed attempts by others, but not with another redirect_uri.
    let res = http
        .post(format!("{issuer}/token"))
        .basic_auth("app", Some("secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "http://127.0.0.1:9/other"),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(
        res.json::<Value>().await.expect("json")["error"],
        "invalid_grant"
    );
    let res = http
        .post(format!("{issuer}/token"))
        .basic_auth("app", Some("secret"))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .expect("token");
    assert_eq!(
        res.json::<Value>().await.expect("json")["error"],
        "unsupported_grant_type"
    );
    let res = http
        .post(format!("{issuer}/token"))
        .basic_auth("app", Some("secret"))
        .body("grant_type=authorization_code")
        .send()
        .await
        .expect("token");
    assert_eq!(
        res.json::<Value>().await.expect("json")["error"],
        "invalid_request",
        "form content type required"
    );
}

#[tokio::test]
async fn sso_max_age_refresh_and_client_credentials() {
    let idp = idp().await;
    let issuer = idp.issuer();
    let agent = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    idp.clock().set(1_900_000_000);
    idp.clock().freeze();
    // First sign-in sets the provider session; prompt=none then succeeds without a hint.
    let first = authorize(&agent, &issuer, &q(&[("scope", "openid offline_access")])).await;
    let t: Value = exchange(
        &agent,
        &issuer,
        ("app", "secret"),
        &first.params["code"],
        None,
    )
    .await
    .json()
    .await
    .expect("json");
    let rt = t["refresh_token"]
        .as_str()
        .expect("offline_access gives a refresh token")
        .to_owned();
    idp.clock().advance(120);
    let silent = authorize(
        &agent,
        &issuer,
        &q(&[("prompt", "none"), ("login_hint", ""), ("max_age", "600")]),
    )
    .await;
    let t: Value = exchange(
        &agent,
        &issuer,
        ("app", "secret"),
        &silent.params["code"],
        None,
    )
    .await
    .json()
    .await
    .expect("json");
    let (_, c) = decode(t["id_token"].as_str().expect("id"));
    assert_eq!(
        c["auth_time"], 1_900_000_000,
        "the session's authentication time"
    );
    assert_eq!(c["iat"], 1_900_000_120);
    // max_age shorter than the session's age with prompt=none: login_required.
    let stale = authorize(
        &agent,
        &issuer,
        &q(&[("prompt", "none"), ("login_hint", ""), ("max_age", "60")]),
    )
    .await;
    assert_eq!(stale.params["error"], "login_required");
    // Refresh: same sub, new iat, no nonce.
    idp.clock().advance(60);
    let r: Value = agent
        .post(format!("{issuer}/token"))
        .basic_auth("app", Some("secret"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt.as_str()),
        ])
        .send()
        .await
        .expect("refresh")
        .json()
        .await
        .expect("json");
    let (_, c) = decode(r["id_token"].as_str().expect("id"));
    assert_eq!(c["sub"], "alice");
    assert_eq!(c["iat"], 1_900_000_180);
    assert!(c.get("nonce").is_none());
    let cc: Value = agent
        .post(format!("{issuer}/token"))
        .basic_auth("app", Some("secret"))
        .form(&[("grant_type", "client_credentials"), ("scope", "api")])
        .send()
        .await
        .expect("cc")
        .json()
        .await
        .expect("json");
    assert!(cc["access_token"].is_string());
    assert!(cc.get("id_token").is_none());
}

#[tokio::test]
async fn logout_redirects_only_to_registered_uris() {
    let idp = idp().await;
    let http = http();
    let bad = http
        .get(format!("{}/logout", idp.issuer()))
        .query(&[
            ("client_id", "app"),
            ("post_logout_redirect_uri", "http://evil.example/"),
        ])
        .send()
        .await
        .expect("logout");
    assert_eq!(bad.status(), 400);
    assert!(bad.headers().get("location").is_none());
    let good = http
        .get(format!("{}/logout", idp.issuer()))
        .query(&[
            ("client_id", "app"),
            ("post_logout_redirect_uri", "http://127.0.0.1:9/bye"),
            ("state", "z"),
        ])
        .send()
        .await
        .expect("logout");
    assert_eq!(good.status(), 302);
    assert_eq!(good.headers()["location"], "http://127.0.0.1:9/bye?state=z");
}

#[tokio::test]
async fn garbage_never_gets_a_500() {
    let idp = idp().await;
    let http = http();
    let issuer = idp.issuer();
    let junk = [
        "",
        "%",
        "%zz",
        "a=b&a=c",
        "client_id=app&redirect_uri=%00",
        "response_type=\u{1F600}",
        "client_id=app&redirect_uri=http://127.0.0.1:9/cb&response_type=code&scope=openid&claims=%7B",
        "client_id=app&client_id=app",
        "&&&&=",
        "max_age=-1",
    ];
    for j in junk {
        for path in ["authorize", "token", "userinfo", "logout", "login"] {
            let get = http
                .get(format!("{issuer}/{path}?{j}"))
                .send()
                .await
                .expect("get");
            assert!(
                get.status().as_u16() < 500,
                "GET {path}?{j}: {}",
                get.status()
            );
            let post = http
                .post(format!("{issuer}/{path}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(j.to_owned())
                .send()
                .await
                .expect("post");
            assert!(
                post.status().as_u16() < 500,
                "POST {path} {j}: {}",
                post.status()
            );
        }
    }
    let wrong_auth = http
        .post(format!("{issuer}/token"))
        .header("authorization", "Basic !!!")
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token");
    assert_eq!(wrong_auth.status(), 401);
}

#[tokio::test]
async fn a_wrong_method_or_an_unknown_endpoint_is_named() {
    let idp = idp().await;
    let http = http();
    let issuer = idp.issuer();
    for (method, path, allow) in [
        (reqwest::Method::GET, "token", "POST"),
        (reqwest::Method::DELETE, "authorize", "GET,HEAD,POST"),
        (
            reqwest::Method::POST,
            ".well-known/openid-configuration",
            "GET,HEAD",
        ),
    ] {
        let res = http
            .request(method.clone(), format!("{issuer}/{path}"))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 405, "{method} {path}");
        assert_eq!(res.headers()["allow"], allow, "{method} {path}");
        let body: Value = res.json().await.expect("JSON error");
        assert_eq!(body["error"], "invalid_request", "{method} {path}");
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| d.contains(&format!("not {method}"))),
            "{body}"
        );
    }
    let unknown = http
        .get(format!("{issuer}/tokens"))
        .send()
        .await
        .expect("get");
    assert_eq!(unknown.status(), 404);
    let body: Value = unknown.json().await.expect("JSON error");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("/tokens") && d.contains("/token,")),
        "{body}"
    );
    let head = http
        .head(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await
        .expect("head");
    assert_eq!(head.status(), 200);
    assert_eq!(head.bytes().await.expect("body").len(), 0);
}
