//! The step a cell judges after a successful sign-in instead of the sign-in itself (a
//! refresh, or the same authorization response delivered again), and how a replay that
//! lands on a signed-in page is told apart: a new sign-in, or the session the application
//! already had.

use mock_idp::agent::{AgentError, Form, Landing, UserAgent};
use url::Url;

use super::report::Calls;

/// What a cell judges after a successful sign-in, instead of the sign-in itself.
#[derive(Debug, Clone, Copy)]
pub(super) enum SecondStep<'a> {
    /// POST to the application's refresh URL.
    Refresh(&'a str),
    /// The browser delivers the same authorization response again.
    Replay,
}

impl SecondStep<'_> {
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Refresh(_) => "refresh",
            Self::Replay => "replay",
        }
    }

    /// Takes the step in the browser that signed in and landed on `signed_in`.
    pub(super) async fn take(
        self,
        agent: &UserAgent,
        signed_in: &Landing,
    ) -> Result<Landing, AgentError> {
        match self {
            Self::Refresh(target) => {
                let form = Form {
                    id: None,
                    method: "post".into(),
                    action: target.to_owned(),
                    fields: Vec::new(),
                };
                agent.submit(signed_in, &form, &[]).await
            }
            Self::Replay => agent.deliver_again().await,
        }
    }
}

/// The session a replay could replace, as the browser holds it for the application's site:
/// the success cookie when the configuration names one, otherwise every cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Session {
    cookies: Vec<(String, String)>,
    /// The success cookie, when only it is compared.
    named: Option<String>,
}

impl Session {
    /// The session `agent` holds for the site of `signin_url`.
    pub(super) fn held(agent: &UserAgent, signin_url: &str, cookie: Option<&str>) -> Self {
        let mut cookies = Url::parse(signin_url)
            .map(|u| agent.cookies(&u))
            .unwrap_or_default();
        if let Some(name) = cookie {
            cookies.retain(|(n, _)| n == name);
        }
        cookies.sort();
        Self {
            cookies,
            named: cookie.map(str::to_owned),
        }
    }

    /// What is compared, in words: names only, since cookie values are session secrets.
    fn described(&self) -> String {
        match &self.named {
            Some(name) => format!("its session cookie {name}"),
            None => {
                let names: Vec<&str> = self.cookies.iter().map(|(n, _)| n.as_str()).collect();
                format!("its cookies [{}]", names.join(", "))
            }
        }
    }

    /// The cookies set, removed or given another value since `self`, by name.
    fn changed_in(&self, after: &Self) -> Vec<String> {
        let mut names: Vec<String> = self
            .cookies
            .iter()
            .filter(|c| !after.cookies.contains(c))
            .chain(after.cookies.iter().filter(|c| !self.cookies.contains(c)))
            .map(|(n, _)| n.clone())
            .collect();
        names.dedup();
        names
    }
}

/// What a replay that landed on a signed-in page did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ReplayOutcome {
    /// It signed the user in again: the calls or the session show it, in words.
    SignedInAnew(String),
    /// It recognised the response and kept the session it had (RFC 6749 §10.5 is met: the
    /// response was not used), in words.
    KeptSession(String),
    /// It set the response aside and signed in through a new authorization request (the
    /// provider's session answered it at once), in words.
    StartedOver(String),
}

impl ReplayOutcome {
    /// Whether the replayed response itself was used.
    pub(super) fn used_the_response(&self) -> bool {
        matches!(self, Self::SignedInAnew(_))
    }

    /// What the replay did, in words.
    pub(super) fn detail(&self) -> &str {
        match self {
            Self::SignedInAnew(why) | Self::KeptSession(why) | Self::StartedOver(why) => why,
        }
    }
}

/// Judges a replay that landed signed in: after a new authorization request (`authorize`),
/// whatever follows belongs to that request; otherwise a token or userinfo call during it, or
/// a session cookie it set anew, is a new sign-in from the replayed response, and nothing of
/// that is the session the first sign-in left.
pub(super) fn judge_replay(
    before: &Session,
    after: &Session,
    calls: Calls,
    authorize: usize,
) -> ReplayOutcome {
    if authorize > 0 {
        return ReplayOutcome::StartedOver(
            "set the replayed response aside and signed in through a new authorization request"
                .to_owned(),
        );
    }
    let mut anew = Vec::new();
    if calls.token > 0 {
        anew.push(format!("{} token call(s)", calls.token));
    }
    if calls.userinfo > 0 {
        anew.push(format!("{} userinfo call(s)", calls.userinfo));
    }
    let changed = before.changed_in(after);
    if !changed.is_empty() {
        anew.push(format!("new session cookie(s) [{}]", changed.join(", ")));
    }
    if anew.is_empty() {
        ReplayOutcome::KeptSession(format!(
            "kept the session it had: the replay landed signed in, redeemed nothing (no token or \
             userinfo call) and left {} unchanged",
            before.described()
        ))
    } else {
        ReplayOutcome::SignedInAnew(format!(
            "the replay signed the user in anew: {}",
            anew.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(cookies: &[(&str, &str)], named: Option<&str>) -> Session {
        Session {
            cookies: cookies
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            named: named.map(str::to_owned),
        }
    }

    #[test]
    fn an_unchanged_session_without_calls_was_kept() {
        let s = session(&[("sid", "1")], Some("sid"));
        let outcome = judge_replay(&s, &s.clone(), Calls::default(), 0);
        assert_eq!(
            outcome,
            ReplayOutcome::KeptSession(
                "kept the session it had: the replay landed signed in, redeemed nothing (no \
                 token or userinfo call) and left its session cookie sid unchanged"
                    .into()
            )
        );
    }

    #[test]
    fn a_new_cookie_value_or_a_call_is_a_new_sign_in_and_no_value_is_shown() {
        let before = session(&[("a", "1"), ("sid", "secret-1")], None);
        let after = session(&[("a", "1"), ("sid", "secret-2")], None);
        let calls = Calls {
            token: 1,
            userinfo: 0,
        };
        let ReplayOutcome::SignedInAnew(why) = judge_replay(&before, &after, calls, 0) else {
            panic!("a new sign-in");
        };
        assert_eq!(
            why,
            "the replay signed the user in anew: 1 token call(s), new session cookie(s) [sid]"
        );
        let calls_only = judge_replay(&before, &before, calls, 0);
        assert!(matches!(calls_only, ReplayOutcome::SignedInAnew(_)));
        let dropped = session(&[("a", "1")], None);
        assert!(matches!(
            judge_replay(&before, &dropped, Calls::default(), 0),
            ReplayOutcome::SignedInAnew(_)
        ));
        // A new authorization request owns the calls and the cookie that follow it.
        let over = judge_replay(&before, &after, calls, 1);
        assert!(matches!(over, ReplayOutcome::StartedOver(_)), "{over:?}");
        assert!(!over.used_the_response());
    }
}
