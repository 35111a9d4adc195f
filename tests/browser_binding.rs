//! Login CSRF (RFC 6749 §10.12, RFC 9700 §4.7): an authorization response counts only in the
//! browser that started the sign-in, in every flow and response mode, and a cross-site
//! `form_post` (which carries no `SameSite=Lax` cookie) still signs in through the re-post.

mod common;

use common::Rig;
use mock_idp::agent::{Form, Landing, UserAgent, forms};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};

const FLOWS: [&str; 5] = [
    "authorization_code",
    "implicit_form_post",
    "implicit_fragment",
    "hybrid_form_post",
    "hybrid_fragment",
];

/// A sign-in started by a plain client and let through the provider (alice is named, so no
/// login page): the binding cookie it got, and the authorization response to deliver.
struct Started {
    /// The whole `Set-Cookie` value.
    set_cookie: String,
    /// Its `name=value`, as a `Cookie` header sends it.
    binding: String,
    response: AuthorizationResponse,
}

enum AuthorizationResponse {
    /// Redirected to the callback, with a query or a fragment.
    Redirect(String),
    /// The provider's auto-posting form.
    FormPost(Landing, Form),
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn start_sign_in(rig: &Rig) -> Started {
    let http = client();
    let start = http
        .get(format!("{}/signin/Acme?login_hint=alice", rig.rp.url))
        .send()
        .await
        .expect("start");
    let set_cookie = start.headers()[SET_COOKIE]
        .to_str()
        .expect("cookie")
        .to_owned();
    let binding = set_cookie.split(';').next().expect("name=value").to_owned();
    let authorize = start.headers()[LOCATION]
        .to_str()
        .expect("location")
        .to_owned();
    let answer = http.get(&authorize).send().await.expect("authorize");
    let response = match answer.headers().get(LOCATION) {
        Some(to) => AuthorizationResponse::Redirect(to.to_str().expect("location").to_owned()),
        None => {
            let landing = Landing {
                url: authorize.parse().expect("url"),
                status: answer.status().as_u16(),
                body: answer.text().await.expect("page"),
            };
            let form = forms(&landing.body)
                .pop()
                .expect("the provider's form_post");
            AuthorizationResponse::FormPost(landing, form)
        }
    };
    Started {
        set_cookie,
        binding,
        response,
    }
}

/// Delivers the response in `browser`, as its user would by opening a link or a page.
async fn deliver(browser: &UserAgent, response: &AuthorizationResponse) -> Landing {
    match response {
        AuthorizationResponse::Redirect(to) => browser.navigate(to).await,
        AuthorizationResponse::FormPost(landing, form) => browser.submit(landing, form, &[]).await,
    }
    .expect("delivered")
}

/// Delivers the response with the binding cookie, as the browser that started it would.
async fn deliver_in_own_browser(rig: &Rig, started: &Started) -> reqwest::Response {
    let http = client();
    let request = match &started.response {
        AuthorizationResponse::Redirect(to) => match to.split_once('#') {
            Some((_, fragment)) => http
                .post(format!("{}/callback/fragment", rig.rp.url))
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(fragment.to_owned()),
            None => http.get(to),
        },
        AuthorizationResponse::FormPost(_, form) => http.post(&form.action).form(&form.fields),
    };
    request
        .header(COOKIE, &started.binding)
        .send()
        .await
        .expect("own delivery")
}

#[tokio::test]
async fn a_response_delivered_by_another_browser_is_refused_in_every_flow() {
    for flow in FLOWS {
        let rig = Rig::new().await;
        rig.configure(rig.settings(flow, None))
            .await
            .expect("configured");
        let started = start_sign_in(&rig).await;
        // The victim opens it: once in a fresh browser, once in one holding a binding cookie
        // of its own from a sign-in it started itself.
        let victim = UserAgent::new();
        assert!(
            rig.sign_in(&victim, "Acme", "").await.is_login_page(),
            "{flow}"
        );
        for browser in [UserAgent::new(), victim] {
            let landing = deliver(&browser, &started.response).await;
            assert_eq!(landing.status, 400, "{flow}: {}", landing.body);
            assert_eq!(
                landing.element_text("error-code").as_deref(),
                Some("signin.browser_mismatch"),
                "{flow}"
            );
            assert_eq!(
                landing.element_text("error-provider").as_deref(),
                Some("Acme")
            );
            assert_eq!(rig.me(&browser).await["error"], "not_signed_in", "{flow}");
        }
        assert!(rig.rp.rp.store.users().expect("users").is_empty(), "{flow}");
        let record = rig.rp.rp.sign_ins().pop().expect("a record");
        assert_eq!(record.code.as_deref(), Some("signin.browser_mismatch"));
        assert_eq!(record.provider.as_deref(), Some("Acme"), "{flow}");
        // The forged deliveries did not use the attempt up: its own browser still completes.
        let own = deliver_in_own_browser(&rig, &started).await;
        assert_eq!(own.status(), 303, "{flow}: {:?}", rig.last_refusal());
        assert_eq!(own.headers()[LOCATION], "/me", "{flow}");
        assert_eq!(rig.rp.rp.store.users().expect("users").len(), 1, "{flow}");
    }
}

/// What a browser does with a cross-site `form_post`: it leaves the `SameSite=Lax` binding
/// cookie out of the POST to `/callback`, then sends it with the same-site re-post.
#[tokio::test]
async fn a_cross_site_form_post_signs_in_through_the_same_site_re_post() {
    for flow in ["implicit_form_post", "hybrid_form_post"] {
        let rig = Rig::new().await;
        rig.configure(rig.settings(flow, None))
            .await
            .expect("configured");
        let started = start_sign_in(&rig).await;
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/callback", "Max-Age=600"] {
            assert!(
                started.set_cookie.contains(attribute),
                "{}",
                started.set_cookie
            );
        }
        assert!(!started.set_cookie.contains("Secure"), "http loopback");
        let AuthorizationResponse::FormPost(_, form_post) = &started.response else {
            panic!("{flow}: expected the provider's form_post page");
        };
        let http = client();
        let cross_site = http
            .post(&form_post.action)
            .form(&form_post.fields)
            .send()
            .await
            .expect("form_post");
        assert_eq!(cross_site.status(), 200, "{flow}");
        assert_eq!(cross_site.headers()["referrer-policy"], "no-referrer");
        assert!(
            cross_site.headers().get(SET_COOKIE).is_none(),
            "nothing signed in yet"
        );
        let page = cross_site.text().await.expect("re-post page");
        assert!(page.contains("document.forms[0].submit()"), "{page}");
        let repost = forms(&page).pop().expect("the re-post form");
        assert_eq!(repost.action, "/callback/resume");
        let resumed = http
            .post(format!("{}{}", rig.rp.url, repost.action))
            .header(COOKIE, &started.binding)
            .form(&repost.fields)
            .send()
            .await
            .expect("resume");
        assert_eq!(resumed.status(), 303, "{flow}: {:?}", rig.last_refusal());
        assert_eq!(resumed.headers()[LOCATION], "/me");
        assert!(
            resumed.headers()[SET_COOKIE]
                .to_str()
                .expect("session")
                .starts_with("rp_session=")
        );
    }
}
