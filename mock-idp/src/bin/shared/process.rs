//! What the measuring binaries (`idp-bench`, `idp-soak`) need of the server process they spawn.

use std::process::Child;

/// Kills the child when dropped, so an early return never leaves a server behind.
pub struct Reaper(pub Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A kB figure of `/proc/{pid}/status`, e.g. `VmRSS` or `VmHWM`.
pub fn status_kb(pid: u32, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}
