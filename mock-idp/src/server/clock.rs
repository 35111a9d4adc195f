//! The controllable clock: every `iat`, `exp`, `auth_time`, and every code and token expiry
//! reads it, so tests can set, freeze and advance time instead of sleeping.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// A clock shared by every tenant of one server.
///
/// It moves the IdP's time only: the `iat`, `exp` and `auth_time` it writes, and the
/// expiry of codes and tokens it checks. Your application keeps reading its own clock. So
/// to see your application refuse an expired ID token, move the IdP's clock *back* by more
/// than the ID-token lifetime (an hour by default, see [`crate::Lifetimes`]): the token is
/// then born expired by the application's clock. Moving the IdP forward makes tokens the
/// application finds issued in the future.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let idp = mock_idp::MockIdp::start().await;
/// idp.clock().advance(-2 * 3600); // tokens minted now expired an hour ago
/// idp.clock().reset();            // back to the system clock, unfrozen
/// # }
/// ```
#[derive(Debug, Default)]
pub struct Clock {
    state: Mutex<ClockState>,
}

#[derive(Debug, Clone, Copy, Default)]
struct ClockState {
    offset: i64,
    frozen: Option<i64>,
}

/// What the clock reads and how it is set, as the admin API shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockStatus {
    /// Seconds since the Unix epoch, as the server sees them.
    pub now: i64,
    /// Whether time stands still.
    pub frozen: bool,
    /// Seconds the clock is ahead of the system clock.
    pub offset: i64,
}

fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

impl Clock {
    fn with<R>(&self, f: impl FnOnce(&mut ClockState) -> R) -> R {
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// Seconds since the Unix epoch.
    pub fn now(&self) -> i64 {
        self.with(|s| s.frozen.unwrap_or_else(|| system_now() + s.offset))
    }

    /// Sets the time; a frozen clock stays frozen at the new time.
    pub fn set(&self, unix_seconds: i64) {
        self.with(|s| match s.frozen {
            Some(_) => s.frozen = Some(unix_seconds),
            None => s.offset = unix_seconds - system_now(),
        });
    }

    /// Stops time at its current reading.
    pub fn freeze(&self) {
        self.with(|s| {
            let now = s.frozen.unwrap_or_else(|| system_now() + s.offset);
            s.frozen = Some(now);
        });
    }

    /// Lets time run again from where it stood.
    pub fn unfreeze(&self) {
        self.with(|s| {
            if let Some(t) = s.frozen.take() {
                s.offset = t - system_now();
            }
        });
    }

    /// Moves time forward (or back, with a negative value).
    pub fn advance(&self, seconds: i64) {
        self.with(|s| match s.frozen.as_mut() {
            Some(t) => *t += seconds,
            None => s.offset += seconds,
        });
    }

    /// Back to the system clock: undoes [`Clock::set`] and [`Clock::advance`], and unfreezes.
    pub fn reset(&self) {
        self.with(|s| *s = ClockState::default());
    }

    /// The current reading and setting.
    pub fn status(&self) -> ClockStatus {
        self.with(|s| {
            let now = s.frozen.unwrap_or_else(|| system_now() + s.offset);
            ClockStatus {
                now,
                frozen: s.frozen.is_some(),
                offset: now - system_now(),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_advances_only_when_told() {
        let clock = Clock::default();
        clock.set(1_000_000);
        clock.freeze();
        assert_eq!(clock.now(), 1_000_000);
        clock.advance(90);
        assert_eq!(clock.now(), 1_000_090);
        clock.unfreeze();
        assert!((clock.now() - 1_000_090).abs() <= 1);
        clock.reset();
        assert!((clock.now() - system_now()).abs() <= 1);
    }
}
