//! The README's first screen promises two commands that work on a fresh clone: these tests
//! keep the promise from rotting when a crate gains a second binary or CI drifts.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The commands of the README's first shell block, without their comments.
fn first_screen_commands() -> Vec<String> {
    let readme = read(&root().join("README.md"));
    let block = readme
        .split("```sh")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README.md opens with a ```sh block");
    block
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

fn command(prefix: &str) -> String {
    let all = first_screen_commands();
    assert_eq!(
        all.len(),
        2,
        "expected exactly a run and a test command, found {all:?}"
    );
    all.into_iter()
        .find(|c| c.starts_with(prefix))
        .unwrap_or_else(|| panic!("expected a `{prefix}` command on the README's first screen"))
}

#[test]
fn the_run_command_needs_no_bin_flag() {
    let run = command("cargo run");
    let words: Vec<&str> = run.split_whitespace().collect();
    let package = words
        .iter()
        .position(|w| *w == "-p")
        .and_then(|i| words.get(i + 1))
        .expect("the run command names its package with -p");
    let dir = if *package == "relying-party" {
        root()
    } else {
        root().join(package)
    };
    let manifest: toml::Table = read(&dir.join("Cargo.toml"))
        .parse()
        .expect("Cargo.toml parses");
    let bins: Vec<&str> = manifest
        .get("bin")
        .and_then(|b| b.as_array())
        .map(|bins| {
            bins.iter()
                .filter_map(|b| b.get("name").and_then(|n| n.as_str()))
                .collect()
        })
        .unwrap_or_default();
    if bins.len() > 1 {
        let default = manifest["package"]
            .get("default-run")
            .and_then(|d| d.as_str());
        assert!(
            default.is_some_and(|d| bins.contains(&d)),
            "{package} has binaries {bins:?}: expected `default-run` naming one of them, found {default:?}"
        );
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let test = command("cargo test");
    let ci = read(&root().join(".ci/run"));
    assert!(
        ci.lines().any(|l| l.trim() == test),
        "expected .ci/run to run `{test}` as written in the README"
    );
}
