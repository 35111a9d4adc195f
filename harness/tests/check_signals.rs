//! How `harness check` reads what an application did, against applications nobody tuned for
//! it: a `status` signal alone is warned about, the `json` signal never starts a second
//! sign-in, a refresh is judged without the sign-in's landing URL, each cell carries its
//! slice of the application's log, a failed baseline says how many cells it hides, a
//! replay is judged by whether it signed in anew, and a cell whose artefact the response
//! type does not carry is skipped.

#[path = "check/files.rs"]
mod files;
#[path = "check/lax.rs"]
mod lax;

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use files::{scratch, write};
use harness::check::{self, BrowserChoice, CheckConfig, Observed, Selection, Status};
use lax::{LaxApp, free_port, lax_config, start_lax_app};
use mock_idp::catalog::FlowKind;

/// One run of the lax application's configuration, changed by `edit` (given the text and
/// the application's URL), over `only` in the code flow (or in `flows`).
struct LaxRun {
    app: LaxApp,
    report: check::Report,
    dir: PathBuf,
}

impl LaxRun {
    async fn start(
        name: &str,
        only: &[&str],
        log: Option<&str>,
        edit: impl FnOnce(String, &str) -> String,
    ) -> Self {
        Self::start_in(name, &[FlowKind::AuthorizationCode], only, log, edit).await
    }

    async fn start_in(
        name: &str,
        flows: &[FlowKind],
        only: &[&str],
        log: Option<&str>,
        edit: impl FnOnce(String, &str) -> String,
    ) -> Self {
        let idp_port = free_port().await;
        let dir = scratch(name);
        let app = start_lax_app(idp_port, log.map(|l| dir.join(l))).await;
        let text = edit(lax_config(idp_port, &app.url), &app.url);
        let loaded = CheckConfig::load(&write(&dir, "lax.toml", &text)).expect("config");
        let sel = Selection {
            only: only.iter().map(|n| (*n).to_owned()).collect(),
            flows: flows.to_vec(),
            // The lax application's pages need no script; a failed baseline must stay
            // failed rather than be tried again in Chromium.
            browser: BrowserChoice::Headless,
            ..Selection::default()
        };
        let report = check::execute(&loaded, &sel).await.expect("run");
        Self { app, report, dir }
    }

    fn cell(&self, name: &str) -> &check::Cell {
        let cells = &self.report.cells;
        cells
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name} in {cells:#?}"))
    }
}

impl Drop for LaxRun {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// The cell failed, for a reason that says `why`.
#[track_caller]
fn failed_because(cell: &check::Cell, why: &str) {
    assert_eq!(cell.status, Status::Fail, "{cell:#?}");
    assert!(
        cell.reason.as_deref().is_some_and(|r| r.contains(why)),
        "expected a reason with {why:?}: {cell:#?}"
    );
}

const LAX_SUCCESS: &str = "success = { url = \"/me\", cookie = \"lax_session\" }";

#[tokio::test]
async fn a_status_signal_alone_is_warned_about() {
    let run = LaxRun::start("signals-status", &["iss_changed"], None, |text, _| {
        text.replace(LAX_SUCCESS, "success = { status = 200 }")
    })
    .await;
    assert_eq!(run.report.warnings.len(), 3, "one per flow");
    let table = run.report.table();
    assert!(
        table.contains("warning: flow authorization_code: success has only `status`"),
        "{table}"
    );
}

#[tokio::test]
async fn the_json_signal_never_follows_into_a_second_sign_in() {
    let run = LaxRun::start("signals-json", &["iss_changed"], None, |text, app| {
        let json = format!(
            "success = {{ url = \"/me\", json = {{ url = \"{app}/protected\", pointer = \"/user\" }} }}"
        );
        text.replace(LAX_SUCCESS, &json)
    })
    .await;
    let baseline = run.cell("baseline::authorization_code");
    failed_because(baseline, "found a redirect (303), not followed");
    assert_eq!(
        run.app.signins.load(Ordering::Relaxed),
        1,
        "the protected page's redirect to /signin was not followed"
    );
}

#[tokio::test]
async fn a_refresh_is_judged_without_the_sign_in_s_landing_url() {
    let only = ["refresh_sub_changed"];
    let run = LaxRun::start("signals-refresh", &only, None, |text, _| {
        text.replace("/refresh\"", "/refresh-elsewhere\"")
    })
    .await;
    // The lax application takes the changed subject: the refresh landed on /account, not
    // /me, and is judged (and failed) all the same instead of "not meaningful".
    let refresh = run.cell("refresh_sub_changed::authorization_code");
    failed_because(refresh, "signed the user in");
    let account = format!("{}/account", run.app.url);
    assert_eq!(refresh.landing_url.as_deref(), Some(account.as_str()));
    assert_eq!(
        run.app.reconfigured.load(Ordering::Relaxed),
        0,
        "a refresh cell never asks the application to read the metadata again"
    );
}

#[tokio::test]
async fn each_cell_carries_its_slice_of_the_application_log() {
    let only = ["iss_changed", "state_changed"];
    let run = LaxRun::start("signals-log", &only, Some("app.log"), |text, _| {
        format!("log_file = \"app.log\"\n{text}")
    })
    .await;
    assert_eq!(run.report.cells.len(), 3);
    for c in &run.report.cells {
        let slice = c.app_log.as_deref().unwrap_or_default();
        assert_eq!(
            slice.matches("lax callback").count(),
            1,
            "{}: {slice:?}",
            c.name
        );
    }
    let json = run.report.json();
    assert!(json.contains("\"app_log\": \"lax callback"), "{json}");
}

#[tokio::test]
async fn a_failed_baseline_says_how_many_cells_it_hides() {
    let only = ["iss_changed", "aud_changed", "kid_absent"];
    let run = LaxRun::start("signals-baseline", &only, None, |text, _| {
        text.replace("url = \"/me\"", "url = \"/nowhere\"")
    })
    .await;
    assert_eq!(
        run.report.failed_baselines(),
        [("baseline::authorization_code", 3)]
    );
    let table = run.report.table();
    assert!(
        table.contains("BASELINE FAILED: baseline::authorization_code — the 3 cells that rely on it are not meaningful"),
        "{table}"
    );
    // The reason is written once, under the table, and the rows point at it.
    let reason = "its baseline baseline::authorization_code failed";
    assert_eq!(table.matches(reason).count(), 1, "{table}");
    assert_eq!(table.matches("[1]").count(), 4, "{table}");
}

/// The configuration with `option` added to every sign-in URL of the lax application.
fn signin_option(text: &str, option: &str) -> String {
    text.replace("?login_hint=", &format!("?{option}&login_hint="))
}

const REPLAY: &str = "response_replayed::authorization_code";

#[tokio::test]
async fn a_replay_that_keeps_the_session_it_had_passes() {
    // With a success cookie its value is compared; without one, every cookie of the site.
    for (name, success, compared) in [
        (
            "replay-keep-cookie",
            LAX_SUCCESS,
            "its session cookie lax_session",
        ),
        (
            "replay-keep-jar",
            "success = { url = \"/me\" }",
            "its cookies [lax_session]",
        ),
    ] {
        let run = LaxRun::start(name, &["response_replayed"], None, |text, _| {
            signin_option(&text, "on_replay=keep").replace(LAX_SUCCESS, success)
        })
        .await;
        let replay = run.cell(REPLAY);
        assert_eq!(replay.status, Status::Pass, "{replay:#?}");
        assert_eq!(replay.observed, Some(Observed::Rejected), "{replay:#?}");
        assert_eq!(replay.calls.token, 0, "{replay:#?}");
        let kept = format!(
            "kept the session it had: the replay landed signed in, redeemed nothing (no token or \
             userinfo call) and left {compared} unchanged"
        );
        assert_eq!(replay.reason.as_deref(), Some(kept.as_str()), "{replay:#?}");
        assert!(run.report.table().contains(&kept));
    }
}

#[tokio::test]
async fn a_replay_that_signs_in_anew_fails() {
    for (name, success) in [
        ("replay-anew-cookie", LAX_SUCCESS),
        ("replay-anew-jar", "success = { url = \"/me\" }"),
    ] {
        let flows = [FlowKind::AuthorizationCode, FlowKind::ImplicitFormPost];
        let run = LaxRun::start_in(name, &flows, &["response_replayed"], None, |text, _| {
            text.replace(LAX_SUCCESS, success)
        })
        .await;
        // Without a code there is no call to show it: the new session cookie does.
        let implicit = run.cell("response_replayed::implicit_form_post");
        failed_because(
            implicit,
            "the replay signed the user in anew: new session cookie(s) [lax_session]",
        );
        let replay = run.cell(REPLAY);
        assert_eq!(replay.observed, Some(Observed::Accepted), "{replay:#?}");
        failed_because(
            replay,
            "the replay signed the user in anew: 1 token call(s), new session cookie(s) [lax_session]",
        );
        assert_eq!(replay.forbidden_calls, ["token"], "{replay:#?}");
        let reason = replay.reason.as_deref().unwrap_or_default();
        assert!(
            !reason.contains("lax_session="),
            "no cookie value: {reason}"
        );
    }
}

#[tokio::test]
async fn cells_whose_artefact_the_response_type_lacks_are_skipped_once() {
    let only = [
        "at_hash_wrong",
        "at_hash_missing",
        "c_hash_wrong",
        "c_hash_missing",
        "hybrid_sub_differs",
        "iss_changed",
    ];
    let flows = [FlowKind::ImplicitFormPost, FlowKind::HybridFragment];
    let run = LaxRun::start_in("artefacts", &flows, &only, None, |text, _| {
        // `id_token` alone carries no access token, `code token` no ID token beside the code.
        let implicit = "/signin/implicit_form_post?";
        let hybrid = "/signin/hybrid_fragment?";
        let text = text.replace(implicit, &format!("{implicit}response_type=id_token&"));
        text.replace(hybrid, &format!("{hybrid}response_type=code+token&"))
    })
    .await;
    let skipped = |name: &str, needle: &str| {
        let cell = run.cell(name);
        assert_eq!(cell.status, Status::Skipped, "{cell:#?}");
        let reason = cell.reason.as_deref().unwrap_or_default();
        assert!(reason.contains(needle), "{needle:?} in {cell:#?}");
        reason.to_owned()
    };
    let at = skipped("at_hash_wrong::implicit_form_post", "`at_hash`");
    assert!(at.contains("response_type \"id_token\""), "{at}");
    skipped("at_hash_missing::implicit_form_post", "`at_hash`");
    let c = skipped("c_hash_wrong::hybrid_fragment", "`c_hash`");
    assert!(c.contains("response_type \"code token\""), "{c}");
    skipped("c_hash_missing::hybrid_fragment", "`c_hash`");
    skipped(
        "hybrid_sub_differs::hybrid_fragment",
        "another from the token endpoint",
    );
    // The other cells still run, and the lax application fails them. Without an ID token
    // from the authorization endpoint, the token call is how the ID token comes: allowed.
    for (flow, forbidden) in [
        // No access token at all: nothing to call.
        ("implicit_form_post", vec![]),
        ("hybrid_fragment", vec!["userinfo"]),
    ] {
        let iss = run.cell(&format!("iss_changed::{flow}"));
        assert_eq!(iss.status, Status::Fail, "{iss:#?}");
        assert_eq!(iss.forbidden_calls, forbidden, "{iss:#?}");
    }
    let table = run.report.table();
    assert_eq!(table.matches(at.as_str()).count(), 1, "{table}");
    assert_eq!(table.matches(c.as_str()).count(), 1, "{table}");
}
