//! `features/README.md` documents exactly the step vocabulary of the code, with examples that
//! each match one step, and exactly the fault names the runner takes: the documentation
//! cannot drift from the runner.

use std::collections::BTreeSet;

use harness::scenario::default_features;
use harness::scenario::vocabulary::{Keyword, StepDef, definitions};
use mock_idp::catalog::catalog;

/// A documented phrase: `#### \`phrase\` (Given, When)`.
#[derive(Debug)]
struct Documented {
    phrase: String,
    keywords: Vec<String>,
}

fn readme() -> String {
    std::fs::read_to_string(default_features().join("README.md")).expect("features/README.md")
}

fn documented(text: &str) -> Vec<Documented> {
    text.lines()
        .filter_map(|l| l.strip_prefix("#### `"))
        .map(|rest| {
            let (phrase, after) = rest
                .split_once("` (")
                .expect("a heading `phrase` (keywords)");
            Documented {
                phrase: phrase.to_owned(),
                keywords: after
                    .trim_end_matches(')')
                    .split(", ")
                    .map(str::to_owned)
                    .collect(),
            }
        })
        .collect()
}

fn keyword(word: &str) -> Option<Keyword> {
    match word {
        "Given" => Some(Keyword::Given),
        "When" => Some(Keyword::When),
        "Then" => Some(Keyword::Then),
        _ => None,
    }
}

/// A step line of a README `gherkin` block, `And` / `But` resolved, and whether a data table
/// follows it.
#[derive(Debug, PartialEq, Eq)]
struct Example {
    keyword: Keyword,
    text: String,
    table: bool,
}

/// The step lines of the README's `gherkin` blocks.
fn examples(text: &str) -> Vec<Example> {
    let mut out: Vec<Example> = Vec::new();
    let mut inside = false;
    let mut last = None;
    for line in text.lines() {
        let t = line.trim();
        if inside && t.starts_with('|') {
            if let Some(e) = out.last_mut() {
                e.table = true;
            }
            continue;
        }
        if t.starts_with("```") {
            inside = t == "```gherkin";
            last = None;
            continue;
        }
        if !inside {
            continue;
        }
        let Some((word, rest)) = t.split_once(' ') else {
            continue;
        };
        let kw = match word {
            "And" | "But" => last,
            w => keyword(w),
        };
        if let Some(keyword) = kw {
            last = Some(keyword);
            out.push(Example {
                keyword,
                text: rest.to_owned(),
                table: false,
            });
        }
    }
    out
}

fn matching<'d>(defs: &'d [StepDef], kw: Keyword, text: &str) -> Vec<&'d StepDef> {
    defs.iter().filter(|d| d.matches(kw, text)).collect()
}

#[test]
fn every_phrase_of_the_code_is_documented_with_its_keywords_and_no_other() {
    let defs = definitions();
    let docs = documented(&readme());
    for d in &defs {
        let doc = docs
            .iter()
            .find(|x| x.phrase == d.phrase)
            .unwrap_or_else(|| panic!("features/README.md lacks the phrase `{}`", d.phrase));
        let kws: Vec<String> = d.keywords.iter().map(|k| k.as_str().to_owned()).collect();
        assert_eq!(doc.keywords, kws, "keywords of `{}`", d.phrase);
    }
    let code: BTreeSet<&str> = defs.iter().map(|d| d.phrase).collect();
    for doc in &docs {
        assert!(
            code.contains(doc.phrase.as_str()),
            "features/README.md documents `{}`, which no step has",
            doc.phrase
        );
    }
}

#[test]
fn every_example_matches_exactly_one_step_and_every_step_has_one() {
    let defs = definitions();
    let examples = examples(&readme());
    let mut covered = BTreeSet::new();
    for e in &examples {
        let found = matching(&defs, e.keyword, &e.text);
        let phrases: Vec<&str> = found.iter().map(|d| d.phrase).collect();
        assert_eq!(
            found.len(),
            1,
            "the README example `{} {}` matches {phrases:?}",
            e.keyword.as_str(),
            e.text
        );
        assert_eq!(
            found[0].table, e.table,
            "the README example `{}` and its step disagree on a data table",
            e.text
        );
        covered.insert(found[0].phrase);
    }
    for d in &defs {
        assert!(
            covered.contains(d.phrase),
            "features/README.md has no example of `{}`",
            d.phrase
        );
    }
}

#[test]
fn phrases_are_distinct_and_placeholders_become_patterns() {
    let defs = definitions();
    let phrases: BTreeSet<&str> = defs.iter().map(|d| d.phrase).collect();
    assert_eq!(phrases.len(), defs.len(), "a phrase is defined twice");
    let d = defs
        .iter()
        .find(|d| d.phrase.starts_with("automatic binding"))
        .expect("the binding switch");
    assert!(d.matches(Keyword::Given, "automatic binding of users is on"));
    assert!(!d.matches(Keyword::Given, "automatic binding of users is maybe"));
    assert!(!d.matches(Keyword::Then, "automatic binding of users is on"));
}

#[test]
fn the_example_parser_resolves_and_and_sees_tables() {
    let text = "```gherkin\nGiven a\nAnd b\n  | x |\nThen c\n```\nGiven outside\n";
    let example = |keyword, text: &str, table| Example {
        keyword,
        text: text.to_owned(),
        table,
    };
    assert_eq!(
        examples(text),
        [
            example(Keyword::Given, "a", false),
            example(Keyword::Given, "b", true),
            example(Keyword::Then, "c", false)
        ]
    );
}

/// The backticked names of the list items in the README's section `heading`.
fn listed_in(text: &str, heading: &str) -> BTreeSet<String> {
    let section = text
        .split(&format!("\n## {heading}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("features/README.md lacks a `## {heading}` section"))
        .split("\n## ")
        .next()
        .unwrap_or_default();
    section
        .lines()
        .filter(|l| l.starts_with("- "))
        .flat_map(|l| l.split('`').skip(1).step_by(2))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_fault_names_are_the_catalog_s() {
    let documented = listed_in(&readme(), "Fault names");
    let catalog: BTreeSet<String> = catalog().into_iter().map(|e| e.name).collect();
    let missing: Vec<&String> = catalog.difference(&documented).collect();
    let stale: Vec<&String> = documented.difference(&catalog).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "features/README.md (## Fault names) lacks {missing:?} and lists {stale:?}, which the catalog does not have"
    );
}

#[test]
fn the_endpoint_names_are_the_mock_idp_s() {
    let documented = listed_in(&readme(), "Endpoint names");
    // The mock IdP's refusal of an unknown name lists every endpoint it has.
    let refusal = ""
        .parse::<mock_idp::Endpoint>()
        .expect_err("no endpoint")
        .to_string();
    let known: BTreeSet<String> = refusal
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(names, _)| names.split(", ").map(str::to_owned).collect())
        .unwrap_or_default();
    for name in &known {
        assert!(
            name.parse::<mock_idp::Endpoint>().is_ok(),
            "{name} from {refusal}"
        );
    }
    assert!(known.len() >= 7, "{refusal}");
    assert_eq!(
        documented, known,
        "features/README.md (## Endpoint names) against the mock IdP's {refusal}"
    );
}
