//! Plays every catalog entry × configured flow against the application: reset faults,
//! inject one for the application's client, drive the headless browser from the sign-in
//! URL, then judge the outcome from the success signal and the IdP's request log.

use std::time::{Duration, Instant};

use mock_idp::agent::{Landing, UserAgent};
use mock_idp::catalog::{CatalogEntry, Expect, FlowKind, Group, Setup};
use mock_idp::{Alg, Fault, FaultRule};
use url::Url;

use super::config::{CheckConfig, Flow, SuccessSection, fill};
use super::idp::Idp;
use super::report::{BASELINE, Calls, Cell, Observed, Status};

/// What the run covers besides the configuration.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only these faults (every applicable one when empty); baselines always run.
    pub only: Vec<String>,
    /// Only these flows (every configured one when empty).
    pub flows: Vec<FlowKind>,
}

/// Which calls a correct application does not make after the fault, following the OpenID
/// Foundation's black-box rule: after a rejected ID token from the authorization endpoint
/// no token call, after any rejected ID token no userinfo call. A rejected authorization
/// response (wrong `state`, an error) must not be redeemed either.
fn forbidden(entry: &CatalogEntry, flow: FlowKind) -> (bool, bool) {
    if entry.expect != Expect::Reject {
        return (false, false);
    }
    let bad_id_token = matches!(
        entry.group,
        Group::IdTokenClaims | Group::Signature | Group::Hashes
    );
    if bad_id_token {
        (flow.front_channel_id_token(), true)
    } else if matches!(entry.group, Group::Hybrid) {
        // The inconsistent token is the token endpoint's: redeeming the code is fine.
        (false, true)
    } else if matches!(entry.group, Group::AuthorizationResponse) {
        (true, true)
    } else {
        (false, false)
    }
}

/// The group's snake_case name, as the catalog serialises it.
fn group_name(group: Group) -> String {
    match serde_json::to_value(group) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{group:?}"),
    }
}

/// What a cell arranges besides injecting its fault.
#[derive(Debug, Default)]
struct Arrangement {
    /// Where the browser starts.
    url: String,
    /// Faults injected beside the entry's own, for the same client.
    extra_faults: Vec<Fault>,
    /// Register the client with this ID-token algorithm for the cell.
    client_alg: Option<Alg>,
    /// Sign in once without the fault first; only the second sign-in is judged.
    warm_up: bool,
}

/// How to arrange a cell, or why a black-box run cannot: the runner drives the browser and
/// the mock IdP, never the application's own settings.
fn arrange(
    setup: Setup,
    fault: Option<&Fault>,
    flow: &Flow,
    cfg: &CheckConfig,
    may_register: bool,
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
        Setup::Es256 if !may_register => Err(
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
        Setup::Discovery => Err("needs the application configured again from the discovery document after the fault is injected; a black-box run cannot reconfigure it".to_owned()),
        Setup::Refresh => Err("needs the application to refresh its tokens after the sign-in; a black-box run cannot make it".to_owned()),
        // Entra-flavoured setups, and setups added to the catalog after this runner.
        other => Err(format!(
            "setup \"{}\" ({}) needs the application configured for it; a black-box run cannot arrange it",
            other.as_str(),
            other.describe()
        )),
    }
}

/// What one browser journey showed.
struct Play {
    observed: Observed,
    missing: Vec<String>,
    landing: Option<Landing>,
    app_error: Option<String>,
    calls: Calls,
    sent_max_age: bool,
}

/// Drives the application and the IdP through the cells.
#[derive(Debug)]
pub struct Runner<'a> {
    /// The configuration.
    pub cfg: &'a CheckConfig,
    /// The IdP.
    pub idp: &'a Idp,
}

impl Runner<'_> {
    /// Runs every selected cell, flow by flow, baseline first.
    pub async fn run(
        &self,
        flows: &[Flow],
        entries: &[CatalogEntry],
        sel: &Selection,
    ) -> anyhow::Result<Vec<Cell>> {
        let mut cells = Vec::new();
        for flow in flows
            .iter()
            .filter(|f| sel.flows.is_empty() || sel.flows.contains(&f.kind))
        {
            let plain = arrange(Setup::None, None, flow, self.cfg, false)
                .map_err(|why| anyhow::anyhow!("baseline of {}: {why}", flow.kind))?;
            let baseline = self.cell(flow, None, &plain).await?;
            let baseline_ok = baseline.status == Status::Pass;
            cells.push(baseline);
            for entry in entries.iter().filter(|e| {
                e.applies_to(flow.kind) && (sel.only.is_empty() || sel.only.contains(&e.name))
            }) {
                let group = group_name(entry.group);
                let cell = if !baseline_ok {
                    Cell::not_run(
                        &entry.name,
                        flow.kind,
                        group,
                        entry.expect,
                        Status::NotMeaningful,
                        format!("the {} baseline failed", flow.kind),
                    )
                } else {
                    let may_register = self.idp.may_register();
                    match arrange(
                        entry.setup,
                        Some(&entry.fault),
                        flow,
                        self.cfg,
                        may_register,
                    ) {
                        Ok(arrangement) => self.cell(flow, Some(entry), &arrangement).await?,
                        Err(reason) => Cell::not_run(
                            &entry.name,
                            flow.kind,
                            group,
                            entry.expect,
                            Status::Skipped,
                            reason,
                        ),
                    }
                };
                cells.push(Cell {
                    mirrors: entry.mirrors.map(str::to_owned),
                    note: entry.note.map(str::to_owned),
                    ..cell
                });
            }
        }
        self.idp.reset_faults().await?;
        Ok(cells)
    }

    async fn cell(
        &self,
        flow: &Flow,
        entry: Option<&CatalogEntry>,
        arrangement: &Arrangement,
    ) -> anyhow::Result<Cell> {
        let started = Instant::now();
        let fault = entry.map_or(BASELINE, |e| e.name.as_str());
        tracing::debug!(fault, flow = %flow.kind, "cell");
        let client = &self.cfg.client;
        self.idp.reset_faults().await?;
        if arrangement.client_alg.is_some() {
            self.idp.register(client, arrangement.client_alg).await?;
        }
        if arrangement.warm_up {
            self.play(flow, &arrangement.url).await?;
        }
        let faults = entry.map(|e| &e.fault).into_iter();
        for fault in faults.chain(&arrangement.extra_faults) {
            self.idp.inject(rule(fault, &client.client_id)).await?;
        }
        let play = self.play(flow, &arrangement.url).await?;
        if arrangement.client_alg.is_some() {
            self.idp.register(client, None).await?;
        }
        let expected = entry.map_or(Expect::Accept, |e| e.expect);
        let (no_token, no_userinfo) = entry.map_or((false, false), |e| forbidden(e, flow.kind));
        let mut forbidden_calls = Vec::new();
        if no_token && play.calls.token > 0 {
            forbidden_calls.push("token".to_owned());
        }
        if no_userinfo && play.calls.userinfo > 0 {
            forbidden_calls.push("userinfo".to_owned());
        }
        let mut reasons = Vec::new();
        if !play.observed.matches(expected) {
            match play.observed {
                Observed::Accepted => reasons.push("the application signed the user in".into()),
                Observed::Rejected => {
                    reasons.push(format!("no success signal: {}", play.missing.join("; ")))
                }
            }
        }
        if !forbidden_calls.is_empty() {
            reasons.push(format!(
                "called {} after a rejected response",
                forbidden_calls.join(" and ")
            ));
        }
        if entry.is_some_and(|e| e.setup == Setup::MaxAge) && !play.sent_max_age {
            reasons.push("the authorization request carried no max_age".into());
        }
        let status = if reasons.is_empty() {
            Status::Pass
        } else {
            Status::Fail
        };
        Ok(Cell {
            name: format!("{fault}::{}", flow.kind),
            fault: fault.to_owned(),
            flow: flow.kind,
            group: entry.map_or(BASELINE.to_owned(), |e| group_name(e.group)),
            mirrors: None,
            note: None,
            expected,
            observed: Some(play.observed),
            status,
            calls: play.calls,
            forbidden_calls,
            landing_status: play.landing.as_ref().map(|l| l.status),
            landing_url: play.landing.as_ref().map(|l| {
                let mut u = l.url.clone();
                u.set_query(None);
                u.to_string()
            }),
            app_error: play.app_error,
            reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
    }

    async fn play(&self, flow: &Flow, url: &str) -> anyhow::Result<Play> {
        let mark = self.idp.requests().await?.last().map_or(0, |r| r.id);
        let agent = UserAgent::new();
        let limit = Duration::from_secs(self.cfg.cell_timeout_secs);
        let journey = async {
            let landing = agent.navigate(url).await?;
            // An application that does not pass login_hint on gets the IdP's login page.
            if landing.is_login_page() {
                agent.log_in(&landing, &self.cfg.login_hint, None).await
            } else {
                Ok(landing)
            }
        };
        let landing = match tokio::time::timeout(limit, journey).await {
            Ok(l) => l.map_err(|e| e.to_string()),
            Err(_) => Err(format!(
                "no page within {}s (cell_timeout_secs)",
                limit.as_secs()
            )),
        };
        let (observed, missing, landing, app_error) = match landing {
            Ok(l) => {
                let missing = self
                    .missing_signals(&flow.section.success, &agent, &l, url)
                    .await;
                let observed = if missing.is_empty() {
                    Observed::Accepted
                } else {
                    Observed::Rejected
                };
                let app_error = l.element_text(&self.cfg.error_element);
                (observed, missing, Some(l), app_error)
            }
            Err(e) => (
                Observed::Rejected,
                vec![format!("the browser stopped: {e}")],
                None,
                None,
            ),
        };
        if self.cfg.settle_millis > 0 {
            tokio::time::sleep(Duration::from_millis(self.cfg.settle_millis)).await;
        }
        let after: Vec<_> = self
            .idp
            .requests()
            .await?
            .into_iter()
            .filter(|r| r.id > mark)
            .collect();
        let count = |name: &str| {
            after
                .iter()
                .filter(|r| r.endpoint.as_deref() == Some(name))
                .count()
        };
        let sent_max_age = after.iter().any(|r| {
            r.endpoint.as_deref() == Some("authorize") && r.params.contains_key("max_age")
        });
        Ok(Play {
            observed,
            missing,
            landing,
            app_error,
            calls: Calls {
                token: count("token"),
                userinfo: count("userinfo"),
            },
            sent_max_age,
        })
    }

    /// The success signals not seen, each saying what was expected and what was found.
    async fn missing_signals(
        &self,
        s: &SuccessSection,
        agent: &UserAgent,
        landing: &Landing,
        signin_url: &str,
    ) -> Vec<String> {
        let mut missing = Vec::new();
        if let Some(want) = s.status
            && landing.status != want
        {
            missing.push(format!(
                "expected landing status {want}, found {}",
                landing.status
            ));
        }
        if let Some(want) = &s.url {
            let reached = if want.starts_with('/') {
                landing.url.path().starts_with(want.as_str())
            } else {
                landing.url.as_str().starts_with(want.as_str())
            };
            if !reached {
                missing.push(format!(
                    "expected to land on {want}, found {}",
                    landing.url.path()
                ));
            }
        }
        if let Some(name) = &s.cookie {
            let held = Url::parse(signin_url)
                .map(|u| agent.cookie_names(&u))
                .unwrap_or_default();
            if !held.contains(name) {
                missing.push(format!(
                    "expected cookie {name}, found [{}]",
                    held.join(", ")
                ));
            }
        }
        if let Some(probe) = &s.json
            && let Err(why) = json_probe(agent, &probe.url, &probe.pointer).await
        {
            missing.push(why);
        }
        missing
    }
}

fn rule(fault: &Fault, client_id: &str) -> FaultRule {
    FaultRule::new(fault.clone()).for_client(client_id)
}

async fn json_probe(agent: &UserAgent, url: &str, pointer: &str) -> Result<(), String> {
    let page = agent
        .navigate(url)
        .await
        .map_err(|e| format!("expected JSON from {url}, found an error: {e}"))?;
    if !(200..300).contains(&page.status) {
        return Err(format!(
            "expected 2xx JSON from {url}, found status {}",
            page.status
        ));
    }
    let value: serde_json::Value = serde_json::from_str(&page.body)
        .map_err(|e| format!("expected JSON from {url}, found unparsable text ({e})"))?;
    match value.pointer(pointer) {
        Some(v) if !v.is_null() => Ok(()),
        _ => Err(format!(
            "expected a value at {pointer} in {url}, found none"
        )),
    }
}
