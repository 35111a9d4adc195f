//! `features/README.md` lists every error code the relying party reports. The codes are
//! string literals spread over the relying party's error types (there is no list to import
//! yet), so this test reads the root package's `src/` the way a reviewer would: every
//! `"area.name"` literal outside tests, and every `format!` template such as
//! `"authorization.{error}"`. It fails when the README's code tables miss one, or list one
//! the source no longer has.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use harness::scenario::default_features;
use regex::Regex;

/// Literals that look like codes but name files or hosts.
const NOT_CODES: &[&str] = &[
    ".toml", ".pem", ".json", ".rs", ".md", ".com", ".test", ".example",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(path);
        }
    }
}

/// A template's placeholders all read `{}`, so the README may name them freely.
fn shape(code: &str) -> String {
    Regex::new(r"\{[^}]*\}")
        .expect("pattern")
        .replace_all(code, "{}")
        .into_owned()
}

/// The codes and templates of the relying party's source, tests left out.
fn codes_in_source() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let literal = Regex::new(r#""([a-z_{}]+\.[a-z_0-9{}]+)""#).expect("pattern");
    let mut codes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for m in literal.captures_iter(code) {
            let found = &m[1];
            let letters_outside_placeholders = shape(found).replace("{}", "");
            if NOT_CODES.iter().any(|end| found.ends_with(end))
                || !letters_outside_placeholders.contains(|c: char| c.is_ascii_lowercase())
            {
                continue;
            }
            codes.insert(shape(found));
        }
    }
    codes
}

/// The first column of the tables under `## Error codes`.
fn codes_in_readme() -> BTreeSet<String> {
    let text =
        std::fs::read_to_string(default_features().join("README.md")).expect("features/README.md");
    let section = text
        .split("\n## Error codes\n")
        .nth(1)
        .expect("an `## Error codes` section")
        .split("\n## ")
        .next()
        .unwrap_or_default();
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .map(shape)
        .collect()
}

#[test]
fn the_readme_lists_exactly_the_codes_of_the_relying_party() {
    let source = codes_in_source();
    let readme = codes_in_readme();
    assert!(source.len() > 100, "the scan found only {source:?}");
    let missing: Vec<&String> = source.difference(&readme).collect();
    let stale: Vec<&String> = readme.difference(&source).collect();
    assert!(
        missing.is_empty(),
        "features/README.md (## Error codes) lacks {missing:?}: add a row with its meaning"
    );
    assert!(
        stale.is_empty(),
        "features/README.md (## Error codes) lists {stale:?}, which the relying party's src/ no longer has"
    );
}

#[test]
fn templates_and_literals_are_read_as_codes_and_file_names_are_not() {
    assert_eq!(shape("response.missing_{p}"), "response.missing_{}");
    assert_eq!(shape("{endpoint}.unavailable"), "{}.unavailable");
    let source = codes_in_source();
    for code in [
        "authorization.{}",
        "{}.unavailable",
        "binding.no_user",
        "id_token.wrong_issuer",
    ] {
        assert!(source.contains(code), "{code} in {source:?}");
    }
    assert!(!source.iter().any(|c| c.ends_with(".toml") || c == "{}.{}"));
}
