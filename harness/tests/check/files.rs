//! Scratch files of a test: each test writes its configurations in a directory of its own.

use std::path::{Path, PathBuf};

/// A scratch directory under the target dir, unique per test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("harness-check-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

pub fn write(dir: &Path, file: &str, text: &str) -> PathBuf {
    let path = dir.join(file);
    std::fs::write(&path, text).expect("write config");
    path
}
