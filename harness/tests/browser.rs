//! A real browser: headless Chromium, driven over WebDriver, signs in to the relying party
//! through the mock IdP. It proves in a browser what the mock IdP's headless user agent can
//! only imitate: the login page's form and script, the relying party's fragment relay script,
//! and the provider's auto-submitting form_post page. Without Chromium it skips, except under
//! `CI=true`, where it fails (see `docs/browser-tests.md`).

#[path = "browser/driver.rs"]
mod driver;
#[path = "browser/rig.rs"]
mod rig;

use driver::{Browser, SignedIn};
use fantoccini::Locator;
use mock_idp::Endpoint;
use relying_party::settings::Flow;
use rig::{BrowserRig, PROVIDER};
use serde_json::Value;

fn assert_signed_in_as(me: &SignedIn, username: &str) {
    assert_eq!(me.url.path(), "/me");
    assert_eq!(me.provider, PROVIDER);
    assert_eq!(me.username, username);
    assert_eq!(me.external_id, format!("{username}-sub"));
    assert_eq!(me.user["email"], format!("{username}@acme.test"));
}

/// The claims the login page's script put in the claims box for the picked user.
async fn claims_box(browser: &Browser) -> (fantoccini::elements::Element, Value) {
    let area = browser.element("claims").await;
    let text = area
        .prop("value")
        .await
        .expect("claims box value")
        .unwrap_or_default();
    let claims = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("expected the user's claims as JSON, found {text:?} ({e})"));
    (area, claims)
}

async fn pick_user(browser: &Browser, username: &str) {
    browser
        .client
        .find(Locator::Css(&format!(
            "input[name=username][value={username}]"
        )))
        .await
        .unwrap_or_else(|e| panic!("expected {username} on the login page: {e}"))
        .click()
        .await
        .expect("pick the user");
}

/// Asserts the provider showed its login page (no hint, no automatic login) and that the
/// browser posted the form for `username`.
fn assert_login_page_used(rig: &BrowserRig, username: &str) {
    let authorize = rig.requests_to(Endpoint::Authorize);
    assert_eq!(authorize.len(), 1);
    assert_eq!(authorize[0].params.get("login_hint"), None);
    let logins = rig.requests_to(Endpoint::Login);
    assert_eq!(logins.len(), 1, "one login form submission");
    assert_eq!(logins[0].method, "POST");
    assert_eq!(
        logins[0].params.get("username").map(String::as_str),
        Some(username)
    );
}

#[tokio::test]
async fn login_page_lists_the_users_and_signs_in_the_one_picked() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let rig = BrowserRig::new(Flow::AuthorizationCode, None).await;
    browser.open(&rig.sign_in_url(None)).await;

    let mut listed = Vec::new();
    let radios = browser
        .client
        .find_all(Locator::Css("input[name=username]"))
        .await
        .expect("user choices");
    for radio in radios {
        listed.push(
            radio
                .attr("value")
                .await
                .expect("value")
                .unwrap_or_default(),
        );
    }
    listed.sort();
    assert_eq!(
        listed,
        ["alice", "bob"],
        "the login page lists the tenant's users"
    );

    pick_user(&browser, "bob").await;
    let (_, claims) = claims_box(&browser).await;
    assert_eq!(
        claims["email"], "bob@acme.test",
        "picking a user shows that user's claims"
    );
    browser
        .element("sign-in")
        .await
        .click()
        .await
        .expect("submit");

    let me = browser.wait_for_signed_in().await;
    assert_signed_in_as(&me, "bob");
    assert_eq!(me.user["first_name"], "Bob");
    assert_login_page_used(&rig, "bob");
    browser.quit().await;
}

#[tokio::test]
async fn claims_edited_on_the_login_page_reach_the_relying_party() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let rig = BrowserRig::new(Flow::AuthorizationCode, None).await;
    browser.open(&rig.sign_in_url(None)).await;

    pick_user(&browser, "alice").await;
    let (area, mut claims) = claims_box(&browser).await;
    assert_eq!(claims["given_name"], "Alice");
    claims["given_name"] = "Alicia".into();
    area.clear().await.expect("clear the claims box");
    area.send_keys(&claims.to_string())
        .await
        .expect("type the claims");
    browser
        .element("sign-in")
        .await
        .click()
        .await
        .expect("submit");

    let me = browser.wait_for_signed_in().await;
    assert_signed_in_as(&me, "alice");
    assert_eq!(
        me.user["first_name"], "Alicia",
        "the /me page shows the edit"
    );
    assert_login_page_used(&rig, "alice");

    // The same session, read as JSON by the browser (Chromium shows it as page text).
    browser.open(&format!("{}/api/me", rig.rp.url)).await;
    let body = browser
        .client
        .find(Locator::Css("body"))
        .await
        .expect("body")
        .text()
        .await
        .expect("body text");
    let api: Value = serde_json::from_str(&body).expect("/api/me is JSON");
    assert_eq!(api["user"]["first_name"], "Alicia");
    assert_eq!(api["external_id"], "alice-sub");
    browser.quit().await;
}

/// Signs in as alice with a hint through each of `cells`, one fresh rig each, in one browser.
async fn sign_in_through(browser: &Browser, cells: &[(Flow, &str)]) {
    for &(flow, response_type) in cells {
        let rig = BrowserRig::new(flow, Some(response_type)).await;
        browser.open(&rig.sign_in_url(Some("alice"))).await;
        let me = browser.wait_for_signed_in().await;
        assert_signed_in_as(&me, "alice");

        let authorize = rig.requests_to(Endpoint::Authorize);
        assert_eq!(authorize.len(), 1, "{flow:?}");
        let params = &authorize[0].params;
        assert_eq!(
            params.get("response_mode").map(String::as_str),
            Some(flow.response_mode()),
            "{flow:?}"
        );
        assert_eq!(
            params.get("response_type").map(String::as_str),
            Some(response_type)
        );
        assert_eq!(
            rig.requests_to(Endpoint::Token).len(),
            usize::from(flow.needs_token_endpoint()),
            "{flow:?} {response_type}: the code is redeemed only in the hybrid flow"
        );
        // The next rig listens on other ports of the same host: start it without cookies.
        browser
            .client
            .delete_all_cookies()
            .await
            .expect("delete cookies");
    }
}

/// The implicit response carries the ID token only in the fragment, which the server never
/// sees: landing on `/me` means the callback page's script read it and posted it.
#[tokio::test]
async fn fragment_responses_are_posted_by_the_callback_page_script() {
    sign_in_through_a_fresh_browser(&[
        (Flow::ImplicitFragment, "id_token token"),
        (Flow::HybridFragment, "code id_token"),
    ])
    .await;
}

/// The provider answers with a page whose form submits itself on load.
#[tokio::test]
async fn form_post_responses_are_submitted_by_the_auto_submitting_form() {
    sign_in_through_a_fresh_browser(&[
        (Flow::ImplicitFormPost, "id_token"),
        (Flow::HybridFormPost, "code id_token token"),
    ])
    .await;
}

/// [`sign_in_through`] in a browser of its own (skipped where Chromium is missing, outside
/// CI).
async fn sign_in_through_a_fresh_browser(cells: &[(Flow, &str)]) {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    sign_in_through(&browser, cells).await;
    browser.quit().await;
}

/// The relying party at `localhost`, the provider at `127.0.0.1`: two sites to Chromium, so
/// the provider's form_post is a cross-site POST without the `SameSite=Lax` cookie that binds
/// the sign-in to this browser, and the relying party's same-site re-post must bring it; the
/// fragment relay posts from the relying party's own page. Both still sign in.
#[tokio::test]
async fn form_post_and_fragment_sign_ins_succeed_from_a_provider_on_another_site() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    for (flow, response_type) in [
        (Flow::HybridFormPost, "code id_token"),
        (Flow::ImplicitFragment, "id_token token"),
    ] {
        let rig = BrowserRig::cross_site(flow, Some(response_type)).await;
        browser.open(&rig.sign_in_url(Some("alice"))).await;
        let me = browser.wait_for_signed_in().await;
        assert_signed_in_as(&me, "alice");
        assert_eq!(me.url.host_str(), Some("localhost"), "{flow:?}");
    }
    browser.quit().await;
}
