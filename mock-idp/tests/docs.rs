//! `docs/faults.md` cannot drift from the fault catalog: its generated part must equal
//! `mock_idp::catalog::markdown()`, which lists every entry with its name and the
//! certification test it mirrors.

use std::path::PathBuf;

const BEGIN: &str = "<!-- BEGIN GENERATED: catalog (mock_idp::catalog::markdown) -->\n";
const END: &str = "<!-- END GENERATED -->";

fn page() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/faults.md")
}

#[test]
fn the_faults_page_lists_the_catalog() {
    let text = std::fs::read_to_string(page()).expect("docs/faults.md");
    let start = text.find(BEGIN).expect("the BEGIN GENERATED marker") + BEGIN.len();
    let end = start + text[start..].find(END).expect("the END GENERATED marker");
    let generated = mock_idp::catalog::markdown();
    if text[start..end] == generated {
        return;
    }
    // Regenerating is a deliberate act, never done in CI.
    if std::env::var("UPDATE_FAULT_DOCS").is_ok() && std::env::var("CI").is_err() {
        let updated = format!("{}{generated}{}", &text[..start], &text[end..]);
        std::fs::write(page(), updated).expect("write docs/faults.md");
        return;
    }
    let missing: Vec<String> = mock_idp::catalog::catalog()
        .into_iter()
        .filter(|e| {
            !text[start..end].contains(&format!("| `{}` |", e.name))
                || e.mirrors.is_some_and(|m| !text[start..end].contains(m))
        })
        .map(|e| e.name)
        .collect();
    panic!(
        "docs/faults.md differs from the catalog (entries missing or changed: {missing:?}); \
         run `UPDATE_FAULT_DOCS=1 cargo test -p mock-idp --test docs` and commit the page"
    );
}
