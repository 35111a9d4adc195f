//! Plays every catalog entry × configured flow against the application: reset faults,
//! inject one for the application's client, drive the headless browser from the sign-in
//! URL, then judge the outcome from the success signal and the IdP's request log.

use std::time::{Duration, Instant};

use mock_idp::agent::{Landing, UserAgent};
use mock_idp::catalog::{CatalogEntry, Expect, FlowKind, Setup};
use mock_idp::sweep::{ForbiddenCalls, forbidden_call_reasons, group_name};
use mock_idp::{Endpoint, Fault, FaultRule};
use url::Url;

use super::arrangement::{Arrangement, Reach, absent_artefact, arrange};
use super::browsing::{BrowserChoice, Browsers};
use super::config::{CheckConfig, FlowUnderTest, Hook, SuccessSection};
use super::idp::Idp;
use super::pacing::{KeyFetchPacer, Pacing};
use super::report::{BASELINE, Calls, Cell, Observed, Status};
use super::second_step::{ReplayOutcome, SecondStep, Session, judge_replay};

/// What the run covers besides the configuration.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only these faults (every applicable one when empty); baselines always run.
    pub only: Vec<String>,
    /// Only these flows (every configured one when empty).
    pub flows: Vec<FlowKind>,
    /// Who plays the sign-ins.
    pub browser: BrowserChoice,
    /// Only these cells, `(fault, flow)` with `baseline` for a flow's baseline (every
    /// selected one when absent): a shard's part. A flow with any cell here runs its
    /// baseline too.
    pub cells: Option<Vec<(String, FlowKind)>>,
}

impl Selection {
    /// Whether the run plays `flow` (its baseline, at least).
    pub fn runs_flow(&self, flow: FlowKind) -> bool {
        (self.flows.is_empty() || self.flows.contains(&flow))
            && self
                .cells
                .as_ref()
                .is_none_or(|cells| cells.iter().any(|(_, f)| *f == flow))
    }

    /// Whether the run plays `entry` in `flow`.
    pub fn runs(&self, entry: &CatalogEntry, flow: FlowKind) -> bool {
        entry.applies_to(flow)
            && (self.only.is_empty() || self.only.contains(&entry.name))
            && self
                .cells
                .as_ref()
                .is_none_or(|cells| cells.iter().any(|(n, f)| *f == flow && *n == entry.name))
    }
}

/// What a flow's run has learnt so far, so that each thing is tried once per flow.
#[derive(Debug, Default)]
struct FlowState {
    /// Whether the application's hooks work without a fault, tried before the first cell
    /// that needs them: a refusal through a broken hook would prove nothing.
    probed: Vec<(Setup, Result<(), String>)>,
    /// Per signing algorithm other than the flow's: `Err` names its failed baseline cell.
    alg_baselines: Vec<(mock_idp::Alg, Result<(), String>)>,
    /// The `response_type` of the baseline's authorization request: what the application
    /// asks for, and so which artefacts (`at_hash`, `c_hash`) a fault can break.
    response_type: Option<String>,
}

/// A cell that did not run because something it relies on does not work.
fn not_meaningful(entry: &CatalogEntry, flow: FlowKind, why: String) -> Cell {
    let group = group_name(entry.group);
    Cell::not_run(
        &entry.name,
        flow,
        group,
        entry.expect,
        Status::NotMeaningful,
        why,
    )
}

/// What one browser journey showed.
struct Play {
    observed: Observed,
    missing: Vec<String>,
    landing: Option<Landing>,
    app_error: Option<String>,
    calls: Calls,
    /// Authorization requests the journey made.
    authorize: usize,
    sent_max_age: bool,
    /// With a second step to judge: the sign-in before it did not succeed, so it never ran.
    second_unreached: Option<&'static str>,
    /// What a replay that landed signed in did: a new sign-in, or the session it had.
    replay_outcome: Option<ReplayOutcome>,
}

impl Play {
    /// The application refused the metadata: no journey at all.
    fn refused_metadata(why: String) -> Self {
        Self {
            observed: Observed::Rejected,
            missing: vec![format!("the application refused the metadata: {why}")],
            landing: None,
            app_error: Some(why),
            calls: Calls::default(),
            authorize: 0,
            sent_max_age: false,
            second_unreached: None,
            replay_outcome: None,
        }
    }
}

/// Drives the application and the IdP through the cells.
#[derive(Debug)]
pub struct Runner<'a> {
    /// The configuration.
    pub cfg: &'a CheckConfig,
    /// The IdP.
    pub idp: &'a Idp,
    /// The application's log file, sliced per cell.
    pub log_file: Option<&'a std::path::Path>,
    /// The browsers that play the sign-ins, and which flows need Chromium.
    pub browsers: Browsers,
}

impl Runner<'_> {
    /// Runs every selected cell, flow by flow, baseline first, pacing the cells that make
    /// the application re-fetch the JWK Set; returns the cells and what pacing did.
    pub async fn run(
        &self,
        flows: &[FlowUnderTest],
        entries: &[CatalogEntry],
        sel: &Selection,
    ) -> anyhow::Result<(Vec<Cell>, Pacing)> {
        let mut pacer = KeyFetchPacer::new(self.cfg.jwks_refetch_per_minute);
        let mut cells = Vec::new();
        for flow in flows.iter().filter(|f| sel.runs_flow(f.kind)) {
            let plain = arrange(Setup::None, None, flow, self.cfg, Reach::default())
                .map_err(|why| anyhow::anyhow!("baseline of {}: {why}", flow.kind))?;
            let mark = self.idp.requests().await?.last().map_or(0, |r| r.id);
            let baseline = self.baseline(flow, &plain).await?;
            let response_type = self
                .idp
                .requests()
                .await?
                .into_iter()
                .rfind(|r| r.id > mark && r.endpoint == Some(Endpoint::Authorize))
                .and_then(|r| r.params.get("response_type").cloned());
            let flow_baseline = match baseline.status {
                Status::Pass => Ok(()),
                _ => Err(baseline.name.clone()),
            };
            cells.push(baseline);
            let mut state = FlowState {
                response_type,
                ..FlowState::default()
            };
            for entry in entries.iter().filter(|e| sel.runs(e, flow.kind)) {
                let cell = match &flow_baseline {
                    Err(name) => {
                        not_meaningful(entry, flow.kind, format!("its baseline {name} failed"))
                    }
                    Ok(()) => {
                        self.entry_cell(flow, entry, &mut state, &mut pacer, &mut cells)
                            .await?
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
        Ok((cells, pacer.pacing()))
    }

    /// The cell of one entry in a flow whose baseline passed: arranged, its hooks and its
    /// signing algorithm tried without a fault first (a baseline cell per algorithm other
    /// than the flow's, pushed to `cells`), paced when it makes the application re-fetch
    /// keys.
    async fn entry_cell(
        &self,
        flow: &FlowUnderTest,
        entry: &CatalogEntry,
        state: &mut FlowState,
        pacer: &mut KeyFetchPacer,
        cells: &mut Vec<Cell>,
    ) -> anyhow::Result<Cell> {
        let reach = Reach {
            may_register: self.idp.may_register(),
            https: self.idp.serves_https(),
            in_chromium: self.browsers.for_flow(flow.kind).is_some(),
            slashed_issuer: self.idp.issuer_ends_with_slash(),
        };
        let absent = state
            .response_type
            .as_deref()
            .and_then(|asked| absent_artefact(&entry.fault, asked));
        let arranged = match absent {
            Some(why) => Err(why),
            None => arrange(entry.setup, Some(&entry.fault), flow, self.cfg, reach),
        };
        let arrangement = match arranged {
            Ok(a) => a,
            Err(reason) => {
                let group = group_name(entry.group);
                let status = Status::Skipped;
                return Ok(Cell::not_run(
                    &entry.name,
                    flow.kind,
                    group,
                    entry.expect,
                    status,
                    reason,
                ));
            }
        };
        if let Some(alg) = arrangement.client_alg {
            let known = state.alg_baselines.iter().find(|(a, _)| *a == alg);
            let result = match known {
                Some((_, result)) => result.clone(),
                None => {
                    // A positive control: without it, refusing a bad ES256 signature could
                    // mean the application refuses ES256 altogether.
                    let control = Arrangement {
                        url: arrangement.url.clone(),
                        client_alg: Some(alg),
                        ..Arrangement::default()
                    };
                    let run = self.cell(flow, None, &control, None).await?;
                    let name = format!("{BASELINE}_{}", alg.as_str().to_ascii_lowercase());
                    let run = Cell {
                        name: format!("{name}::{}", flow.kind),
                        fault: name,
                        ..run
                    };
                    let result = (run.status == Status::Pass)
                        .then_some(())
                        .ok_or(run.name.clone());
                    cells.push(run);
                    state.alg_baselines.push((alg, result.clone()));
                    result
                }
            };
            if let Err(name) = result {
                return Ok(not_meaningful(
                    entry,
                    flow.kind,
                    format!("its baseline {name} failed"),
                ));
            }
        }
        let probe = match state.probed.iter().find(|(s, _)| *s == entry.setup) {
            Some((_, result)) => result.clone(),
            None => {
                let result = self.probe(flow, &arrangement).await?;
                state.probed.push((entry.setup, result.clone()));
                result
            }
        };
        if let Err(why) = probe {
            return Ok(not_meaningful(entry, flow.kind, why));
        }
        if entry.forces_key_fetch() {
            pacer.admit().await;
        }
        self.cell(
            flow,
            Some(entry),
            &arrangement,
            state.response_type.as_deref(),
        )
        .await
    }

    /// The flow's fault-free sign-in. In `auto` mode a baseline the headless agent fails is
    /// tried again in Chromium (a page that needs its script, like most fragment pages), and
    /// the flow's cells run there when that passes.
    async fn baseline(&self, flow: &FlowUnderTest, plain: &Arrangement) -> anyhow::Result<Cell> {
        let headless = self.cell(flow, None, plain, None).await?;
        if headless.status == Status::Pass || !self.browsers.may_retry(flow.kind) {
            return Ok(headless);
        }
        let headless_why = headless.reason.clone().unwrap_or_default();
        if let Err(why) = self.browsers.chromium() {
            return Ok(Cell {
                reason: Some(format!(
                    "{headless_why}; not tried in Chromium, which would run the page's \
                     script: {why}"
                )),
                ..headless
            });
        }
        self.browsers.use_chromium(flow.kind);
        let chromium = self.cell(flow, None, plain, None).await?;
        if chromium.status == Status::Pass {
            return Ok(Cell {
                reason: Some(format!(
                    "in Chromium (the headless agent could not: {headless_why}); the flow's \
                     cells run in Chromium"
                )),
                ..chromium
            });
        }
        self.browsers.use_headless(flow.kind);
        Ok(Cell {
            reason: Some(format!(
                "{headless_why}; in Chromium too: {}",
                chromium.reason.unwrap_or_default()
            )),
            ..headless
        })
    }

    /// Plays one cell; `asked` is the flow's `response_type`, when the baseline showed it.
    async fn cell(
        &self,
        flow: &FlowUnderTest,
        entry: Option<&CatalogEntry>,
        arrangement: &Arrangement,
        asked: Option<&str>,
    ) -> anyhow::Result<Cell> {
        let started = Instant::now();
        let log_mark = self.log_file.map(super::app_log::mark);
        let fault = entry.map_or(BASELINE, |e| e.name.as_str());
        tracing::debug!(fault, flow = %flow.kind, "cell");
        let client = &self.cfg.client;
        self.idp.reset_faults().await?;
        if arrangement.client_alg.is_some() {
            self.idp.register(client, arrangement.client_alg).await?;
        }
        if arrangement.warm_up {
            self.play(flow, &arrangement.url, None).await?;
        }
        let faults = entry.map(|e| &e.fault).into_iter();
        for fault in faults.chain(&arrangement.extra_faults) {
            self.idp.inject(rule(fault, &client.client_id)).await?;
        }
        let second = arrangement.second_step();
        let play = match &arrangement.reconfigure {
            None => self.play(flow, &arrangement.url, second).await?,
            Some(hook) => match self.reconfigure(hook).await {
                Err(why) => Play::refused_metadata(why),
                Ok(()) => self.play(flow, &arrangement.url, second).await?,
            },
        };
        if let Some(hook) = &arrangement.reconfigure {
            self.idp.reset_faults().await?;
            self.reconfigure(hook).await.map_err(|why| {
                anyhow::anyhow!(
                    "{hook} did not take the fault-free discovery document again after {fault}::{}: {why}",
                    flow.kind
                )
            })?;
        }
        if arrangement.client_alg.is_some() {
            self.idp.register(client, None).await?;
        }
        let expected = entry.map_or(Expect::Accept, |e| e.expect);
        // A hybrid `code token` has no ID token from the authorization endpoint: as in the
        // code flow, the token call is how the (faulty) ID token arrives.
        let front_id_token = asked.is_none_or(|rt| rt.split(' ').any(|p| p == "id_token"));
        let judged_as = if front_id_token {
            flow.kind
        } else {
            FlowKind::AuthorizationCode
        };
        let forbidden = entry.map_or_else(ForbiddenCalls::default, |e| {
            ForbiddenCalls::after(e, judged_as)
        });
        let mut forbidden_calls = Vec::new();
        if forbidden.token && play.calls.token > 0 {
            forbidden_calls.push("token".to_owned());
        }
        if forbidden.userinfo && play.calls.userinfo > 0 {
            forbidden_calls.push("userinfo".to_owned());
        }
        // The OpenID Foundation's discovery tests: once the metadata is wrong, any
        // authorization request is a failure, whatever happens after it.
        let rejects_metadata = entry.is_some_and(|e| {
            matches!(e.setup, Setup::Discovery | Setup::DiscoveryTls) && e.expect == Expect::Reject
        });
        if rejects_metadata && play.authorize > 0 {
            forbidden_calls.insert(0, "authorize".to_owned());
        }
        let mut reasons = Vec::new();
        if let Some(step) = play.second_unreached {
            reasons.push(format!(
                "the sign-in before the {step} did not succeed: {}",
                play.missing.join("; ")
            ));
        }
        // What a replay did, said whether or not it is the cell's failure.
        let replay_detail = play.replay_outcome.as_ref().map(|o| o.detail().to_owned());
        if play.second_unreached.is_none() && !play.observed.matches(expected) {
            match play.observed {
                Observed::Accepted => reasons.push(
                    replay_detail
                        .clone()
                        .unwrap_or_else(|| "the application signed the user in".into()),
                ),
                Observed::Rejected => {
                    reasons.push(format!("no success signal: {}", play.missing.join("; ")))
                }
            }
        }
        reasons.extend(forbidden_call_reasons(&forbidden_calls));
        if entry.is_some_and(|e| e.setup == Setup::MaxAge) && !play.sent_max_age {
            reasons.push("the authorization request carried no max_age".into());
        }
        let status = Status::judged(expected, &reasons);
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
            reason: if reasons.is_empty() {
                replay_detail
            } else {
                Some(reasons.join("; "))
            },
            app_log: self
                .log_file
                .zip(log_mark)
                .and_then(|(path, from)| super::app_log::slice(path, from)),
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// Tries an arrangement's hooks without a fault: the application takes the discovery
    /// document, and a refresh keeps the user signed in. `Err` says what did not work.
    async fn probe(
        &self,
        flow: &FlowUnderTest,
        arrangement: &Arrangement,
    ) -> anyhow::Result<Result<(), String>> {
        if arrangement.reconfigure.is_none() && arrangement.refresh_url.is_none() {
            return Ok(Ok(()));
        }
        self.idp.reset_faults().await?;
        if let Some(hook) = &arrangement.reconfigure
            && let Err(why) = self.reconfigure(hook).await
        {
            return Ok(Err(format!(
                "the application refused the fault-free discovery document ({hook}): {why}"
            )));
        }
        if let Some(target) = arrangement.refresh_url.as_deref() {
            let play = self
                .play(flow, &arrangement.url, Some(SecondStep::Refresh(target)))
                .await?;
            if play.second_unreached.is_some() || !play.observed.matches(Expect::Accept) {
                return Ok(Err(format!(
                    "a refresh without a fault (POST {target}) did not keep the user signed in: {}",
                    play.missing.join("; ")
                )));
            }
        }
        Ok(Ok(()))
    }

    /// Sends the application's reconfiguration hook; `Err` says how it refused.
    async fn reconfigure(&self, hook: &Hook) -> Result<(), String> {
        super::hooks::send(hook, Duration::from_secs(self.cfg.cell_timeout_secs)).await
    }

    /// Plays a sign-in from `url` in a fresh browser; with a `second` step, then takes it
    /// (a refresh, a replay) and judges what it leaves, counting only its calls.
    async fn play(
        &self,
        flow: &FlowUnderTest,
        url: &str,
        second: Option<SecondStep<'_>>,
    ) -> anyhow::Result<Play> {
        let mut mark = self.idp.requests().await?.last().map_or(0, |r| r.id);
        let limit = Duration::from_secs(self.cfg.cell_timeout_secs);
        let timed_out = || format!("no page within {}s (cell_timeout_secs)", limit.as_secs());
        let (agent, mut landing) = match self.browsers.for_flow(flow.kind) {
            Some(Ok(chromium)) => match chromium.sign_in(url, &self.cfg.login_hint, limit).await {
                Ok((agent, landing)) => (agent, Ok(landing)),
                Err(why) => (UserAgent::new(), Err(why)),
            },
            Some(Err(why)) => (UserAgent::new(), Err(format!("Chromium: {why}"))),
            None => {
                let agent = match self.idp.trusted_pem() {
                    None => UserAgent::new(),
                    Some(pem) => UserAgent::trusting(pem)?,
                };
                let journey = async {
                    let landing = agent.navigate(url).await?;
                    // An application that does not pass login_hint on gets the IdP's login
                    // page.
                    if landing.is_login_page() {
                        agent.log_in(&landing, &self.cfg.login_hint, None).await
                    } else {
                        Ok(landing)
                    }
                };
                let landing = match tokio::time::timeout(limit, journey).await {
                    Ok(l) => l.map_err(|e| e.to_string()),
                    Err(_) => Err(timed_out()),
                };
                (agent, landing)
            }
        };
        let mut second_unreached = None;
        let success = &flow.section.success;
        // The session before a replay, to tell a new sign-in from the one the first left.
        let mut before_replay = None;
        if let (Some(step), Ok(signed_in)) = (second, &landing) {
            let missing = self
                .missing_signals(success, &agent, signed_in, url, None)
                .await;
            if missing.is_empty() {
                mark = self.idp.requests().await?.last().map_or(0, |r| r.id);
                if matches!(step, SecondStep::Replay) {
                    before_replay = Some(Session::held(&agent, url, success.cookie.as_deref()));
                }
                let taken = tokio::time::timeout(limit, step.take(&agent, signed_in)).await;
                landing = match taken {
                    Ok(l) => l.map_err(|e| e.to_string()),
                    Err(_) => Err(timed_out()),
                };
            } else {
                second_unreached = Some(step.name());
            }
        }
        let (mut observed, missing, landing, app_error) = match landing {
            Ok(l) => {
                let missing = self.missing_signals(success, &agent, &l, url, second).await;
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
        let count = |endpoint: Endpoint| {
            after
                .iter()
                .filter(|r| r.endpoint == Some(endpoint))
                .count()
        };
        let sent_max_age = after
            .iter()
            .any(|r| r.endpoint == Some(Endpoint::Authorize) && r.params.contains_key("max_age"));
        let calls = Calls {
            token: count(Endpoint::Token),
            userinfo: count(Endpoint::Userinfo),
        };
        // A replay that lands on a signed-in page has either signed in anew or kept the
        // session it had; only the first used the replayed response.
        let replay_outcome = before_replay
            .filter(|_| observed == Observed::Accepted)
            .map(|before| {
                let now = Session::held(&agent, url, success.cookie.as_deref());
                judge_replay(&before, &now, calls, count(Endpoint::Authorize))
            });
        if replay_outcome
            .as_ref()
            .is_some_and(|o| !o.used_the_response())
        {
            observed = Observed::Rejected;
        }
        Ok(Play {
            observed,
            missing,
            landing,
            app_error,
            calls,
            authorize: count(Endpoint::Authorize),
            sent_max_age,
            second_unreached,
            replay_outcome,
        })
    }

    /// The success signals not seen, each saying what was expected and what was found.
    /// After a replay only the landing page's own signals count: the cookie and the JSON
    /// of the first sign-in's session are still there, whatever the replay did.
    async fn missing_signals(
        &self,
        s: &SuccessSection,
        agent: &UserAgent,
        landing: &Landing,
        signin_url: &str,
        after: Option<SecondStep<'_>>,
    ) -> Vec<String> {
        let landing_only = matches!(after, Some(SecondStep::Replay));
        // A refresh lands wherever the application sends it after refreshing; where the
        // sign-in landed says nothing about it. The other signals still judge it.
        let refreshed = matches!(after, Some(SecondStep::Refresh(_)));
        let mut missing = Vec::new();
        if let Some(want) = s.status
            && landing.status != want
        {
            missing.push(format!(
                "expected landing status {want}, found {}",
                landing.status
            ));
        }
        // Without the URL, an HTTP error is what tells a failed refresh from a kept session.
        if refreshed && s.status.is_none() && landing.status >= 400 {
            missing.push(format!(
                "expected the refresh to land on a page, found status {}",
                landing.status
            ));
        }
        if let (Some(want), false) = (&s.url, refreshed) {
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
        if let (Some(name), false) = (&s.cookie, landing_only) {
            let held: Vec<String> = Url::parse(signin_url)
                .map(|u| agent.cookies(&u))
                .unwrap_or_default()
                .into_iter()
                .map(|(n, _)| n)
                .collect();
            if !held.contains(name) {
                missing.push(format!(
                    "expected cookie {name}, found [{}]",
                    held.join(", ")
                ));
            }
        }
        if let Some(probe) = s.json.as_ref().filter(|_| !landing_only)
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

/// Reads the JSON signal with the session's cookies, in one request: a redirect is not
/// followed, since on a protected page it would start a second sign-in.
async fn json_probe(agent: &UserAgent, url: &str, pointer: &str) -> Result<(), String> {
    let page = agent
        .fetch(url)
        .await
        .map_err(|e| format!("expected JSON from {url}, found an error: {e}"))?;
    if (300..400).contains(&page.status) {
        return Err(format!(
            "expected 2xx JSON from {url}, found a redirect ({}), not followed: the session does not reach it",
            page.status
        ));
    }
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
