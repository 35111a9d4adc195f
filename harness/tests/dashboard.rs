//! The mock IdP dashboard in headless Chromium: a fault injected from the page (group,
//! fault, client scope, times) makes the relying party refuse the next sign-in, the page's
//! tables refresh on their own, and removing the rule there lets the sign-in through again.
//! With `SCREENSHOTS=1`, also writes the screenshots in `docs/screenshots/`. Without
//! Chromium it skips, except under `CI=true` (see `docs/browser-tests.md`).

// Shared with the other browser tests; this one uses part of them.
#[allow(dead_code)]
#[path = "browser/driver.rs"]
mod driver;
#[path = "check/files.rs"]
mod files;
#[path = "check/lax.rs"]
#[allow(
    dead_code,
    reason = "the lax application is shared by several test crates, each reading part of it"
)]
mod lax;
#[allow(dead_code)]
#[path = "browser/rig.rs"]
mod rig;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use driver::Browser;
use fantoccini::Locator;
use harness::check::{self, CheckConfig, Selection};
use harness::scenario::{Options, execute};
use harness::shard::Shard;
use relying_party::settings::Flow;
use rig::BrowserRig;

const WAIT: Duration = Duration::from_secs(20);

/// Waits until `probe` finds what it looks for on the current page.
async fn until<T, F, Fut>(browser: &Browser, what: &str, probe: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        if Instant::now() > deadline {
            let source = browser.client.source().await.unwrap_or_default();
            panic!(
                "expected {what} within {WAIT:?} on {}\n{}",
                browser.url().await,
                source.chars().take(2000).collect::<String>()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The text of `#id` once it contains `needle`.
async fn text_with(browser: &Browser, id: &str, needle: &str) -> String {
    until(browser, &format!("#{id} containing {needle:?}"), || async {
        let text = browser
            .client
            .find(Locator::Id(id))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        text.contains(needle).then_some(text)
    })
    .await
}

/// Opens the dashboard of `acme` and waits for the script's first refresh.
async fn open_dashboard(browser: &Browser, rig: &BrowserRig) {
    browser
        .open(&format!("{}/_admin?tenant=acme", rig.idp.url()))
        .await;
    until(browser, "the script's first refresh", || async {
        let body = browser.client.find(Locator::Css("body")).await.ok()?;
        body.attr("data-refreshed").await.ok().flatten()
    })
    .await;
}

async fn select(browser: &Browser, id: &str, value: &str) {
    browser
        .client
        .find(Locator::Css(&format!("#{id} option[value=\"{value}\"]")))
        .await
        .unwrap_or_else(|e| panic!("expected option {value} in #{id}: {e}"))
        .click()
        .await
        .expect("pick the option");
}

async fn click(browser: &Browser, css: &str) {
    browser
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("expected {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

/// The relying party's refusal code after a sign-in of `user`.
async fn refused_sign_in(browser: &Browser, rig: &BrowserRig, user: &str) -> String {
    browser.open(&rig.sign_in_url(Some(user))).await;
    until(browser, "the relying party's refusal", || async {
        let code = browser.client.find(Locator::Id("error-code")).await.ok()?;
        code.text().await.ok()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_injected_from_the_dashboard_makes_the_relying_party_refuse() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let rig = BrowserRig::new(Flow::AuthorizationCode, None).await;
    open_dashboard(&browser, &rig).await;

    select(&browser, "fault-group", "id_token_claims").await;
    select(&browser, "fault-name", "aud_changed").await;
    click(&browser, "input[name=scope][value=client]").await;
    select(&browser, "fault-client", "rp").await;
    browser
        .element("fault-times")
        .await
        .send_keys("1")
        .await
        .expect("times");
    click(&browser, "#inject button[type=submit]").await;
    let said = text_with(&browser, "status", "injects aud_changed").await;
    let rules = rig.idp.tenant("acme").expect("tenant").faults();
    assert_eq!(rules.len(), 1, "{said}");
    assert_eq!(rules[0].client_id.as_ref().map(|c| c.as_str()), Some("rp"));
    assert_eq!(rules[0].times, Some(1));
    // The table refreshed from the JSON API without a reload.
    text_with(&browser, "faults-rows", "aud_changed").await;

    assert_eq!(
        refused_sign_in(&browser, &rig, "alice").await,
        "id_token.wrong_audience"
    );

    // The log shows the refused journey and the decoded, faulty ID token; a rule added
    // behind the page's back shows up in its table without a reload.
    open_dashboard(&browser, &rig).await;
    text_with(&browser, "requests-rows", "/acme/token").await;
    text_with(&browser, "tokens-rows", "\"aud\": \"rp1\"").await;
    rig.idp
        .tenant("acme")
        .expect("tenant")
        .inject(mock_idp::FaultRule::new(mock_idp::Fault::AudChanged).for_client("rp"));
    text_with(&browser, "faults-rows", "every response").await;
    assert_eq!(
        refused_sign_in(&browser, &rig, "bob").await,
        "id_token.wrong_audience"
    );
    open_dashboard(&browser, &rig).await;
    click(&browser, "#clear-faults").await;
    text_with(&browser, "status", "Every rule removed.").await;
    text_with(&browser, "faults-rows", "No active rules.").await;
    browser.open(&rig.sign_in_url(Some("bob"))).await;
    let me = browser.wait_for_signed_in().await;
    assert_eq!(me.username, "bob");
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_keys_the_clock_and_the_log_filter_work_from_the_page() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let rig = BrowserRig::new(Flow::AuthorizationCode, None).await;
    browser.open(&rig.sign_in_url(Some("alice"))).await;
    browser.wait_for_signed_in().await;
    open_dashboard(&browser, &rig).await;

    // Claims: the box is edited, `given_name` taken out and `locale` added, then saved.
    let box_ = browser.element("claims-alice").await;
    box_.clear().await.expect("clear the claims");
    box_.send_keys(r#"{"email": "alice@acme.test", "email_verified": true, "preferred_username": "alice", "locale": "de-DE"}"#)
        .await
        .expect("type the claims");
    click(&browser, "form.claims[data-user=alice] button[type=submit]").await;
    text_with(&browser, "status", "Claims of alice saved.").await;
    let alice = rig
        .idp
        .tenant("acme")
        .expect("tenant")
        .user("alice")
        .expect("alice");
    assert_eq!(alice.claims["locale"], "de-DE");
    assert!(
        alice.claims.get("given_name").is_none(),
        "{:?}",
        alice.claims
    );
    // Claims that are not JSON are refused with the reason, and nothing changes.
    box_.clear().await.expect("clear the claims");
    box_.send_keys("{not json").await.expect("type");
    click(&browser, "form.claims[data-user=alice] button[type=submit]").await;
    text_with(&browser, "status", "the claims are not JSON").await;

    // Keys: an ES256 rotation shows the new key in the table.
    select(&browser, "rotate-alg", "ES256").await;
    click(&browser, "#rotate button[type=submit]").await;
    let said = text_with(&browser, "status", "New ES256 key").await;
    let kid = said
        .trim_end_matches('.')
        .rsplit(' ')
        .next()
        .expect("the new kid")
        .to_owned();
    text_with(&browser, "keys-rows", &kid).await;

    // Clock: freeze, advance an hour, reset.
    click(&browser, "#clock button[data-action=freeze]").await;
    text_with(&browser, "clock-frozen", "yes").await;
    let seconds = browser.element("clock-seconds").await;
    seconds.clear().await.expect("clear");
    seconds.send_keys("3600").await.expect("seconds");
    let frozen_at = rig.idp.clock().status().now;
    let shown = browser.text("clock-now").await;
    click(&browser, "#clock button[data-action=advance]").await;
    until(&browser, "the clock an hour ahead", || async {
        let c = rig.idp.clock().status();
        (c.frozen && c.now == frozen_at + 3600).then_some(())
    })
    .await;
    until(&browser, "the page showing the new time", || async {
        (browser.text("clock-now").await != shown).then_some(())
    })
    .await;
    click(&browser, "#clock button[data-action=reset]").await;
    text_with(&browser, "clock-frozen", "no").await;

    // The log: only the token request once filtered by endpoint.
    select(&browser, "log-endpoint", "token").await;
    click(&browser, "#log-filter button[type=submit]").await;
    let rows = until(&browser, "only token requests", || async {
        let text = browser.text("requests-rows").await;
        (!text.contains("/acme/authorize") && text.contains("/acme/token")).then_some(text)
    })
    .await;
    assert_eq!(rows.matches("/acme/token").count(), 1, "{rows}");
    browser
        .element("log-status")
        .await
        .send_keys("5xx")
        .await
        .expect("status");
    click(&browser, "#log-filter button[type=submit]").await;
    text_with(&browser, "requests-rows", "No requests.").await;
    browser.quit().await;
}

fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots")
}

async fn shoot(browser: &Browser, name: &str, height: u32) {
    browser
        .client
        .set_window_size(1280, height)
        .await
        .expect("window size");
    let png = browser.client.screenshot().await.expect("screenshot");
    std::fs::write(screenshots().join(name), png).expect("writing the screenshot");
}

/// `SCREENSHOTS=1`: the dashboard after a sign-in and a fault, the check matrix of a lax
/// application, and the summary of the fixture scenario run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_the_dashboard_and_the_reports() {
    if std::env::var("SCREENSHOTS").as_deref() != Ok("1") {
        return;
    }
    let Some(browser) = Browser::launch().await else {
        return;
    };
    std::fs::create_dir_all(screenshots()).expect("folder");
    let rig = BrowserRig::new(Flow::AuthorizationCode, None).await;
    browser.open(&rig.sign_in_url(Some("alice"))).await;
    browser.wait_for_signed_in().await;
    rig.idp.tenant("acme").expect("tenant").inject(
        mock_idp::FaultRule::new(mock_idp::Fault::AudChanged)
            .for_client("rp")
            .times(3),
    );
    open_dashboard(&browser, &rig).await;
    shoot(&browser, "idp-dashboard.png", 3400).await;

    let dir = files::scratch("screenshots");
    let idp_port = lax::free_port().await;
    let app = lax::start_lax_app(idp_port, None).await.url;
    let config = files::write(&dir, "lax.toml", &lax::lax_config(idp_port, &app));
    let loaded = CheckConfig::load(&config).expect("config");
    let sel = Selection {
        only: [
            "iss_changed",
            "aud_changed",
            "kid_absent",
            "state_changed",
            "at_hash_wrong",
        ]
        .map(String::from)
        .to_vec(),
        flows: Vec::new(),
        ..Selection::default()
    };
    let report = check::execute(&loaded, &sel).await.expect("check run");
    let matrix = dir.join("check.html");
    std::fs::write(&matrix, check::html::page(&report)).expect("matrix");
    browser.open(&format!("file://{}", matrix.display())).await;
    click(&browser, "td.fail summary").await;
    shoot(&browser, "idp-check-report.png", 900).await;

    let summary = dir.join("run.html");
    let options = Options {
        paths: vec![
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reports.feature"),
        ],
        tags: None,
        junit: None,
        json: None,
        html: Some(summary.clone()),
        shard: Shard::WHOLE,
        concurrency: 2,
        color: false,
    };
    execute(&options, std::io::sink()).await.expect("run");
    browser.open(&format!("file://{}", summary.display())).await;
    shoot(&browser, "idp-run-report.png", 1100).await;
    browser.quit().await;
    std::fs::remove_dir_all(dir).ok();
}
