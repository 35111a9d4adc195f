//! Snapshots of the two HTML reports, built from fixed in-memory results (no times, ports or
//! paths in them): the `harness check --html` matrix and the `harness run --html` summary;
//! and that text from the application cannot become markup in either.

use harness::check::html;
use harness::check::pacing::Pacing;
use harness::check::report::{Calls, Cell, Observed, Report, Status};
use harness::scenario::html_report::{self, FeatureRun, Outcome, RunReport, ScenarioRun, StepRun};
use mock_idp::catalog::{Expect, FlowKind};

const HOSTILE: &str = "<script>alert('x')</script>";

fn cell(fault: &str, group: &str, flow: FlowKind, status: Status) -> Cell {
    let expected = if fault == "baseline" {
        Expect::Accept
    } else {
        Expect::Reject
    };
    let mut c = Cell::not_run(
        fault,
        flow,
        group.to_owned(),
        expected,
        status,
        String::new(),
    );
    c.reason = None;
    c
}

fn matrix() -> Report {
    let code = FlowKind::AuthorizationCode;
    let implicit = FlowKind::ImplicitFragment;
    let mut cells = Vec::new();
    for flow in [code, implicit] {
        let mut baseline = cell("baseline", "baseline", flow, Status::Pass);
        baseline.observed = Some(Observed::Accepted);
        baseline.landing_status = Some(200);
        baseline.landing_url = Some("http://127.0.0.1:8080/me".into());
        cells.push(baseline);
    }
    let mut pass = cell("aud_changed", "id_token_claims", code, Status::Pass);
    pass.observed = Some(Observed::Rejected);
    pass.app_error = Some("id_token.wrong_audience".into());
    pass.mirrors = Some("oidcc-client-test-invalid-aud".into());
    cells.push(pass);
    let mut fail = cell("aud_changed", "id_token_claims", implicit, Status::Fail);
    fail.observed = Some(Observed::Accepted);
    fail.calls = Calls {
        token: 0,
        userinfo: 1,
    };
    fail.forbidden_calls = vec!["userinfo".into()];
    fail.reason = Some("the application signed the user in".into());
    fail.app_error = Some(HOSTILE.into());
    cells.push(fail);
    let mut skipped = cell("exp_past", "id_token_claims", code, Status::Skipped);
    skipped.reason = Some("needs the application configured for it & more".into());
    cells.push(skipped);
    let mut advisory = cell("iat_future", "id_token_claims", implicit, Status::Advisory);
    advisory.expected = Expect::Either;
    advisory.observed = Some(Observed::Accepted);
    advisory.note = Some("the specification lets the client decide".into());
    cells.push(advisory);
    let mut pointless = cell("key_rotated", "signature", implicit, Status::NotMeaningful);
    pointless.reason = Some("the implicit_fragment baseline failed".into());
    cells.push(pointless);
    Report::new(
        "http://127.0.0.1:[port]".into(),
        "acme".into(),
        "web & \"co\"".into(),
        cells,
    )
    .paced(Pacing {
        per_minute: Some(10),
        key_fetch_cells: 4,
        waited_ms: 61_000,
    })
}

fn step(keyword: &str, text: &str, background: bool, outcome: Outcome) -> StepRun {
    StepRun {
        keyword: keyword.into(),
        text: text.into(),
        line: 7,
        background,
        outcome,
        error: None,
    }
}

fn run() -> RunReport {
    let given = step(
        "Given ",
        "the application has the roles \"viewer\"",
        true,
        Outcome::Passed,
    );
    let signs_in = step(
        "When ",
        "\"alice\" signs in through \"Acme\"",
        false,
        Outcome::Passed,
    );
    let mut failed_step = step(
        "Then ",
        "the sign-in is refused with \"id_token.wrong_audience\"",
        false,
        Outcome::Failed,
    );
    failed_step.error = Some(format!(
        "expected a refusal, found status 200 at /me {HOSTILE}"
    ));
    RunReport {
        features: vec![FeatureRun {
            name: "Sign-in <refusals>".into(),
            uri: Some("features/refusals.feature".into()),
            scenarios: vec![
                ScenarioRun {
                    name: "A sign-in that passes".into(),
                    line: 12,
                    tags: vec![],
                    steps: vec![given.clone(), signs_in.clone()],
                },
                ScenarioRun {
                    name: "A wrong audience".into(),
                    line: 17,
                    tags: vec!["oidcc-client-test-invalid-aud".into()],
                    steps: vec![
                        given.clone(),
                        signs_in.clone(),
                        failed_step,
                        step("And ", "nothing is stored", false, Outcome::Skipped),
                    ],
                },
                ScenarioRun {
                    name: "Not played".into(),
                    line: 30,
                    tags: vec![],
                    steps: vec![step("Given ", "a step", false, Outcome::Skipped)],
                },
            ],
        }],
    }
}

#[test]
fn the_check_matrix_page() {
    let page = html::page(&matrix());
    assert!(!page.contains(HOSTILE) && !page.contains("<script"));
    assert!(page.contains("<td class=\"advisory\"><details><summary>advisory</summary>"));
    assert!(page.contains("1 failed, 1 advisory"));
    assert!(page.contains("&lt;script&gt;"));
    assert!(
        !page.contains(" src=") && !page.contains("<link"),
        "self-contained"
    );
    insta::assert_snapshot!("check_matrix_html", page);
}

#[test]
fn the_run_summary_page_expands_failures() {
    let page = html_report::page(&run(), "harness run");
    assert!(!page.contains(HOSTILE) && !page.contains("<script"));
    assert_eq!(page.matches("<details class=\"failed\" open>").count(), 1);
    assert!(page.contains("<details class=\"passed\"><summary>"));
    assert!(page.contains("<span class=\"failed\">1 failed</span>"));
    insta::assert_snapshot!("run_summary_html", page);
}

#[test]
fn a_run_is_read_back_from_cucumber_json_with_backgrounds_folded_in() {
    let json = r#"[{"uri":"f.feature","keyword":"Feature","name":"F","tags":[],"elements":[
      {"id":"f/a","keyword":"Background","line":5,"name":"A","type":"background","tags":[],
       "steps":[{"keyword":"Given ","line":3,"name":"a background","result":{"status":"passed","duration":1}}]},
      {"id":"f/a","keyword":"Scenario","line":5,"name":"A","type":"scenario","tags":[{"name":"t","line":4}],
       "steps":[{"keyword":"Then ","line":6,"name":"it fails","result":{"status":"failed","duration":1,"error_message":"boom"}}]},
      {"id":"f/b","keyword":"Scenario","line":8,"name":"B","type":"scenario","tags":[],
       "steps":[{"keyword":"Then ","line":9,"name":"undefined","result":{"status":"undefined"}}]}]}]"#;
    let run = RunReport::from_cucumber_json(json).expect("cucumber json");
    let scenarios = &run.features[0].scenarios;
    assert_eq!(scenarios.len(), 2);
    assert_eq!(scenarios[0].steps.len(), 2);
    assert!(scenarios[0].steps[0].background);
    assert_eq!(scenarios[0].tags, ["t"]);
    assert_eq!(scenarios[0].outcome(), Outcome::Failed);
    assert_eq!(scenarios[0].steps[1].error.as_deref(), Some("boom"));
    assert_eq!(scenarios[1].outcome(), Outcome::Failed, "undefined fails");
    assert!(RunReport::from_cucumber_json("{\"not\": \"a run\"}").is_err());
}
