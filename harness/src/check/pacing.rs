//! Pacing the cells that make the application re-fetch the JWK Set: applications limit such
//! re-fetches (the reference relying party allows ten a minute per key set), and a cell run
//! past the limit would be refused for the limit, not for its fault. Before each such cell
//! the run waits until fewer than `jwks_refetch_per_minute` of them started in the last
//! minute.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::Serialize;

/// The window the application's limit counts in.
const WINDOW: Duration = Duration::from_secs(60);
/// Added to each wait, so that the application's own clock has surely let the oldest
/// re-fetch go.
const MARGIN: Duration = Duration::from_millis(500);

/// What pacing did over a run, for the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Pacing {
    /// The limit paced for (`jwks_refetch_per_minute`); absent when not configured.
    pub per_minute: Option<u32>,
    /// Cells that made the application fetch the JWK Set again.
    pub key_fetch_cells: usize,
    /// How long the run waited for them, in milliseconds.
    pub waited_ms: u64,
}

impl Pacing {
    /// One line for the table, or nothing when no cell re-fetched keys.
    pub fn line(&self) -> Option<String> {
        if self.key_fetch_cells == 0 {
            return None;
        }
        let cells = self.key_fetch_cells;
        Some(match self.per_minute {
            Some(n) => format!(
                "pacing: {cells} cells made the application fetch the JWK Set again; at most {n} a minute (jwks_refetch_per_minute), the run waited {} s for them",
                self.waited_ms.div_ceil(1000)
            ),
            None => format!(
                "pacing: off; {cells} cells made the application fetch the JWK Set again: if it limits re-fetches, set jwks_refetch_per_minute to its limit"
            ),
        })
    }
}

/// The start times of recent key-fetching cells, and the limit.
#[derive(Debug)]
pub struct KeyFetchPacer {
    per_minute: Option<u32>,
    started: VecDeque<Instant>,
    pacing: Pacing,
}

impl KeyFetchPacer {
    /// A pacer for `per_minute` re-fetches a minute (none: it only counts).
    pub fn new(per_minute: Option<u32>) -> Self {
        Self {
            per_minute,
            started: VecDeque::new(),
            pacing: Pacing {
                per_minute,
                ..Pacing::default()
            },
        }
    }

    /// How long to wait, at `now`, before a key-fetching cell may start.
    pub fn delay_at(&mut self, now: Instant) -> Duration {
        let Some(limit) = self.per_minute else {
            return Duration::ZERO;
        };
        while self
            .started
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW + MARGIN)
        {
            self.started.pop_front();
        }
        match self.started.front() {
            Some(oldest) if self.started.len() >= limit as usize => {
                (*oldest + WINDOW + MARGIN).saturating_duration_since(now)
            }
            _ => Duration::ZERO,
        }
    }

    /// Records that a key-fetching cell starts at `at` after waiting `waited`.
    pub fn started(&mut self, at: Instant, waited: Duration) {
        self.started.push_back(at);
        self.pacing.key_fetch_cells += 1;
        self.pacing.waited_ms += u64::try_from(waited.as_millis()).unwrap_or(u64::MAX);
    }

    /// Waits as long as the limit asks, then records the cell's start.
    pub async fn admit(&mut self) {
        let delay = self.delay_at(Instant::now());
        if !delay.is_zero() {
            tracing::info!(
                seconds = delay.as_secs(),
                "waiting for the application's JWK Set re-fetch limit (jwks_refetch_per_minute)"
            );
            tokio::time::sleep(delay).await;
        }
        self.started(Instant::now(), delay);
    }

    /// What pacing did so far.
    pub fn pacing(&self) -> Pacing {
        self.pacing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_limit_a_cell_waits_for_the_oldest_to_leave_the_minute() {
        let t0 = Instant::now();
        let mut pacer = KeyFetchPacer::new(Some(2));
        assert_eq!(pacer.delay_at(t0), Duration::ZERO);
        pacer.started(t0, Duration::ZERO);
        let t1 = t0 + Duration::from_secs(10);
        assert_eq!(pacer.delay_at(t1), Duration::ZERO);
        pacer.started(t1, Duration::ZERO);
        let t2 = t0 + Duration::from_secs(20);
        assert_eq!(pacer.delay_at(t2), Duration::from_secs(40) + MARGIN);
        let t3 = t0 + WINDOW + MARGIN;
        assert_eq!(
            pacer.delay_at(t3),
            Duration::ZERO,
            "the oldest left the window"
        );
        pacer.started(t3, Duration::from_secs(40) + MARGIN);
        let pacing = pacer.pacing();
        assert_eq!(pacing.key_fetch_cells, 3);
        assert_eq!(pacing.waited_ms, 40_500);
        assert!(pacing.line().is_some_and(|l| l.contains("waited 41 s")));
    }

    #[test]
    fn without_a_limit_nothing_waits_and_the_report_says_so() {
        let t0 = Instant::now();
        let mut pacer = KeyFetchPacer::new(None);
        for i in 0..100 {
            let at = t0 + Duration::from_millis(i);
            assert_eq!(pacer.delay_at(at), Duration::ZERO);
            pacer.started(at, Duration::ZERO);
        }
        assert!(
            pacer
                .pacing()
                .line()
                .is_some_and(|l| l.contains("pacing: off"))
        );
        assert_eq!(KeyFetchPacer::new(Some(10)).pacing().line(), None);
    }
}
