//! The relying party's admin pages in a real browser: a provider created from the mock IdP's
//! issuer, autoconfigured, given a user binding row and signed in through; a user edited
//! where the rules allow it and refused, with the rule, where they do not; the forms used
//! from the keyboard alone. With `SCREENSHOTS=1` each page is also saved as a PNG under
//! `docs/screenshots/` (`rp-*.png`). Without Chromium it skips, except under `CI=true`.

// The browser tests share these modules; this file uses part of each.
#[allow(dead_code)]
#[path = "browser/driver.rs"]
mod driver;
#[allow(dead_code)]
#[path = "browser/rig.rs"]
mod rig;

use std::time::{Duration, Instant};

use driver::Browser;
use fantoccini::Locator;
use fantoccini::elements::Element;
use fantoccini::key::Key;
use relying_party::settings::Flow;
use relying_party::users::{LegalEntity, NewInternalUser, UserType};
use rig::BrowserRig;

/// The provider the test creates through the pages, beside the rig's own "Acme".
const CREATED: &str = "Acme SSO";

const WAIT: Duration = Duration::from_secs(20);

/// Waits for the element with `id` on the page the browser is on or moving to.
async fn wait_for(browser: &Browser, id: &str) -> Element {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(e) = browser.client.find(Locator::Id(id)).await {
            return e;
        }
        if Instant::now() > deadline {
            let source = browser.client.source().await.unwrap_or_default();
            panic!(
                "expected #{id} on {} within {WAIT:?}\n{}",
                browser.url().await,
                source.chars().take(2000).collect::<String>()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn css(browser: &Browser, selector: &str) -> Element {
    match browser.client.find(Locator::Css(selector)).await {
        Ok(e) => e,
        Err(e) => panic!("expected {selector} on {}: {e}", browser.url().await),
    }
}

/// The notice a change left on the page it redirected to.
async fn notice(browser: &Browser) -> String {
    wait_for(browser, "notice")
        .await
        .text()
        .await
        .expect("the notice's text")
}

/// Marks the page the browser shows, so that [`wait_for_next_page`] can tell it from the
/// next one.
async fn mark_page(browser: &Browser) {
    browser
        .client
        .execute("window.__leaving = true", vec![])
        .await
        .expect("mark the page");
}

/// Waits until the browser shows a loaded page other than the one marked.
async fn wait_for_next_page(browser: &Browser) {
    let deadline = Instant::now() + WAIT;
    loop {
        let loaded = browser
            .client
            .execute(
                "return window.__leaving !== true && document.readyState === 'complete'",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if loaded {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "expected a new page within {WAIT:?}, still on {}",
            browser.url().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Clicks `element` and waits for the page it loads.
async fn click_and_load(browser: &Browser, element: Element) {
    mark_page(browser).await;
    element.click().await.expect("click");
    wait_for_next_page(browser).await;
}

/// Clicks the button with `id` and waits for the page it loads.
async fn press(browser: &Browser, id: &str) {
    let button = wait_for(browser, id).await;
    click_and_load(browser, button).await;
}

async fn type_into(browser: &Browser, id: &str, text: &str) {
    let input = wait_for(browser, id).await;
    input.clear().await.expect("clear");
    input.send_keys(text).await.expect("type");
}

/// Saves the whole page as `docs/screenshots/rp-{name}.png` when `SCREENSHOTS=1`.
async fn screenshot(browser: &Browser, name: &str) {
    if std::env::var("SCREENSHOTS").as_deref() != Ok("1") {
        return;
    }
    // Measured in a short window, so the page's own height decides, not the last window's.
    browser
        .client
        .set_window_size(1280, 600)
        .await
        .expect("window size");
    let height = browser
        .client
        .execute("return document.documentElement.scrollHeight", vec![])
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(900);
    browser
        .client
        .set_window_size(1280, (height as u32 + 160).clamp(600, 4000))
        .await
        .expect("window size");
    let png = browser.client.screenshot().await.expect("screenshot");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshots folder");
    std::fs::write(dir.join(format!("rp-{name}.png")), png).expect("screenshot written");
}

/// A directory where roles can be edited: a legal entity, two roles, a `staff` type that
/// allows them, and alice's account from before single sign-on (same email).
fn directory(rig: &BrowserRig) {
    let store = &rig.rp.rp.store;
    store
        .create_legal_entity(&LegalEntity {
            id: "de".into(),
            name: "Acme GmbH".into(),
        })
        .expect("legal entity");
    for role in ["viewer", "billing"] {
        store.create_role(role).expect("role");
    }
    store
        .create_user_type(&UserType {
            name: "staff".into(),
            default_roles: ["viewer".to_owned()].into(),
            allowed_roles: ["viewer".to_owned(), "billing".to_owned()].into(),
        })
        .expect("user type");
    store
        .create_internal_user(&NewInternalUser {
            username: "alice.before-sso".into(),
            user_type: "staff".into(),
            email: Some("alice@acme.test".into()),
            ..NewInternalUser::default()
        })
        .expect("internal user");
}

#[tokio::test]
async fn a_provider_created_from_its_issuer_binds_and_signs_in_and_users_are_edited_by_the_rules() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let rig = BrowserRig::new(Flow::AuthorizationCode, None).await;
    directory(&rig);
    let base = &rig.rp.url;

    // Create the provider from the mock IdP's issuer.
    browser.open(&format!("{base}/admin/providers")).await;
    type_into(&browser, "name", CREATED).await;
    type_into(&browser, "issuer", &rig.idp.issuer()).await;
    type_into(&browser, "client_id", "rp").await;
    type_into(&browser, "client_secret", "rp-secret").await;
    wait_for(&browser, "flow")
        .await
        .select_by_value("authorization_code")
        .await
        .expect("flow");
    screenshot(&browser, "providers").await;
    click_and_load(
        &browser,
        css(&browser, "#add-provider button[type=submit]").await,
    )
    .await;
    let shown = notice(&browser).await;
    assert!(shown.contains("created and autoconfigured"), "{shown}");

    // Autoconfigure again from the form, then add a binding row: bind by verified email.
    press(&browser, "autoconfigure").await;
    let shown = notice(&browser).await;
    assert!(shown.starts_with("Autoconfigured"), "{shown}");
    let endpoint = wait_for(&browser, "authorization_endpoint")
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert_eq!(endpoint, format!("{}/authorize", rig.idp.issuer()));
    // Google's authorized parties under another flavour: refused beside the field, and
    // what was chosen stays on the page.
    wait_for(&browser, "flavour")
        .await
        .select_by_value("keycloak")
        .await
        .expect("flavour");
    type_into(&browser, "google-authorized_parties", "android-app").await;
    press(&browser, "save").await;
    let error = wait_for(&browser, "google-authorized_parties-error")
        .await
        .text()
        .await
        .expect("text");
    assert!(
        error.contains("only for a provider of the flavour google"),
        "{error}"
    );
    wait_for(&browser, "flavour")
        .await
        .select_by_value("")
        .await
        .expect("no flavour");
    type_into(&browser, "google-authorized_parties", "").await;
    press(&browser, "binding-add").await;
    wait_for(&browser, "binding-0-claim_type").await;
    wait_for(&browser, "binding-enabled")
        .await
        .click()
        .await
        .expect("enable binding");
    type_into(&browser, "binding-0-claim_type", "email").await;
    type_into(&browser, "binding-0-scope", "email").await;
    // A bad operator first: the error appears beside the cell.
    browser
        .client
        .execute(
            "const o = document.createElement('option'); o.value = 'xor'; o.text = 'xor'; \
             document.getElementById('binding-0-operator').add(o); \
             document.getElementById('binding-0-operator').value = 'xor';",
            vec![],
        )
        .await
        .expect("a hand-made operator");
    press(&browser, "save").await;
    let error = wait_for(&browser, "binding-0-operator-error")
        .await
        .text()
        .await
        .expect("text");
    assert!(error.contains("found \"xor\""), "{error}");
    screenshot(&browser, "provider-form-error").await;
    wait_for(&browser, "binding-0-operator")
        .await
        .select_by_value("and")
        .await
        .expect("operator");
    wait_for(&browser, "binding-0-verified")
        .await
        .click()
        .await
        .expect("verified");
    press(&browser, "save").await;
    let shown = notice(&browser).await;
    assert_eq!(shown, "Settings saved.");
    screenshot(&browser, "provider-form").await;
    let stored = rig.rp.rp.provider(CREATED).expect("stored");
    assert!(stored.binding.enabled && stored.binding.rows[0].verified);

    // Sign in through it: alice's identity is bound to her account from before.
    browser
        .open(&format!("{base}/signin/Acme%20SSO?login_hint=alice"))
        .await;
    let me = browser.wait_for_signed_in().await;
    assert_eq!(me.provider, CREATED);
    assert_eq!(me.username, "alice.before-sso");

    // Edit her where allowed (roles) and where refused (her name belongs to the provider).
    browser.open(&format!("{base}/admin/users")).await;
    screenshot(&browser, "users").await;
    click_and_load(
        &browser,
        css(&browser, "#users a[href^='/admin/users/']").await,
    )
    .await;
    wait_for(&browser, "user-form").await;
    css(&browser, "input[name='roles.de'][value=billing]")
        .await
        .click()
        .await
        .expect("billing role");
    press(&browser, "save").await;
    let shown = notice(&browser).await;
    assert_eq!(shown, "User saved.");
    type_into(&browser, "first_name", "Alicia").await;
    press(&browser, "save").await;
    let refusal = wait_for(&browser, "first_name-error")
        .await
        .text()
        .await
        .expect("text");
    assert!(
        refusal.contains(
            "only roles are editable for external users whose roles are managed in the application"
        ),
        "{refusal}"
    );
    screenshot(&browser, "user-refused").await;
    let alice = rig
        .rp
        .rp
        .store
        .user_by_identity(CREATED, "alice-sub")
        .expect("store")
        .expect("alice");
    assert!(alice.roles["de"].contains("billing"));
    assert_eq!(alice.first_name, None);

    browser.open(&format!("{base}/admin/sign-ins")).await;
    let newest = wait_for(&browser, "sign-in-0")
        .await
        .text()
        .await
        .expect("row");
    assert!(
        newest.contains(CREATED) && newest.contains("Signed in"),
        "{newest}"
    );
    screenshot(&browser, "sign-ins").await;
    browser.quit().await;
}

#[tokio::test]
async fn the_add_form_is_used_from_the_keyboard_alone() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let rig = BrowserRig::new(Flow::AuthorizationCode, None).await;
    browser
        .open(&format!("{}/admin/providers", rig.rp.url))
        .await;
    let focused = || async {
        browser
            .client
            .execute(
                "return document.activeElement.id || document.activeElement.textContent",
                vec![],
            )
            .await
            .expect("focus")
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    // Tab from the top: the skip link, the navigation, then the providers and the form.
    let mut order = Vec::new();
    for _ in 0..12 {
        browser
            .client
            .active_element()
            .await
            .expect("focus")
            .send_keys(&char::from(Key::Tab).to_string())
            .await
            .expect("tab");
        order.push(focused().await);
    }
    let form_start = order
        .iter()
        .position(|f| f == "name")
        .expect("the name field in the tab order");
    assert_eq!(order[0], "Skip to content", "{order:?}");
    assert_eq!(
        &order[form_start..form_start + 5],
        ["name", "issuer", "client_id", "client_secret", "flow"],
        "{order:?}"
    );
    // Typing and Enter alone create the provider.
    for (field, text) in [
        ("name", "Keyboard"),
        ("issuer", rig.idp.issuer().as_str()),
        ("client_id", "rp"),
    ] {
        wait_for(&browser, field)
            .await
            .send_keys(text)
            .await
            .expect("type");
    }
    mark_page(&browser).await;
    wait_for(&browser, "client_secret")
        .await
        .send_keys(&format!("rp-secret{}", char::from(Key::Enter)))
        .await
        .expect("enter");
    wait_for_next_page(&browser).await;
    let shown = notice(&browser).await;
    assert!(shown.contains("created"), "{shown}");
    assert!(rig.rp.rp.provider("Keyboard").is_some());
    browser.quit().await;
}
