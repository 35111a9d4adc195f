//! `features/validation_errors.feature` covers every (fault, flow) cell of the fault catalog
//! with the catalog's expectation and the certification test's tag, and names no fault or
//! flow the catalog does not have: a new fault without a scenario fails the build.

use std::collections::BTreeMap;

use cucumber::gherkin::{Feature, GherkinEnv, Step};
use harness::scenario::default_features;
use harness::scenario::steps::provider::parse_flow;
use harness::scenario::vocabulary::compile;
use mock_idp::catalog::{Expect, FlowKind, catalog};

/// What one expanded scenario does.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ExpectedOutcome {
    Refused(String),
    Accepted,
}

/// One expanded scenario: the fault, the flow, the outcome and the tags.
#[derive(Debug, Clone)]
struct ExpandedScenario {
    fault: String,
    flow: FlowKind,
    outcome: ExpectedOutcome,
    tags: Vec<String>,
    name: String,
    steps: Vec<String>,
}

fn substitute(text: &str, header: &[String], row: &[String]) -> String {
    header
        .iter()
        .zip(row)
        .fold(text.to_owned(), |t, (h, v)| t.replace(&format!("<{h}>"), v))
}

/// The steps that arrange what a catalog setup asks for, by the setup's name: a scenario of
/// an entry with that setup must contain each phrase.
const SETUP_STEPS: &[(&str, &[&str])] = &[
    ("none", &[]),
    ("max_age", &["with max_age"]),
    (
        "es256",
        &[
            "accepts the signing algorithms \"ES256\"",
            "ID tokens with ES256",
        ],
    ),
    ("hs256", &["HS256\""]),
    ("sign_in_twice", &["signs in through"]),
    ("force_key_fetch", &["misbehaves with \"key_rotated\""]),
    ("discovery", &[]),
    ("discovery_tls", &["the identity provider serves https"]),
    (
        "refresh",
        &["asks for offline access", "refreshes the session"],
    ),
    (
        "replay",
        &["delivers the same authorization response again"],
    ),
    ("entra_common", &["multi-tenant endpoint"]),
    ("auth0_issuer", &["is an Auth0 provider"]),
    (
        "entra_groups",
        &["is a Microsoft Entra ID tenant", "role mapping rule rows:"],
    ),
    (
        "entra_email_binding",
        &[
            "is a Microsoft Entra ID tenant",
            "the internal users:",
            "binding rule rows:",
            "off with the user type",
        ],
    ),
];

/// Reads one expanded scenario; the last fault it injects is the one judged (earlier ones
/// arrange its setup).
fn cell(name: &str, steps: &[String], tags: Vec<String>) -> Option<ExpandedScenario> {
    let fault_re = compile("the identity provider misbehaves with \"{fault}\"");
    let flow_re = compile("provider \"{provider}\" uses the {flow}");
    let refused = [
        compile("the sign-in is refused with \"{code}\""),
        compile("the session refresh is refused with \"{code}\""),
        compile("the settings are refused because \"{code}\""),
    ];
    let accepted_re = regex::Regex::new("^(she|he|they) is signed in").expect("pattern");
    let mut fault = None;
    let mut flow = None;
    let mut outcome = None;
    for s in steps {
        if let Some(c) = fault_re.captures(s) {
            fault = Some(c[1].to_owned());
        }
        if let Some(c) = flow_re.captures(s) {
            flow = Some(parse_flow(&c[2]).expect("a flow the runner knows"));
        }
        if let Some(c) = refused.iter().find_map(|r| r.captures(s)) {
            outcome = Some(ExpectedOutcome::Refused(c[1].to_owned()));
        }
        if accepted_re.is_match(s) {
            outcome = Some(ExpectedOutcome::Accepted);
        }
    }
    Some(ExpandedScenario {
        fault: fault?,
        flow: flow?,
        outcome: outcome.unwrap_or_else(|| panic!("{name}: expected a refusal or a sign-in")),
        tags,
        name: name.to_owned(),
        steps: steps.to_vec(),
    })
}

fn cells() -> Vec<ExpandedScenario> {
    let path = default_features().join("validation_errors.feature");
    let feature = Feature::parse_path(&path, GherkinEnv::default()).expect("parses");
    let background: Vec<String> = feature
        .background
        .iter()
        .flat_map(|b| &b.steps)
        .map(|s: &Step| s.value.clone())
        .collect();
    let mut out = Vec::new();
    for scenario in &feature.scenarios {
        let own: Vec<String> = scenario.steps.iter().map(|s| s.value.clone()).collect();
        let all: Vec<String> = background.iter().chain(&own).cloned().collect();
        if scenario.examples.is_empty() {
            out.extend(cell(&scenario.name, &all, scenario.tags.clone()));
        }
        for examples in &scenario.examples {
            let Some((header, rows)) = examples.table.as_ref().and_then(|t| t.rows.split_first())
            else {
                continue;
            };
            for row in rows {
                let steps: Vec<String> = all.iter().map(|s| substitute(s, header, row)).collect();
                let tags = scenario
                    .tags
                    .iter()
                    .chain(&examples.tags)
                    .cloned()
                    .collect();
                out.extend(cell(&substitute(&scenario.name, header, row), &steps, tags));
            }
        }
    }
    out
}

#[test]
fn every_catalog_cell_has_a_scenario_with_its_expectation_and_tag() {
    let cells = cells();
    let mut missing = Vec::new();
    for entry in catalog() {
        for flow in &entry.flows {
            let found: Vec<&ExpandedScenario> = cells
                .iter()
                .filter(|c| c.fault == entry.name && c.flow == *flow)
                .collect();
            if found.is_empty() {
                missing.push(format!("{} in {flow}", entry.name));
                continue;
            }
            for c in found {
                match (entry.expect, &c.outcome) {
                    (Expect::Reject, ExpectedOutcome::Refused(code)) => {
                        assert!(!code.is_empty(), "{}: an empty error code", c.name);
                    }
                    (Expect::Accept, ExpectedOutcome::Accepted) => {}
                    // The client may decide: the scenario states what this application does.
                    (Expect::Either, ExpectedOutcome::Refused(code)) => {
                        assert!(!code.is_empty(), "{}: an empty error code", c.name);
                    }
                    (Expect::Either, ExpectedOutcome::Accepted) => {}
                    (expect, outcome) => {
                        panic!(
                            "{}: the catalog expects {expect:?}, found {outcome:?}",
                            c.name
                        )
                    }
                }
                let setup = serde_json::to_value(entry.setup).expect("a setup name");
                let setup = setup.as_str().unwrap_or_default();
                let (_, phrases) = SETUP_STEPS
                    .iter()
                    .find(|(name, _)| *name == setup)
                    .unwrap_or_else(|| {
                        panic!(
                            "the setup {setup} is new: add the steps that arrange it to SETUP_STEPS"
                        )
                    });
                for phrase in *phrases {
                    assert!(
                        c.steps.iter().any(|s| s.contains(phrase)),
                        "{}: the setup {setup} needs a step with `{phrase}`",
                        c.name
                    );
                }
                if let Some(test) = entry.mirrors {
                    assert!(
                        c.tags.iter().any(|t| t == test),
                        "{}: expected the tag @{test}, found {:?}",
                        c.name,
                        c.tags
                    );
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "validation_errors.feature lacks a scenario for:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn every_scenario_names_a_catalog_cell() {
    let catalog: BTreeMap<String, Vec<FlowKind>> =
        catalog().into_iter().map(|e| (e.name, e.flows)).collect();
    for c in cells() {
        let flows = catalog
            .get(&c.fault)
            .unwrap_or_else(|| panic!("{}: \"{}\" is not in the catalog", c.name, c.fault));
        assert!(
            flows.contains(&c.flow),
            "{}: the catalog does not apply {} to the {}",
            c.name,
            c.fault,
            c.flow
        );
    }
}

#[test]
fn a_scenario_without_a_fault_is_not_a_cell() {
    let steps = vec!["provider \"Acme\" uses the hybrid flow with fragment".to_owned()];
    assert!(cell("plain", &steps, Vec::new()).is_none());
}
