//! The `reconfigure` hook as a command, for applications with no endpoint that re-reads the
//! discovery document (a restart script instead): the command runs for every `discovery`
//! cell, its exit status decides, and a broken command makes those cells not meaningful
//! rather than passing them.

#[path = "check/files.rs"]
mod files;
#[path = "check/lax.rs"]
#[allow(
    dead_code,
    reason = "the lax application is shared by several test crates, each reading part of it"
)]
mod lax;

use files::{scratch, write};
use harness::check::{self, CheckConfig, Selection, Status};
use lax::{free_port, lax_config, start_lax_app};
use mock_idp::catalog::FlowKind;

/// The lax application's configuration with its flows' HTTP hook replaced by `command`.
fn with_command(config: &str, app: &str, command: &str) -> String {
    config.replace(
        &format!(r#"reconfigure = {{ url = "{app}/reconfigure" }}"#),
        &format!("reconfigure = {{ command = {command:?} }}"),
    )
}

fn discovery_only() -> Selection {
    Selection {
        only: vec!["discovery_issuer_mismatch".into()],
        flows: vec![FlowKind::AuthorizationCode],
        ..Selection::default()
    }
}

/// Runs the discovery cell of `config`; returns the report and that cell.
async fn run_discovery_cell(dir: &std::path::Path, config: &str) -> (check::Report, check::Cell) {
    let path = write(dir, "command.toml", config);
    let loaded = CheckConfig::load(&path).expect("config");
    let report = check::execute(&loaded, &discovery_only())
        .await
        .expect("run");
    let cell = report
        .cells
        .iter()
        .find(|c| c.fault == "discovery_issuer_mismatch")
        .cloned()
        .expect("the discovery cell");
    (report, cell)
}

#[tokio::test]
async fn a_command_hook_runs_for_each_discovery_cell_and_its_exit_status_decides() {
    let dir = scratch("hook-command");
    let log = dir.join("hook.log");
    let idp_port = free_port().await;
    let lax = start_lax_app(idp_port, None).await;
    let (app, reconfigured) = (lax.url, lax.reconfigured);
    let config = with_command(
        &lax_config(idp_port, &app),
        &app,
        &format!("echo ran >> '{}'", log.display()),
    );
    let (report, cell) = run_discovery_cell(&dir, &config).await;
    // The lax application takes any metadata: the cell ran (not skipped) and caught it.
    assert_eq!(cell.status, Status::Fail, "{}", report.table());
    // Tried once without a fault, then before the cell and again after it.
    let runs = std::fs::read_to_string(&log).expect("the hook's log");
    assert_eq!(runs.lines().count(), 3, "{runs}");
    // No HTTP hook was sent.
    assert_eq!(reconfigured.load(std::sync::atomic::Ordering::Relaxed), 0);
}

#[tokio::test]
async fn a_failing_command_hook_makes_the_discovery_cells_not_meaningful() {
    let dir = scratch("hook-command-fails");
    let idp_port = free_port().await;
    let app = start_lax_app(idp_port, None).await.url;
    let config = with_command(
        &lax_config(idp_port, &app),
        &app,
        "echo cannot restart >&2; exit 3",
    );
    let (_, cell) = run_discovery_cell(&dir, &config).await;
    assert_eq!(cell.status, Status::NotMeaningful, "{cell:#?}");
    let reason = cell.reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("exit status: 3") && reason.contains("cannot restart"),
        "{reason}"
    );
}

#[test]
fn a_hook_takes_exactly_one_of_url_and_command() {
    let dir = scratch("hook-config");
    let base = lax_config(9, "http://127.0.0.1:1");
    for (hook, field, expected) in [
        (
            r#"reconfigure = { url = "http://127.0.0.1:1/r", command = "true" }"#,
            "flows[0].reconfigure",
            "expected exactly one of url and command, found both",
        ),
        (
            r#"reconfigure = { method = "POST" }"#,
            "flows[0].reconfigure",
            "expected exactly one of url and command, found neither",
        ),
        (
            r#"reconfigure = { command = " " }"#,
            "flows[0].reconfigure.command",
            "expected a command, found an empty string",
        ),
    ] {
        let config = base.replacen(
            r#"reconfigure = { url = "http://127.0.0.1:1/reconfigure" }"#,
            hook,
            1,
        );
        let path = write(&dir, "hook.toml", &config);
        let err = CheckConfig::load(&path)
            .expect_err("a bad hook")
            .to_string();
        assert!(
            err.contains(field) && err.contains(expected),
            "{hook}: {err}"
        );
    }
}
