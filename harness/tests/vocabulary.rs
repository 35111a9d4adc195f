//! `features/README.md` documents exactly the step vocabulary of the code, with examples that
//! each match one step: the documentation cannot drift from the runner.

use std::collections::BTreeSet;

use harness::scenario::default_features;
use harness::scenario::vocabulary::{Keyword, StepDef, definitions};

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

/// The step lines of the README's `gherkin` blocks, with `And` / `But` resolved.
fn examples(text: &str) -> Vec<(Keyword, String)> {
    let mut out = Vec::new();
    let mut inside = false;
    let mut last = None;
    for line in text.lines() {
        let t = line.trim();
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
        if let Some(kw) = kw {
            last = Some(kw);
            out.push((kw, rest.to_owned()));
        }
    }
    out
}

fn matching(defs: &[StepDef], kw: Keyword, text: &str) -> Vec<&'static str> {
    defs.iter()
        .filter(|d| d.matches(kw, text))
        .map(|d| d.phrase)
        .collect()
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
    for (kw, text) in &examples {
        let found = matching(&defs, *kw, text);
        assert_eq!(
            found.len(),
            1,
            "the README example `{} {text}` matches {found:?}",
            kw.as_str()
        );
        covered.insert(found[0]);
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
fn the_example_parser_resolves_and() {
    let text = "```gherkin\nGiven a\nAnd b\n  | x |\nThen c\n```\nGiven outside\n";
    assert_eq!(
        examples(text),
        [
            (Keyword::Given, "a".to_owned()),
            (Keyword::Given, "b".to_owned()),
            (Keyword::Then, "c".to_owned())
        ]
    );
}
