//! Snapshots of the report formats — the terminal report and Cucumber JSON — on the fixed
//! feature set `tests/fixtures/reports.feature` (one pass, one failure, one outline), with
//! durations, ports and paths redacted; and the JUnit file and the exit status.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use harness::scenario::{Options, execute};
use serde_json::Value;

/// A terminal that keeps what it is given.
#[derive(Clone, Default)]
struct Screen(Arc<Mutex<Vec<u8>>>);

impl Write for Screen {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Ports, absolute paths and line-wrapping differences out of a text.
fn redact(text: &str) -> String {
    let ports = regex::Regex::new(r"127\.0\.0\.1:\d+").unwrap();
    let root = fixtures().display().to_string();
    let text = text.replace(root.trim_start_matches('/'), "[fixtures]");
    let text = text.replace(&root, "[fixtures]");
    ports.replace_all(&text, "127.0.0.1:[port]").into_owned()
}

fn redact_json(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k == "duration" {
                    *v = Value::String("[duration]".into());
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::String(s) => *s = redact(s),
        _ => {}
    }
}

struct Run {
    terminal: String,
    json: Value,
    junit: String,
    failed: bool,
}

async fn run(name: &str) -> Run {
    let dir = std::env::temp_dir().join(format!("scenario-reports-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let options = Options {
        paths: vec![fixtures().join("reports.feature")],
        tags: None,
        junit: Some(dir.join("report.xml")),
        json: Some(dir.join("report.json")),
        html: None,
        shard: harness::shard::Shard::WHOLE,
        concurrency: 4,
        color: false,
    };
    let screen = Screen::default();
    let summary = execute(&options, screen.clone()).await.unwrap();
    let terminal = String::from_utf8(screen.0.lock().unwrap().clone()).unwrap();
    let json =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let junit = std::fs::read_to_string(dir.join("report.xml")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    Run {
        terminal: redact(&terminal),
        json,
        junit,
        failed: summary.failed,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_json_and_junit_reports() {
    let mut r = run("all").await;
    assert!(r.failed, "the fixture set has a failing scenario");
    insta::assert_snapshot!("scenario_terminal_report", r.terminal);
    redact_json(&mut r.json);
    insta::assert_json_snapshot!("scenario_cucumber_json", r.json);
    assert!(r.junit.contains("<testsuites"), "{}", r.junit);
    assert!(
        r.junit
            .contains("A sign-in expected to be refused that is not")
            && r.junit.contains("<failure"),
        "{}",
        r.junit
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_expression_selects_scenarios() {
    let screen = Screen::default();
    let options = Options {
        paths: vec![fixtures().join("reports.feature")],
        tags: Some("not @oidcc-client-test-invalid-aud".into()),
        junit: None,
        json: None,
        html: None,
        shard: harness::shard::Shard::WHOLE,
        concurrency: 4,
        color: false,
    };
    let summary = execute(&options, screen.clone()).await.unwrap();
    assert!(!summary.failed, "only passing scenarios were selected");
    let text = String::from_utf8(screen.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("3 scenarios (3 passed)"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_path_is_an_error() {
    let options = Options {
        paths: vec![fixtures().join("nowhere.feature")],
        tags: None,
        junit: None,
        json: None,
        html: None,
        shard: harness::shard::Shard::WHOLE,
        concurrency: 1,
        color: false,
    };
    let e = execute(&options, std::io::sink()).await.unwrap_err();
    assert!(e.to_string().contains("nowhere.feature"), "{e}");
}
