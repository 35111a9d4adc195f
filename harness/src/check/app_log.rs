//! The application's log file, sliced per cell: many applications show only a generic error
//! page, and the reason a sign-in was refused is in their log. With `log_file` in the
//! configuration, each cell carries the lines the application wrote while it ran.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The most of a cell's slice kept: its end, where the refusal is.
pub const MAX_SLICE_BYTES: u64 = 16 * 1024;

/// Where the log ends now: a cell's slice starts there (0 when there is no file yet).
pub fn mark(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// What the application wrote after `from`, at most [`MAX_SLICE_BYTES`] of its end; `None`
/// when it wrote nothing. A file that shrank was rotated or truncated: it is read from the
/// start.
pub fn slice(path: &Path, from: u64) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let start = if len < from { 0 } else { from };
    let start = start.max(len.saturating_sub(MAX_SLICE_BYTES));
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut bytes = Vec::new();
    file.take(MAX_SLICE_BYTES).read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    (!text.trim().is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_holds_what_was_written_since_the_mark_and_no_more_than_the_cap() {
        let path = std::env::temp_dir().join(format!("app-log-{}.log", std::process::id()));
        std::fs::write(&path, "before\n").unwrap();
        let at = mark(&path);
        assert_eq!(slice(&path, at), None, "nothing written yet");
        std::fs::write(&path, "before\nrefused: id_token.expired\n").unwrap();
        assert_eq!(
            slice(&path, at).as_deref(),
            Some("refused: id_token.expired\n")
        );
        // Shorter than the mark: rotated or truncated, so read whole.
        std::fs::write(&path, "new\n").unwrap();
        assert_eq!(slice(&path, at).as_deref(), Some("new\n"));
        std::fs::write(&path, "x".repeat(3 * MAX_SLICE_BYTES as usize)).unwrap();
        assert_eq!(
            slice(&path, 0).map(|s| s.len() as u64),
            Some(MAX_SLICE_BYTES)
        );
        std::fs::remove_file(&path).ok();
        assert_eq!(mark(&path), 0);
        assert_eq!(slice(&path, 0), None);
    }
}
