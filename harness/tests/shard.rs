//! `--shard K/N`: over the real feature files and the real catalog, every N splits the work
//! into parts that are pairwise disjoint, together the whole, and balanced; playing the
//! parts really runs each scenario and cell once (a flow's baseline in every part that has a
//! cell of it); and bad values are refused on the command line.

#[path = "check/files.rs"]
mod files;
#[path = "check/lax.rs"]
#[allow(
    dead_code,
    reason = "the lax application is shared by several test crates, each reading part of it"
)]
mod lax;
#[path = "check/reference.rs"]
mod reference;

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::path::PathBuf;

use harness::check::{self, CheckConfig, Selection};
use harness::scenario::{Options, default_features, execute, scenario_order};
use harness::shard::Shard;
use mock_idp::catalog::{FlowKind, catalog};
use serde_json::Value;

/// Splits `whole` for every N up to 7 and checks the parts.
fn assert_partitions<T: Clone + Ord + Debug>(whole: &[T]) {
    assert!(whole.len() > 10, "a real list: {}", whole.len());
    for n in 1..=7 {
        let parts: Vec<Vec<T>> = (1..=n)
            .map(|k| Shard::new(k, n).expect("shard").pick(whole.to_vec()))
            .collect();
        let mut union = BTreeSet::new();
        for part in &parts {
            for item in part {
                assert!(union.insert(item.clone()), "{item:?} in two parts of {n}");
            }
        }
        assert_eq!(union, whole.iter().cloned().collect(), "the parts of {n}");
        let sizes: Vec<usize> = parts.iter().map(Vec::len).collect();
        let (min, max) = (sizes.iter().min(), sizes.iter().max());
        assert!(max.zip(min).is_some_and(|(a, b)| a - b <= 1), "{sizes:?}");
    }
}

#[test]
fn the_real_scenarios_split_into_disjoint_parts_that_make_the_whole() {
    let order = scenario_order(&[default_features()], None).expect("features");
    let unique: BTreeSet<_> = order.iter().collect();
    assert_eq!(unique.len(), order.len(), "each scenario has its own place");
    assert_partitions(&order);
    // The order is the same however the paths are given.
    let again = scenario_order(&[default_features()], None).expect("features");
    assert_eq!(again, order);
    let tagged = scenario_order(&[default_features()], Some("@binding")).expect("features");
    assert!(!tagged.is_empty() && tagged.len() < order.len());
}

#[test]
fn the_real_catalog_cells_split_into_disjoint_parts_that_make_the_whole() {
    let order = check::cell_order(&FlowKind::ALL, &catalog(), &Selection::default());
    let expected = FlowKind::ALL.len() + catalog().iter().map(|e| e.flows.len()).sum::<usize>();
    assert_eq!(order.len(), expected);
    let named: Vec<String> = order.iter().map(|(f, k)| format!("{f}::{k}")).collect();
    assert_partitions(&named);
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reports.feature")
}

/// The scenarios (name and line) a Cucumber JSON report played.
fn played(json: &Value) -> Vec<(String, u64)> {
    json.as_array()
        .expect("features")
        .iter()
        .flat_map(|f| f["elements"].as_array().expect("elements"))
        .filter(|e| e["type"] == "scenario")
        .map(|e| {
            (
                e["name"].as_str().expect("name").to_owned(),
                e["line"].as_u64().expect("line"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shards_of_a_run_play_each_scenario_once() {
    let dir = files::scratch("shard-run");
    let mut seen = Vec::new();
    for k in 1..=2 {
        let json = dir.join(format!("{k}.json"));
        let html = dir.join(format!("{k}.html"));
        let options = Options {
            paths: vec![fixtures()],
            tags: None,
            junit: None,
            json: Some(json.clone()),
            html: Some(html.clone()),
            shard: Shard::new(k, 2).expect("shard"),
            concurrency: 2,
            color: false,
        };
        execute(&options, std::io::sink()).await.expect("run");
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("json");
        let part = played(&report);
        assert_eq!(part.len(), 2, "shard {k}/2: {part:?}");
        let page = std::fs::read_to_string(&html).expect("html");
        assert!(page.contains(&format!("<h1>harness run, shard {k}/2</h1>")));
        assert!(page.contains("<span>2 scenarios</span>"), "{page}");
        seen.extend(part);
    }
    let distinct: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(distinct.len(), 4, "four scenarios, each once: {seen:?}");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn three_shards_of_a_check_run_each_cell_once_with_their_baselines() {
    let flows = [FlowKind::AuthorizationCode, FlowKind::HybridFragment];
    let rig = reference::Reference::start(&flows).await;
    let dir = files::scratch("shard-check");
    let path = files::write(&dir, "reference.toml", &rig.config(&flows));
    let loaded = CheckConfig::load(&path).expect("config");
    let sel = Selection {
        only: ["iss_changed", "kid_absent", "c_hash_missing"]
            .map(String::from)
            .to_vec(),
        flows: Vec::new(),
        ..Selection::default()
    };
    let whole: BTreeSet<String> = check::cell_order(&flows, &catalog(), &sel)
        .into_iter()
        .filter(|(f, _)| f != "baseline")
        .map(|(f, k)| format!("{f}::{k}"))
        .collect();
    let mut seen = Vec::new();
    for k in 1..=3 {
        let shard = Shard::new(k, 3).expect("shard");
        let report = check::execute_shard(&loaded, &sel, shard)
            .await
            .expect("run");
        assert!(report.all_passed(), "{}", report.table());
        for c in report.cells.iter().filter(|c| c.fault != "baseline") {
            assert!(
                report
                    .cells
                    .iter()
                    .any(|b| b.name == format!("baseline::{}", c.flow)),
                "shard {shard} ran {} without its baseline",
                c.name
            );
            seen.push(c.name.clone());
        }
    }
    let distinct: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(distinct.len(), seen.len(), "no cell twice: {seen:?}");
    assert_eq!(distinct, whole);
    std::fs::remove_dir_all(dir).ok();
}

/// The binary's flags together: `harness check --shard 2/2 --html` against an application
/// that validates nothing writes the part's matrix, its failures coloured.
#[tokio::test]
async fn the_check_command_writes_a_shard_s_matrix() {
    let idp_port = lax::free_port().await;
    let app = lax::start_lax_app(idp_port, None).await.url;
    let dir = files::scratch("shard-html");
    let config = files::write(&dir, "lax.toml", &lax::lax_config(idp_port, &app));
    let page = dir.join("matrix.html");
    // Asynchronously: the lax application answers on this test's runtime.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("check")
        .arg("--config")
        .arg(&config)
        .args(["--only", "iss_changed", "--flows", "authorization_code"])
        .args(["--shard", "2/2", "--html"])
        .arg(&page)
        .output()
        .await
        .expect("harness");
    let table = String::from_utf8_lossy(&out.stdout);
    // Part 2 of [baseline, iss_changed] is the fault cell, run after its baseline.
    assert_eq!(out.status.code(), Some(1), "{table}");
    let html = std::fs::read_to_string(&page).expect("the page");
    assert!(html.contains("2 cells: 1 passed, 1 failed"), "{html}");
    assert!(
        html.contains("<th scope=\"row\">iss_changed</th><td class=\"fail\">"),
        "{html}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bad_shard_values_are_refused_on_the_command_line() {
    for command in ["run", "check"] {
        for bad in ["0/3", "4/3", "x", "1/0"] {
            let mut args = vec![command, "--shard", bad];
            if command == "check" {
                args.extend(["--config", "unused.toml"]);
            }
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
                .args(&args)
                .output()
                .expect("harness");
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains(&format!(
                    "--shard: expected K/N with 1 <= K <= N (e.g. 2/4), found \"{bad}\""
                )),
                "{args:?}: {stderr}"
            );
        }
    }
}
