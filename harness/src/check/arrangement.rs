//! How a cell is arranged besides injecting its fault (where the browser starts, extra
//! faults, a warm-up sign-in, hooks, a second step), or why a black-box run cannot arrange
//! it: the runner drives the browser and the mock IdP, never the application's own settings.

use mock_idp::catalog::Setup;
use mock_idp::{Alg, Fault};

use super::config::{CheckConfig, FlowUnderTest, Hook, fill};
use super::second_step::SecondStep;

/// What a cell arranges besides injecting its fault.
#[derive(Debug, Default)]
pub(super) struct Arrangement {
    /// Where the browser starts.
    pub(super) url: String,
    /// Faults injected beside the entry's own, for the same client.
    pub(super) extra_faults: Vec<Fault>,
    /// Register the client with this ID-token algorithm for the cell.
    pub(super) client_alg: Option<Alg>,
    /// Sign in once without the fault first; only the second sign-in is judged.
    pub(super) warm_up: bool,
    /// Make the application take the (faulty) discovery document before signing in, and the
    /// fault-free one again after the cell.
    pub(super) reconfigure: Option<Hook>,
    /// After signing in, POST here to make the application refresh; only that is judged.
    pub(super) refresh_url: Option<String>,
    /// After signing in, deliver the same authorization response again; only that is
    /// judged.
    pub(super) replay: bool,
}

impl Arrangement {
    /// The judged step after a successful sign-in, if the arrangement has one.
    pub(super) fn second_step(&self) -> Option<SecondStep<'_>> {
        match (&self.refresh_url, self.replay) {
            (Some(url), _) => Some(SecondStep::Refresh(url)),
            (None, true) => Some(SecondStep::Replay),
            (None, false) => None,
        }
    }
}

/// What the mock IdP of the run allows a cell to arrange.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Reach {
    /// The run may register the client anew (for another ID-token algorithm).
    pub(super) may_register: bool,
    /// The IdP serves https.
    pub(super) https: bool,
    /// The flow's sign-ins run in Chromium.
    pub(super) in_chromium: bool,
    /// The tenant's issuer ends with a slash (an Auth0 tenant).
    pub(super) slashed_issuer: bool,
}

/// How to arrange a cell, or why a black-box run cannot: the runner drives the browser and
/// the mock IdP, never the application's own settings.
pub(super) fn arrange(
    setup: Setup,
    fault: Option<&Fault>,
    flow: &FlowUnderTest,
    cfg: &CheckConfig,
    reach: Reach,
) -> Result<Arrangement, String> {
    let plain = Arrangement {
        url: fill(&flow.section.signin_url, &cfg.login_hint, cfg.max_age),
        ..Arrangement::default()
    };
    match setup {
        Setup::None => Ok(plain),
        Setup::MaxAge => flow
            .section
            .signin_url_max_age
            .as_deref()
            .map(|t| Arrangement {
                url: fill(t, &cfg.login_hint, cfg.max_age),
                ..Arrangement::default()
            })
            .ok_or_else(|| {
                "needs the application to send max_age: set signin_url_max_age for this flow"
                    .to_owned()
            }),
        Setup::Es256 if !cfg.client.accepts("ES256") => Err(
            "needs an application that accepts ES256 ID tokens: add ES256 to client.id_token_algs"
                .to_owned(),
        ),
        Setup::Es256 if !reach.may_register => Err(
            "needs the client registered with ES256 ID tokens: set idp.external.register_client"
                .to_owned(),
        ),
        Setup::Es256 => Ok(Arrangement {
            client_alg: Some(Alg::ES256),
            ..plain
        }),
        Setup::Hs256 if cfg.client.client_secret.is_none() || !cfg.client.accepts("HS256") => {
            Err("needs a confidential client whose application accepts HS256 ID tokens: add HS256 to client.id_token_algs".to_owned())
        }
        Setup::Hs256 => Ok(plain),
        Setup::SignInTwice => Ok(Arrangement {
            warm_up: true,
            ..plain
        }),
        Setup::ForceKeyFetch => Ok(Arrangement {
            extra_faults: vec![Fault::KeyRotated]
                .into_iter()
                .filter(|f| Some(f) != fault)
                .collect(),
            ..plain
        }),
        Setup::DiscoveryTls if !reach.https => Err("needs the mock IdP serving https to an application that trusts it (`mock-idp --tls`, and idp.external.trust_certificate for this run); a black-box run cannot arrange it over plain http".to_owned()),
        Setup::Discovery | Setup::DiscoveryTls => flow
            .section
            .reconfigure
            .clone()
            .map(|hook| Arrangement {
                reconfigure: Some(hook),
                ..plain
            })
            .ok_or_else(|| "needs the application configured again from the discovery document after the fault is injected; a black-box run cannot reconfigure it without `reconfigure` for this flow".to_owned()),
        // The session of the first sign-in still holds its cookie and its JSON: only what the
        // replay's own landing page shows can judge it.
        Setup::Replay if flow.section.success.status.is_none() && flow.section.success.url.is_none() => Err("needs a success signal the landing page shows (success.status or success.url): after the first sign-in the session's cookie and JSON stay, whatever the replay does".to_owned()),
        Setup::Replay if reach.in_chromium => Err("the replay re-sends the response the headless agent captured; this flow's sign-ins run in Chromium, which does not capture it".to_owned()),
        Setup::Replay => Ok(Arrangement {
            replay: true,
            ..plain
        }),
        Setup::Refresh => flow
            .section
            .refresh_url
            .clone()
            .map(|url| Arrangement {
                refresh_url: Some(url),
                ..plain
            })
            .ok_or_else(|| "needs the application to refresh its tokens after the sign-in; a black-box run cannot make it without `refresh_url` for this flow".to_owned()),
        Setup::Auth0Issuer if !reach.slashed_issuer => Err("needs an application configured for a tenant whose issuer ends with a slash, as Auth0's do (flavour auth0): this tenant's issuer has none, so the fault would change nothing, and a black-box run cannot change the application's issuer".to_owned()),
        Setup::Auth0Issuer => Ok(plain),
        // Entra-flavoured setups, and setups added to the catalog after this runner.
        other => Err(format!(
            "setup \"{}\" ({}) needs the application configured for it; a black-box run cannot arrange it",
            other.as_str(),
            other.describe()
        )),
    }
}

/// Why `fault` cannot show in a flow whose application asks for `response_type`: what it
/// breaks is not in that response. Core §3.2.2.10: `at_hash` comes with an access token from
/// the authorization endpoint, none with `id_token` alone; §3.3.2.11: `c_hash` with a code
/// beside the ID token. The hybrid entries compare the two ID tokens of `code id_token`.
pub(super) fn absent_artefact(fault: &Fault, response_type: &str) -> Option<String> {
    let (needs, what): (&[&str], &str) = match fault {
        Fault::AtHashWrong | Fault::AtHashMissing => (
            &["id_token", "token"],
            "`at_hash`, which only an access token beside the ID token from the authorization endpoint carries",
        ),
        Fault::CHashWrong | Fault::CHashMissing => (
            &["id_token", "code"],
            "`c_hash`, which only a code beside the ID token from the authorization endpoint carries",
        ),
        Fault::HybridSubDiffers | Fault::HybridIssDiffers => (
            &["id_token", "code"],
            "an ID token from the authorization endpoint and another from the token endpoint",
        ),
        _ => return None,
    };
    let asked: Vec<&str> = response_type.split(' ').collect();
    (!needs.iter().all(|part| asked.contains(part))).then(|| {
        format!(
            "needs {what}; the application asks for response_type \"{response_type}\", which has none"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_the_response_type_does_not_carry_are_named() {
        let at = absent_artefact(&Fault::AtHashWrong, "id_token").expect("no access token");
        assert!(
            at.contains("`at_hash`") && at.contains("\"id_token\""),
            "{at}"
        );
        assert_eq!(
            absent_artefact(&Fault::AtHashMissing, "id_token token"),
            None
        );
        assert_eq!(
            absent_artefact(&Fault::AtHashMissing, "token id_token"),
            None
        );
        assert!(absent_artefact(&Fault::CHashMissing, "code token").is_some());
        assert!(absent_artefact(&Fault::HybridSubDiffers, "code token").is_some());
        assert_eq!(
            absent_artefact(&Fault::CHashWrong, "code id_token token"),
            None
        );
        assert_eq!(absent_artefact(&Fault::IssChanged, "id_token"), None);
    }
}
