//! How `harness check` reads what an application did, against applications nobody tuned for
//! it: a `status` signal alone is warned about, the `json` signal never starts a second
//! sign-in, a refresh is judged without the sign-in's landing URL, each cell carries its
//! slice of the application's log, and a failed baseline says how many cells it hides.

#[path = "check/files.rs"]
mod files;
#[path = "check/lax.rs"]
mod lax;

use std::sync::atomic::Ordering;

use files::{scratch, write};
use harness::check::{self, CheckConfig, Selection, Status};
use lax::{free_port, lax_config, start_lax_app};
use mock_idp::catalog::FlowKind;

fn code_flow_only(names: &[&str]) -> Selection {
    Selection {
        only: names.iter().map(|n| (*n).to_owned()).collect(),
        flows: vec![FlowKind::AuthorizationCode],
    }
}

fn cell<'a>(report: &'a check::Report, name: &str) -> &'a check::Cell {
    report
        .cells
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} in {:#?}", report.cells))
}

#[tokio::test]
async fn a_status_signal_alone_is_warned_about() {
    let idp_port = free_port().await;
    let app = start_lax_app(idp_port, None).await;
    let dir = scratch("signals-status");
    let text = lax_config(idp_port, &app.url).replace(
        "success = { url = \"/me\", cookie = \"lax_session\" }",
        "success = { status = 200 }",
    );
    let loaded = CheckConfig::load(&write(&dir, "lax.toml", &text)).expect("config");
    assert_eq!(
        loaded.warnings.len(),
        3,
        "one per flow: {:?}",
        loaded.warnings
    );
    let report = check::execute(&loaded, &code_flow_only(&["iss_changed"]))
        .await
        .expect("run");
    let table = report.table();
    assert!(
        table.contains("warning: flow authorization_code: success has only `status`"),
        "{table}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn the_json_signal_never_follows_into_a_second_sign_in() {
    let idp_port = free_port().await;
    let app = start_lax_app(idp_port, None).await;
    let dir = scratch("signals-json");
    let text = lax_config(idp_port, &app.url).replace(
        "success = { url = \"/me\", cookie = \"lax_session\" }",
        &format!("success = {{ url = \"/me\", json = {{ url = \"{}/protected\", pointer = \"/user\" }} }}", app.url),
    );
    let loaded = CheckConfig::load(&write(&dir, "lax.toml", &text)).expect("config");
    let report = check::execute(&loaded, &code_flow_only(&["iss_changed"]))
        .await
        .expect("run");
    let baseline = cell(&report, "baseline::authorization_code");
    assert_eq!(baseline.status, Status::Fail, "{baseline:#?}");
    assert!(
        baseline
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("found a redirect (303), not followed")),
        "{baseline:#?}"
    );
    assert_eq!(
        app.signins.load(Ordering::Relaxed),
        1,
        "the protected page's redirect to /signin was not followed"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_refresh_is_judged_without_the_sign_in_s_landing_url() {
    let idp_port = free_port().await;
    let app = start_lax_app(idp_port, None).await;
    let dir = scratch("signals-refresh");
    let text = lax_config(idp_port, &app.url).replace("/refresh\"", "/refresh-elsewhere\"");
    let loaded = CheckConfig::load(&write(&dir, "lax.toml", &text)).expect("config");
    let report = check::execute(&loaded, &code_flow_only(&["refresh_sub_changed"]))
        .await
        .expect("run");
    // The lax application takes the changed subject: the refresh landed on /account, not
    // /me, and is judged (and failed) all the same instead of "not meaningful".
    let refresh = cell(&report, "refresh_sub_changed::authorization_code");
    assert_eq!(refresh.status, Status::Fail, "{refresh:#?}");
    assert!(
        refresh
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("signed the user in")),
        "{refresh:#?}"
    );
    assert_eq!(
        refresh.landing_url.as_deref(),
        Some(format!("{}/account", app.url).as_str())
    );
    assert_eq!(
        app.reconfigured.load(Ordering::Relaxed),
        0,
        "a refresh cell never asks the application to read the metadata again"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn each_cell_carries_its_slice_of_the_application_log() {
    let idp_port = free_port().await;
    let dir = scratch("signals-log");
    let log = dir.join("app.log");
    let app = start_lax_app(idp_port, Some(log.clone())).await;
    let text = format!("log_file = \"app.log\"\n{}", lax_config(idp_port, &app.url));
    let loaded = CheckConfig::load(&write(&dir, "lax.toml", &text)).expect("config");
    let report = check::execute(&loaded, &code_flow_only(&["iss_changed", "state_changed"]))
        .await
        .expect("run");
    assert_eq!(report.cells.len(), 3);
    for c in &report.cells {
        let slice = c.app_log.as_deref().unwrap_or_default();
        assert_eq!(
            slice.matches("lax callback").count(),
            1,
            "{}: {slice:?}",
            c.name
        );
    }
    let json = report.json();
    assert!(json.contains("\"app_log\": \"lax callback"), "{json}");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_failed_baseline_says_how_many_cells_it_hides() {
    let idp_port = free_port().await;
    let app = start_lax_app(idp_port, None).await;
    let dir = scratch("signals-baseline");
    let text = lax_config(idp_port, &app.url).replace("url = \"/me\"", "url = \"/nowhere\"");
    let loaded = CheckConfig::load(&write(&dir, "lax.toml", &text)).expect("config");
    let report = check::execute(
        &loaded,
        &code_flow_only(&["iss_changed", "aud_changed", "kid_absent"]),
    )
    .await
    .expect("run");
    assert_eq!(
        report.failed_baselines(),
        [("baseline::authorization_code", 3)]
    );
    let table = report.table();
    assert!(
        table.contains("BASELINE FAILED: baseline::authorization_code — the 3 cells that rely on it are not meaningful"),
        "{table}"
    );
    // The reason is written once, under the table, and the rows point at it.
    assert_eq!(
        table
            .matches("its baseline baseline::authorization_code failed")
            .count(),
        1,
        "{table}"
    );
    assert_eq!(table.matches("[1]").count(), 4, "{table}");
    std::fs::remove_dir_all(dir).ok();
}
