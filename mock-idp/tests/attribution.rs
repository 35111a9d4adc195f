//! Who a request is attributed to: the request log names the client of HTTP Basic token
//! requests and of userinfo calls, and a `login_hint` naming no user is refused where the
//! typo is made, naming it and the known users.

mod common;

use common::{CALLBACK, authorize, exchange, http};
use mock_idp::{Client, Endpoint, MockIdp};
use serde_json::Value;

async fn idp() -> MockIdp {
    MockIdp::builder()
        .client(Client::confidential("app", "secret").redirect_uri(CALLBACK))
        .client(Client::confidential("other", "secret").redirect_uri(CALLBACK))
        .client(
            Client::confidential("people", "secret")
                .redirect_uri(CALLBACK)
                .login_page_on_unknown_hint(),
        )
        .start()
        .await
}

fn query<'a>(client: &'a str, hint: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("client_id", client),
        ("redirect_uri", CALLBACK),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "s"),
        ("login_hint", hint),
    ]
}

#[tokio::test]
async fn basic_token_requests_and_userinfo_calls_are_logged_with_their_client() {
    let idp = idp().await;
    let http = http();
    let issuer = idp.issuer();
    let code = authorize(&http, &issuer, &query("app", "alice"))
        .await
        .params["code"]
        .clone();
    let tokens: Value = exchange(&http, &issuer, ("app", "secret"), &code, None)
        .await
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let res = http
        .get(format!("{issuer}/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // A wrong secret is still the request of the client the header names.
    let refused = exchange(&http, &issuer, ("other", "wrong"), "x", None).await;
    assert_eq!(refused.status(), 401);

    let clients = |e| {
        idp.calls(e)
            .into_iter()
            .map(|r| r.client_id)
            .collect::<Vec<_>>()
    };
    let app = Some("app".to_owned());
    assert_eq!(
        clients(Endpoint::Token),
        [app.clone(), Some("other".into())]
    );
    assert_eq!(clients(Endpoint::Userinfo), [app]);
    // No client to name: an unknown token.
    http.get(format!("{issuer}/userinfo"))
        .bearer_auth("forged")
        .send()
        .await
        .unwrap();
    assert_eq!(idp.calls(Endpoint::Userinfo)[1].client_id, None);
}

#[tokio::test]
async fn an_unknown_login_hint_is_refused_naming_it_and_the_known_users() {
    let idp = idp().await;
    let res = http()
        .get(format!("{}/authorize", idp.issuer()))
        .query(&query("app", "alcie"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none(), "not redirected");
    let page = res.text().await.unwrap();
    assert!(page.contains("alcie"), "{page}");
    assert!(page.contains("alice, bob, carol"), "{page}");

    let res = http()
        .get(format!("{}/authorize", idp.issuer()))
        .query(&query("people", "alcie"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "this client is configured for the login page"
    );
    assert!(!mock_idp::agent::forms(&res.text().await.unwrap()).is_empty());
}
