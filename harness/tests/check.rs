//! `harness check` against real applications on loopback: the reference relying party comes
//! out all green, a relying party that validates nothing is caught cell by cell, and
//! configuration mistakes name their field.

#[path = "check/config_errors.rs"]
mod config_errors;
#[path = "check/files.rs"]
mod files;
#[path = "check/lax.rs"]
mod lax;
#[path = "check/reference.rs"]
mod reference;

use std::sync::atomic::Ordering;

use files::{scratch, write};
use harness::check::{self, CheckConfig, Observed, Selection, Status};
use lax::{free_port, lax_config, start_lax_app};
use mock_idp::TlsPem;
use mock_idp::catalog::{Expect, FlowKind, catalog};
use reference::Reference;
use serde_json::json;

/// Replaces loopback ports, which change from run to run.
fn redact_ports(text: &str) -> String {
    const HOST: &str = "127.0.0.1:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(HOST) {
        out.push_str(&rest[..i + HOST.len()]);
        rest = &rest[i + HOST.len()..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        out.push_str("[port]");
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// JWK Set re-fetches a minute the reference relying party allows in the whole-catalog
/// run, and the run paces for: more than the cells that re-fetch (ten per flow), so the test
/// does not wait, while the pacing is counted and reported.
const REFETCH_PER_MINUTE: u32 = 60;

#[tokio::test]
async fn the_reference_relying_party_passes_every_cell() {
    let dir = scratch("reference");
    // One long-lived relying party for every flow, as a team would run its own application:
    // key rotations of one flow's cells stay in its JWK Set cache for the next flow's.
    let rig = Reference::start(&FlowKind::ALL).await;
    rig.rp
        .rp
        .jwks()
        .set_forced_per_minute(REFETCH_PER_MINUTE as usize);
    let text = format!(
        "jwks_refetch_per_minute = {REFETCH_PER_MINUTE}\n{}",
        rig.config(&FlowKind::ALL)
    );
    let path = write(&dir, "reference.toml", &text);
    let loaded = CheckConfig::load(&path).expect("config");
    let run = check::execute(&loaded, &Selection::default())
        .await
        .expect("run");
    // Faults are cleared after the run.
    assert!(rig.idp.tenant("acme").expect("tenant").faults().is_empty());
    let table = run.table();
    assert!(run.all_passed(), "{table}");
    let forcing: usize = catalog()
        .iter()
        .filter(|e| e.forces_key_fetch())
        .map(|e| e.flows.len())
        .sum();
    assert_eq!(run.pacing.key_fetch_cells, forcing, "{table}");
    assert_eq!(run.pacing.per_minute, Some(REFETCH_PER_MINUTE));
    assert!(table.contains("pacing: "), "{table}");
    // The specification leaves these to the client: reported apart, never failed, and the
    // reference relying party (which refuses them) shows what it did.
    let either: usize = catalog()
        .iter()
        .filter(|e| e.expect == Expect::Either)
        .map(|e| e.flows.len())
        .sum();
    assert_eq!(run.summary.advisory, either, "{table}");
    assert!(
        table.contains("advisory (the specification lets"),
        "{table}"
    );
    let report = run;
    let named = |name: &str| {
        report
            .cells
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no cell {name}"))
    };
    let iat = named("iat_future::hybrid_fragment");
    assert_eq!(iat.status, Status::Advisory, "{iat:#?}");
    assert_eq!(iat.observed, Some(Observed::Rejected), "{iat:#?}");
    // A baseline per flow, and an ES256 baseline per flow before its ES256 entries.
    let expected_cells =
        2 * FlowKind::ALL.len() + catalog().iter().map(|e| e.flows.len()).sum::<usize>();
    assert_eq!(report.summary.cells, expected_cells);
    let mut failed = Vec::new();
    for cell in &report.cells {
        match cell.status {
            Status::Pass | Status::Advisory => {}
            // Only entries whose setup needs the application reconfigured are skipped: this
            // configuration gives the runner everything else (max_age, ES256, HS256).
            Status::Skipped => assert!(
                cell.reason
                    .as_deref()
                    .is_some_and(|r| r.contains("black-box run cannot")),
                "{}: {:?}",
                cell.name,
                cell.reason
            ),
            _ => failed.push(format!(
                "{}: observed {:?}, {}, app error {:?}",
                cell.name,
                cell.observed,
                cell.reason.as_deref().unwrap_or("-"),
                cell.app_error
            )),
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    println!("{:?}", report.summary);
    // The arranged cells ran: max_age sent, ES256 client, HS256 accepted, a warm-up sign-in,
    // a forced JWK Set fetch, reconfiguration from discovery, a refresh.
    for name in [
        "auth_time_missing::implicit_fragment",
        "signature_corrupted_es256::hybrid_form_post",
        "hs256::authorization_code",
        "key_rotated_after_sign_in::implicit_form_post",
        "jwks_server_error::hybrid_fragment",
        "discovery_issuer_mismatch::implicit_fragment",
        "jwks_uri_random::hybrid_form_post",
        "refresh_sub_changed::authorization_code",
        "refresh_iss_changed::hybrid_fragment",
        "response_replayed::implicit_fragment",
        "response_replayed::hybrid_form_post",
        "jku_foreign_keys::authorization_code",
        "weak_rsa_key::implicit_form_post",
        "kid_absent::hybrid_fragment",
    ] {
        let cell = named(name);
        assert_eq!(cell.status, Status::Pass, "{cell:#?}");
    }
    // The replay really ran: the second delivery was refused as such, and redeemed nothing.
    let replay = named("response_replayed::authorization_code");
    assert_eq!(
        replay.app_error.as_deref(),
        Some("response.replayed"),
        "{replay:#?}"
    );
    assert_eq!(replay.calls.token, 0, "{replay:#?}");
    // The refresh really ran, and the reference RP refused it for the right reason.
    let refresh = named("refresh_sub_changed::authorization_code");
    assert_eq!(
        refresh.app_error.as_deref(),
        Some("id_token.refresh_mismatch"),
        "{refresh:#?}"
    );
    let baselines = report
        .cells
        .iter()
        .filter(|c| c.fault == "baseline" && c.status == Status::Pass)
        .count();
    assert_eq!(baselines, FlowKind::ALL.len());
    for flow in FlowKind::ALL {
        let es256 = named(&format!("baseline_es256::{flow}"));
        assert_eq!(es256.status, Status::Pass, "{es256:#?}");
    }
    // The run really went through the reference RP: it refused with its own codes.
    let refused = named("iss_changed::hybrid_form_post");
    assert!(refused.app_error.is_some(), "{refused:#?}");
    assert_eq!(
        refused.calls.token, 0,
        "no token call after a bad front-channel ID token"
    );
    std::fs::remove_dir_all(dir).ok();
}

/// The mock IdP serving https, trusted by the relying party and (through
/// `idp.external.trust_certificate`) by the harness: the `discovery_tls` entries run, and
/// a document that sends the endpoints to plain http is refused.
#[tokio::test]
async fn over_https_the_discovery_tls_entries_run_against_the_reference_relying_party() {
    let flows = [FlowKind::HybridFormPost];
    let pem = TlsPem::self_signed().expect("certificate");
    let dir = scratch("reference-tls");
    std::fs::write(dir.join("cert.pem"), &pem.cert).expect("cert");
    let rig = Reference::start_with(&flows, Some(pem)).await;
    assert!(rig.idp.issuer().starts_with("https://"));
    let path = write(&dir, "reference.toml", &rig.config(&flows));
    let loaded = CheckConfig::load(&path).expect("config");
    let sel = Selection {
        only: ["discovery_plain_http", "jwks_uri_random", "iss_changed"]
            .map(String::from)
            .to_vec(),
        flows: Vec::new(),
        ..Selection::default()
    };
    let report = check::execute(&loaded, &sel).await.expect("run");
    assert!(report.all_passed(), "{}", report.table());
    let plain_http = report
        .cells
        .iter()
        .find(|c| c.name == "discovery_plain_http::hybrid_form_post")
        .expect("cell");
    assert_eq!(plain_http.status, Status::Pass, "{plain_http:#?}");
    assert!(
        plain_http
            .app_error
            .as_deref()
            .is_some_and(|e| e.contains("discovery.insecure_endpoint")),
        "{plain_http:#?}"
    );
    assert_eq!(report.summary.cells, 4, "the baseline and three entries");
    std::fs::remove_dir_all(dir).ok();
}

/// `iss_without_trailing_slash` only means something against an issuer that ends with a
/// slash: skipped, with the reason, against a plain tenant; run and passed against an
/// Auth0-flavoured one.
#[tokio::test]
async fn the_trailing_slash_fault_runs_against_an_auth0_tenant_only() {
    let flows = [FlowKind::AuthorizationCode];
    let sel = Selection {
        only: vec!["iss_without_trailing_slash".into()],
        ..Selection::default()
    };
    let cell = "iss_without_trailing_slash::authorization_code";
    let dir = scratch("trailing-slash");
    for (rig, expected) in [
        (Reference::start(&flows).await, Status::Skipped),
        (Reference::start_auth0(&flows).await, Status::Pass),
    ] {
        let path = write(&dir, "reference.toml", &rig.config(&flows));
        let loaded = CheckConfig::load(&path).expect("config");
        let report = check::execute(&loaded, &sel).await.expect("run");
        let found = report.cells.iter().find(|c| c.name == cell).expect("cell");
        assert_eq!(found.status, expected, "{}", report.table());
        if expected == Status::Skipped {
            let reason = found.reason.as_deref().unwrap_or_default();
            assert!(reason.contains("ends with a slash"), "{reason}");
        } else {
            assert_eq!(found.observed, Some(Observed::Rejected), "{found:#?}");
        }
    }
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_small_selection_against_the_reference_relying_party_reads_well() {
    let flows = [FlowKind::AuthorizationCode, FlowKind::HybridFragment];
    let rig = Reference::start(&flows).await;
    let dir = scratch("reference-table");
    let path = write(&dir, "reference.toml", &rig.config(&flows));
    let loaded = CheckConfig::load(&path).expect("config");
    let sel = Selection {
        only: [
            "iss_changed",
            "kid_absent",
            "c_hash_missing",
            "auth_time_missing",
        ]
        .map(String::from)
        .to_vec(),
        flows: Vec::new(),
        ..Selection::default()
    };
    let report = check::execute(&loaded, &sel).await.expect("run");
    assert!(report.all_passed(), "{}", report.table());
    insta::assert_snapshot!("reference_table", report.table());
    std::fs::remove_dir_all(dir).ok();
}

// ---- a relying party that validates nothing -------------------------------------------

#[tokio::test]
async fn a_relying_party_that_validates_nothing_is_caught() {
    let idp_port = free_port().await;
    let app = start_lax_app(idp_port, None).await.url;
    let dir = scratch("lax");
    let config = write(&dir, "lax.toml", &lax_config(idp_port, &app));
    let json_path = dir.join("report.json");
    let junit_path = dir.join("junit.xml");
    // The real binary, so that the exit code is the one CI sees; asynchronously, because
    // the lax application answers on this test's runtime.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("check")
        .arg("--config")
        .arg(&config)
        .args(["--only", "iss_changed,kid_absent,state_changed"])
        .arg("--json")
        .arg(&json_path)
        .arg("--junit")
        .arg(&junit_path)
        .output()
        .await
        .expect("harness");
    let table = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{table}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json")).expect("parse");
    let failed: Vec<&str> = report["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        failed,
        [
            "iss_changed::authorization_code",
            "state_changed::authorization_code",
            "iss_changed::hybrid_fragment",
            "state_changed::hybrid_fragment",
            "iss_changed::implicit_form_post",
            "state_changed::implicit_form_post",
        ]
    );
    let cell = |name: &str| {
        report["cells"]
            .as_array()
            .expect("cells")
            .iter()
            .find(|c| c["name"] == name)
            .expect("cell")
            .clone()
    };
    // Code flow: redeeming the code is allowed, calling userinfo after a bad ID token is not.
    assert_eq!(
        cell("iss_changed::authorization_code")["forbidden_calls"],
        json!(["userinfo"])
    );
    // Hybrid: the bad ID token came from the authorization endpoint, so no token call either.
    assert_eq!(
        cell("iss_changed::hybrid_fragment")["forbidden_calls"],
        json!(["token", "userinfo"])
    );
    assert_eq!(cell("kid_absent::hybrid_fragment")["status"], "pass");

    let junit = std::fs::read_to_string(&junit_path).expect("junit");
    assert!(junit.contains(
        r#"<testcase name="iss_changed::authorization_code" classname="id_token_claims""#
    ));
    assert!(junit.contains(
        r#"<failure message="expected reject, observed accepted; forbidden calls: userinfo""#
    ));
    assert_eq!(junit.matches("<failure ").count(), failed.len());

    insta::assert_snapshot!("lax_table", table);
    let redacted: serde_json::Value =
        serde_json::from_str(&redact_ports(&report.to_string())).expect("json");
    insta::assert_json_snapshot!("lax_report", redacted, {
        ".cells[].duration_ms" => "[ms]",
    });
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn hooks_let_a_black_box_run_judge_discovery_and_refresh() {
    let idp_port = free_port().await;
    let lax = start_lax_app(idp_port, None).await;
    let (app, reconfigured, signins) = (lax.url, lax.reconfigured, lax.signins);
    let dir = scratch("lax-hooks");
    let config = write(&dir, "lax.toml", &lax_config(idp_port, &app));
    let loaded = CheckConfig::load(&config).expect("config");
    let sel = Selection {
        only: [
            "discovery_issuer_mismatch",
            "jwks_uri_random",
            "refresh_sub_changed",
        ]
        .map(String::from)
        .to_vec(),
        flows: vec![FlowKind::AuthorizationCode],
        ..Selection::default()
    };
    let report = check::execute(&loaded, &sel).await.expect("run");
    let cell = |name: &str| {
        report
            .cells
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name} in {:#?}", report.cells))
    };
    // It took the mismatching metadata and sent the browser to authorize: the OpenID
    // Foundation's discovery tests count that as the failure, whatever follows.
    let mismatch = cell("discovery_issuer_mismatch::authorization_code");
    assert_eq!(mismatch.status, Status::Fail, "{mismatch:#?}");
    assert_eq!(mismatch.forbidden_calls, ["authorize"]);
    // A refresh that changes the subject is taken as well.
    let refresh = cell("refresh_sub_changed::authorization_code");
    assert_eq!(refresh.status, Status::Fail, "{refresh:#?}");
    assert!(
        refresh
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("signed the user in")),
        "{refresh:#?}"
    );
    // A random jwks_uri is allowed, and the lax application passes it.
    assert_eq!(
        cell("jwks_uri_random::authorization_code").status,
        Status::Pass
    );
    // One fault-free try of the hook, then each discovery cell twice: with the fault, and
    // without it to put the application back.
    assert_eq!(reconfigured.load(Ordering::Relaxed), 5);
    // One sign-in per cell (the baseline, three entries) and one for the fault-free try of
    // the refresh: none signs in twice.
    assert_eq!(signins.load(Ordering::Relaxed), 5);

    // Hooks that do not work make their cells not meaningful instead of vacuous passes.
    // (A second IdP port: the first run's server may still hold its own.)
    let idp_port = free_port().await;
    let app = start_lax_app(idp_port, None).await.url;
    let broken = lax_config(idp_port, &app)
        .replace("/reconfigure\"", "/no-such-hook\"")
        .replace("/refresh\"", "/no-such-refresh\"");
    let config = write(&dir, "broken.toml", &broken);
    let loaded = CheckConfig::load(&config).expect("config");
    let report = check::execute(&loaded, &sel).await.expect("run");
    for name in [
        "discovery_issuer_mismatch::authorization_code",
        "jwks_uri_random::authorization_code",
        "refresh_sub_changed::authorization_code",
    ] {
        let cell = report.cells.iter().find(|c| c.name == name).expect(name);
        assert_eq!(cell.status, Status::NotMeaningful, "{cell:#?}");
    }
    let why = |name: &str| {
        report
            .cells
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| c.reason.clone())
            .unwrap_or_default()
    };
    assert!(
        why("jwks_uri_random::authorization_code")
            .contains("refused the fault-free discovery document"),
        "{}",
        why("jwks_uri_random::authorization_code")
    );
    assert!(
        why("refresh_sub_changed::authorization_code").contains("did not keep the user signed in"),
        "{}",
        why("refresh_sub_changed::authorization_code")
    );
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_failed_baseline_makes_the_flow_not_meaningful() {
    let idp_port = free_port().await;
    let app = start_lax_app(idp_port, None).await.url;
    let dir = scratch("baseline");
    // The lax app never reaches /nowhere, so even a clean sign-in does not count.
    let text = lax_config(idp_port, &app).replace("url = \"/me\"", "url = \"/nowhere\"");
    let config = write(&dir, "lax.toml", &text);
    let loaded = CheckConfig::load(&config).expect("config");
    let sel = Selection {
        only: vec!["aud_changed".into()],
        flows: vec![FlowKind::AuthorizationCode],
        ..Selection::default()
    };
    let report = check::execute(&loaded, &sel).await.expect("run");
    let statuses: Vec<(&str, Status)> = report
        .cells
        .iter()
        .map(|c| (c.name.as_str(), c.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("baseline::authorization_code", Status::Fail),
            ("aud_changed::authorization_code", Status::NotMeaningful),
        ]
    );
    assert!(
        report.cells[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("expected to land on /nowhere, found /me")),
        "{:?}",
        report.cells[0].reason
    );
    std::fs::remove_dir_all(dir).ok();
}
