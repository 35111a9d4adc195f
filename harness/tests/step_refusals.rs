//! A step given input it cannot check fails and says what it expected: every scenario of
//! `tests/fixtures/bad_input.feature` must fail at its last step, with the text its name
//! gives after " — ". A step that accepted any input would let its scenario pass.

use std::path::PathBuf;

use harness::scenario::{Options, execute};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_step_given_bad_input_fails_with_what_it_expected() {
    let dir = std::env::temp_dir().join(format!("step-refusals-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let report = dir.join("report.json");
    let options = Options {
        paths: vec![
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad_input.feature"),
        ],
        tags: None,
        junit: None,
        json: Some(report.clone()),
        html: None,
        shard: harness::shard::Shard::WHOLE,
        concurrency: 8,
        color: false,
    };
    let summary = execute(&options, std::io::sink()).await.expect("run");
    assert!(summary.failed);
    let features: Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("json");
    std::fs::remove_dir_all(&dir).ok();
    let scenarios: Vec<&Value> = features[0]["elements"]
        .as_array()
        .expect("elements")
        .iter()
        .filter(|e| e["type"] == "scenario")
        .collect();
    assert!(scenarios.len() >= 20, "{} scenarios", scenarios.len());
    let mut wrong = Vec::new();
    for scenario in scenarios {
        let name = scenario["name"].as_str().expect("name");
        let (_, expected) = name
            .split_once(" — ")
            .expect("a name with the expected text");
        let steps = scenario["steps"].as_array().expect("steps");
        let failed: Vec<&Value> = steps
            .iter()
            .filter(|s| s["result"]["status"] == "failed")
            .collect();
        let last = steps.last().expect("a step");
        match failed.as_slice() {
            [step] if std::ptr::eq(*step, last) => {
                let message = step["result"]["error_message"].as_str().unwrap_or_default();
                if !message.contains(expected) {
                    wrong.push(format!("{name}: failed with {message}"));
                }
            }
            [] => wrong.push(format!("{name}: passed")),
            _ => wrong.push(format!("{name}: failed at another step: {failed:#?}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}
