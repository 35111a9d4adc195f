//! Sign-ins in progress, each found again by its `state` and bound to the browser that
//! started it: `/signin` gives the browser a random binding value in an HttpOnly cookie and
//! the attempt keeps only its SHA-256, so a response delivered by any other browser is
//! refused (RFC 6749 §10.12, OpenID Connect Core §3.1.2.1, RFC 9700 §4.7).
//!
//! The store is bounded: attempts expire after [`ATTEMPT_TTL`], and past [`MAX_ATTEMPTS`]
//! the oldest is dropped, so a client calling `/signin` in a loop costs a fixed amount of
//! memory and every insert stays O(1) (expired attempts are pruned from the front of an
//! arrival queue, never by scanning the table).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_lc_rs::digest::{SHA256, digest};

use crate::error::SignInError;
use crate::response_type::ResponseType;

/// How long a sign-in attempt may take before its state expires.
pub const ATTEMPT_TTL: Duration = Duration::from_secs(600);
/// How many sign-ins may be in progress at once.
pub const MAX_ATTEMPTS: usize = 10_000;

/// A sign-in in progress.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// Provider name.
    pub provider: String,
    pub(super) nonce: String,
    pub(super) pkce_verifier: Option<String>,
    pub(super) response_type: ResponseType,
    pub(super) max_age: Option<i64>,
    /// SHA-256 of the browser binding value: the value itself lives only in the cookie.
    browser: Vec<u8>,
    created: Instant,
    /// A delivery of the authorization response already claimed it: kept (within the
    /// store's bounds) so that a second delivery is named a replay.
    claimed: bool,
}

impl Attempt {
    pub(super) fn new(
        provider: &str,
        nonce: String,
        pkce_verifier: Option<String>,
        response_type: ResponseType,
        max_age: Option<i64>,
        browser_binding: &str,
    ) -> Self {
        Self {
            provider: provider.to_owned(),
            nonce,
            pkce_verifier,
            response_type,
            max_age,
            browser: digest(&SHA256, browser_binding.as_bytes())
                .as_ref()
                .to_vec(),
            created: Instant::now(),
            claimed: false,
        }
    }

    fn expired(&self) -> bool {
        self.created.elapsed() >= ATTEMPT_TTL
    }

    fn started_in(&self, browser_binding: Option<&str>) -> bool {
        browser_binding.is_some_and(|value| {
            aws_lc_rs::constant_time::verify_slices_are_equal(
                digest(&SHA256, value.as_bytes()).as_ref(),
                &self.browser,
            )
            .is_ok()
        })
    }
}

#[derive(Debug, Default)]
struct Pending {
    by_state: HashMap<String, Attempt>,
    /// States in the order they were issued; may name attempts already claimed.
    arrival: VecDeque<(Instant, String)>,
}

/// Sign-ins in progress; each `state` is single use, and a used one is remembered as such
/// until it expires or the cap pushes it out.
#[derive(Debug, Default)]
pub struct Attempts(Mutex<Pending>);

impl Attempts {
    pub(super) fn insert(&self, state: String, attempt: Attempt) {
        let mut pending = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let Pending { by_state, arrival } = &mut *pending;
        while let Some((created, oldest)) = arrival.front() {
            if created.elapsed() < ATTEMPT_TTL && arrival.len() < MAX_ATTEMPTS {
                break;
            }
            by_state.remove(oldest);
            arrival.pop_front();
        }
        arrival.push_back((attempt.created, state.clone()));
        by_state.insert(state, attempt);
    }

    /// The attempt `state` names, if it was started by the browser holding
    /// `browser_binding`; it is then used up. An attempt delivered by another browser stays
    /// for its own browser, so a forged delivery cannot cancel it either; one delivered
    /// again after it was used is refused as a replay.
    pub fn claim(
        &self,
        state: &str,
        browser_binding: Option<&str>,
    ) -> Result<Attempt, SignInError> {
        let mut pending = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let attempt = pending
            .by_state
            .get_mut(state)
            .filter(|a| !a.expired())
            .ok_or(SignInError::StateMismatch)?;
        if attempt.claimed {
            return Err(SignInError::Replayed);
        }
        if !attempt.started_in(browser_binding) {
            return Err(SignInError::BrowserMismatch {
                provider: attempt.provider.clone(),
            });
        }
        attempt.claimed = true;
        Ok(attempt.clone())
    }

    /// How many attempts are kept (claimed and expired ones may still count until pruned).
    pub fn len(&self) -> usize {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_state
            .len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(browser: &str) -> Attempt {
        let code = ResponseType::parse("code").expect("code");
        Attempt::new("Acme", "n".into(), None, code, None, browser)
    }

    #[test]
    fn only_the_starting_browser_claims_an_attempt_and_only_once() {
        let attempts = Attempts::default();
        attempts.insert("s1".into(), attempt("browser-a"));
        for other in [None, Some("browser-b"), Some("")] {
            let refused = attempts.claim("s1", other).unwrap_err();
            assert_eq!(refused.code(), "signin.browser_mismatch", "{other:?}");
        }
        assert_eq!(
            attempts.len(),
            1,
            "a forged delivery leaves the attempt in place"
        );
        let claimed = attempts
            .claim("s1", Some("browser-a"))
            .expect("same browser");
        assert_eq!(claimed.provider, "Acme");
        for browser in [Some("browser-a"), Some("browser-b"), None] {
            let again = attempts.claim("s1", browser).unwrap_err();
            assert_eq!(again.code(), "response.replayed", "{browser:?}");
        }
    }

    #[test]
    fn past_the_cap_the_oldest_attempt_goes() {
        let attempts = Attempts::default();
        for i in 0..=MAX_ATTEMPTS {
            attempts.insert(format!("s{i}"), attempt("b"));
        }
        assert_eq!(attempts.len(), MAX_ATTEMPTS);
        assert_eq!(
            attempts.claim("s0", Some("b")).unwrap_err().code(),
            "response.state_mismatch"
        );
        assert!(
            attempts
                .claim(&format!("s{MAX_ATTEMPTS}"), Some("b"))
                .is_ok()
        );
    }

    #[test]
    fn an_expired_attempt_is_refused_and_pruned() {
        let attempts = Attempts::default();
        let mut old = attempt("b");
        old.created = Instant::now()
            .checked_sub(ATTEMPT_TTL)
            .expect("the clock has run longer than the TTL");
        attempts.insert("old".into(), old);
        let refused = attempts.claim("old", Some("b")).unwrap_err();
        assert_eq!(refused.code(), "response.state_mismatch");
        attempts.insert("new".into(), attempt("b"));
        assert_eq!(attempts.len(), 1, "the expired one was pruned on insert");
    }
}
