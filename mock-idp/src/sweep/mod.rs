//! # The catalog sweep: `harness check`, in process, for a Rust application
//!
//! Give a [`Sweep`] a running IdP, your application's client id, the flows it uses and an
//! async closure that signs in through your application and says whether it worked. The
//! sweep signs in once per flow without a fault (the baseline), then once per applicable
//! entry of the [fault catalog](crate::catalog::catalog), each on a fresh arrangement (the
//! tenant's fault rules and claim overrides cleared first), and judges each from your
//! closure's answer and the IdP's request log: did the application sign the user in when it
//! should have refused, and did it call the token or userinfo endpoint after a bad ID token.
//!
//! ```no_run
//! use mock_idp::catalog::FlowKind;
//! use mock_idp::sweep::Sweep;
//! use mock_idp::MockIdp;
//! # async fn sign_in_through_my_app(_: &str) -> bool { true }
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let idp = MockIdp::start().await;
//! // ... register your application's client, start the application ...
//! let report = Sweep::new(&idp, "my-app")
//!     .flows([FlowKind::AuthorizationCode])
//!     .run(|_attempt| sign_in_through_my_app("alice"))
//!     .await;
//! report.assert_passed();
//! # }
//! ```
//!
//! Cells whose setup the sweep cannot arrange are `skipped` with the reason (refresh, Entra
//! tenants, discovery faults without a hook); tell the sweep what your application can do
//! ([`Sweep::sends_max_age`], [`Sweep::accepts_es256`], [`Sweep::accepts_hs256`],
//! [`Sweep::reconfigure`]) to run more.

mod cell;
mod report;

pub use cell::{
    BASELINE, Calls, Cell, ForbiddenCalls, Observed, Status, forbidden_call_reasons, group_name,
};
pub use report::SweepReport;

use std::fmt::{self, Display};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::catalog::{self, CatalogEntry, Expect, FlowKind, Setup};
use crate::{Alg, Client, Endpoint, Fault, FaultRule, MockIdp, TenantHandle};

/// The `max_age` the sweep asks the application to send for [`Setup::MaxAge`] cells.
const MAX_AGE: i64 = 300;

/// What one sign-in of the sweep asks of the application; handed to the closure.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Attempt {
    /// The flow to use.
    pub flow: FlowKind,
    /// The fault in force (its catalog name), or [`BASELINE`]; for logs and error messages.
    pub fault: String,
    /// Send this `max_age` with the authorization request (only with
    /// [`Sweep::sends_max_age`]).
    pub max_age: Option<i64>,
}

/// What the application made of a sign-in: signed in or not, and its error text if any.
/// `bool` and `Result<T, E: Display>` convert into it, so the closure may return either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The user is signed in at the application.
    pub signed_in: bool,
    /// The application's error, when it refused.
    pub error: Option<String>,
}

impl From<bool> for Outcome {
    fn from(signed_in: bool) -> Self {
        Self {
            signed_in,
            error: None,
        }
    }
}

impl<T, E: Display> From<Result<T, E>> for Outcome {
    fn from(r: Result<T, E>) -> Self {
        match r {
            Ok(_) => true.into(),
            Err(e) => Self {
                signed_in: false,
                error: Some(e.to_string()),
            },
        }
    }
}

type HookFuture = Pin<Box<dyn Future<Output = Result<(), String>>>>;

/// Makes the application read the discovery document again; see [`Sweep::reconfigure`].
#[derive(Clone)]
struct ReconfigureHook(Arc<dyn Fn() -> HookFuture>);

impl fmt::Debug for ReconfigureHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReconfigureHook")
    }
}

/// A sweep of the fault catalog over one client of one tenant; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Sweep {
    reconfigure: Option<ReconfigureHook>,
    tenant: TenantHandle,
    client_id: String,
    flows: Vec<FlowKind>,
    only: Vec<String>,
    max_age: bool,
    es256: bool,
    hs256: bool,
    cell_timeout: Duration,
}

/// How a cell is arranged besides injecting its fault.
#[derive(Debug, Default)]
struct Arrangement {
    max_age: Option<i64>,
    extra_faults: Vec<Fault>,
    client_alg: Option<Alg>,
    warm_up: bool,
    reconfigure: bool,
}

impl Sweep {
    /// A sweep over `client_id` of the IdP's default tenant, for the authorization code flow.
    pub fn new(idp: &MockIdp, client_id: impl Into<String>) -> Self {
        Self::for_tenant(&idp.default_tenant(), client_id)
    }

    /// A sweep over `client_id` of `tenant`.
    pub fn for_tenant(tenant: &TenantHandle, client_id: impl Into<String>) -> Self {
        Self {
            reconfigure: None,
            tenant: tenant.clone(),
            client_id: client_id.into(),
            flows: vec![FlowKind::AuthorizationCode],
            only: Vec::new(),
            max_age: false,
            es256: false,
            hs256: false,
            cell_timeout: Duration::from_secs(10),
        }
    }

    /// The flows the application uses (the closure gets each in [`Attempt::flow`]).
    pub fn flows(mut self, flows: impl IntoIterator<Item = FlowKind>) -> Self {
        self.flows = flows.into_iter().collect();
        self
    }

    /// Only these faults, by catalog name (baselines always run).
    pub fn only<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.only = names.into_iter().map(Into::into).collect();
        self
    }

    /// The closure sends [`Attempt::max_age`] when it is set, so `auth_time` checks run.
    pub fn sends_max_age(mut self) -> Self {
        self.max_age = true;
        self
    }

    /// The application accepts ES256 ID tokens: the sweep registers the client with ES256
    /// for the faults that need it, and restores it after.
    pub fn accepts_es256(mut self) -> Self {
        self.es256 = true;
        self
    }

    /// The application accepts HS256 ID tokens verified with the client secret.
    pub fn accepts_hs256(mut self) -> Self {
        self.hs256 = true;
        self
    }

    /// How to make the application configure itself again from the discovery document
    /// (`{issuer}/.well-known/openid-configuration`); `Err` means it refused the document.
    /// With it the discovery faults run: the sweep injects the fault, calls `hook` — a
    /// correct application refuses the bad metadata and starts no sign-in — and calls it
    /// again after the cell, without the fault, which must succeed.
    pub fn reconfigure<F, Fut, E>(mut self, hook: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<(), E>> + 'static,
        E: Display,
    {
        self.reconfigure = Some(ReconfigureHook(Arc::new(move || {
            let fut = hook();
            Box::pin(async move { fut.await.map_err(|e| e.to_string()) })
        })));
        self
    }

    /// How long one sign-in may take before it counts as not signed in (10 s by default).
    pub fn cell_timeout(mut self, limit: Duration) -> Self {
        self.cell_timeout = limit;
        self
    }

    /// How to arrange `setup`, or why the sweep cannot.
    fn arrange(&self, setup: Setup, fault: &Fault, client: &Client) -> Result<Arrangement, String> {
        let plain = Arrangement::default();
        match setup {
            Setup::None => Ok(plain),
            Setup::MaxAge if self.max_age => Ok(Arrangement {
                max_age: Some(MAX_AGE),
                ..plain
            }),
            Setup::MaxAge => Err(
                "needs the application to send max_age: call Sweep::sends_max_age and pass Attempt::max_age on"
                    .into(),
            ),
            Setup::Es256 if self.es256 => Ok(Arrangement {
                client_alg: Some(Alg::ES256),
                ..plain
            }),
            Setup::Es256 => Err(
                "needs an application that accepts ES256 ID tokens: call Sweep::accepts_es256"
                    .into(),
            ),
            Setup::Hs256 if self.hs256 && !client.is_public() => Ok(plain),
            Setup::Hs256 => Err(
                "needs a confidential client whose application accepts HS256 ID tokens: call Sweep::accepts_hs256"
                    .into(),
            ),
            Setup::SignInTwice => Ok(Arrangement {
                warm_up: true,
                ..plain
            }),
            Setup::ForceKeyFetch => Ok(Arrangement {
                extra_faults: [Fault::KeyRotated]
                    .into_iter()
                    .filter(|f| f != fault)
                    .collect(),
                ..plain
            }),
            Setup::Discovery | Setup::DiscoveryTls if self.reconfigure.is_none() => Err(
                "needs the application configured again from the discovery document after the fault is injected: call Sweep::reconfigure"
                    .into(),
            ),
            Setup::DiscoveryTls if !self.tenant.issuer().starts_with("https://") => Err(
                "needs the mock IdP serving https (MockIdpBuilder::tls) to an application that trusts its certificate"
                    .into(),
            ),
            Setup::Discovery | Setup::DiscoveryTls => Ok(Arrangement {
                reconfigure: true,
                ..plain
            }),
            Setup::Auth0Issuer if self.tenant.issuer().ends_with('/') => Ok(plain),
            Setup::Auth0Issuer => Err(format!(
                "needs a tenant whose issuer ends with a slash, as Auth0's do (Tenant::flavoured(name, Flavour::Auth0)); the issuer of \"{}\" is {}",
                self.tenant.name(),
                self.tenant.issuer()
            )),
            other => Err(format!(
                "setup \"{}\" ({}) needs the application configured for it; the sweep cannot arrange it",
                other.as_str(),
                other.describe()
            )),
        }
    }

    /// Runs the baseline and every applicable catalog fault for each flow, calling
    /// `sign_in` once per cell (twice for faults that need a warm cache), and leaves the
    /// tenant without fault rules or claim overrides.
    ///
    /// # Panics
    ///
    /// When the client is not registered at the tenant, naming the registered ones.
    pub async fn run<F, Fut, O>(&self, mut sign_in: F) -> SweepReport
    where
        F: FnMut(Attempt) -> Fut,
        Fut: Future<Output = O>,
        O: Into<Outcome>,
    {
        let config = self.tenant.config();
        let Some(client) = config
            .clients
            .iter()
            .find(|c| c.client_id.as_str() == self.client_id)
            .cloned()
        else {
            let known: Vec<_> = config
                .clients
                .iter()
                .map(|c| c.client_id.as_str())
                .collect();
            panic!(
                "Sweep: client \"{}\" is not registered at tenant \"{}\" (registered: {})",
                self.client_id,
                self.tenant.name(),
                known.join(", ")
            );
        };
        let entries = catalog::catalog();
        let mut cells = Vec::new();
        // Whether the hook works without a fault, tried before the first cell that needs
        // it: a refusal through a broken hook would prove nothing.
        let mut hook_works: Option<Result<(), String>> = None;
        for &flow in &self.flows {
            let baseline = self
                .cell(flow, None, &Arrangement::default(), &client, &mut sign_in)
                .await;
            let baseline_ok = baseline.status == Status::Pass;
            let baseline_name = baseline.name.clone();
            cells.push(baseline);
            // A positive control per signing algorithm other than the flow's, run before its
            // first entry: `Err` names the failed baseline cell.
            let mut alg_baselines: Vec<(Alg, Result<(), String>)> = Vec::new();
            for entry in entries.iter().filter(|e| {
                e.applies_to(flow) && (self.only.is_empty() || self.only.contains(&e.name))
            }) {
                let not_run = |status, reason| {
                    let group = group_name(entry.group);
                    Cell::not_run(&entry.name, flow, group, entry.expect, status, reason)
                };
                let cell = if !baseline_ok {
                    not_run(
                        Status::NotMeaningful,
                        format!("its baseline {baseline_name} failed"),
                    )
                } else {
                    match self.arrange(entry.setup, &entry.fault, &client) {
                        Ok(a) if a.reconfigure => {
                            if hook_works.is_none() {
                                self.reset();
                                hook_works = Some(self.call_hook().await);
                            }
                            match hook_works.clone() {
                                Some(Err(why)) => not_run(
                                    Status::NotMeaningful,
                                    format!(
                                        "the application refused the fault-free discovery document: {why}"
                                    ),
                                ),
                                _ => {
                                    self.cell(flow, Some(entry), &a, &client, &mut sign_in)
                                        .await
                                }
                            }
                        }
                        Ok(a) => {
                            let control = match a.client_alg {
                                None => Ok(()),
                                Some(alg) => {
                                    let known = &mut alg_baselines;
                                    self.control(
                                        flow,
                                        alg,
                                        &client,
                                        &mut sign_in,
                                        known,
                                        &mut cells,
                                    )
                                    .await
                                }
                            };
                            match control {
                                Ok(()) => {
                                    self.cell(flow, Some(entry), &a, &client, &mut sign_in)
                                        .await
                                }
                                Err(name) => not_run(
                                    Status::NotMeaningful,
                                    format!("its baseline {name} failed"),
                                ),
                            }
                        }
                        Err(reason) => not_run(Status::Skipped, reason),
                    }
                };
                cells.push(Cell {
                    mirrors: entry.mirrors.map(str::to_owned),
                    note: entry.note.map(str::to_owned),
                    ..cell
                });
            }
        }
        self.reset();
        SweepReport {
            tenant: self.tenant.name().to_owned(),
            client_id: self.client_id.clone(),
            cells,
        }
    }

    /// The positive control for signing with `alg` in `flow`: a fault-free sign-in, run and
    /// pushed to `cells` the first time (as `baseline_<alg>::<flow>`), remembered in `known`
    /// after. `Err` names the failed control: without it, refusing a bad signature of that
    /// algorithm could mean the application refuses the algorithm altogether.
    async fn control<F, Fut, O>(
        &self,
        flow: FlowKind,
        alg: Alg,
        client: &Client,
        sign_in: &mut F,
        known: &mut Vec<(Alg, Result<(), String>)>,
        cells: &mut Vec<Cell>,
    ) -> Result<(), String>
    where
        F: FnMut(Attempt) -> Fut,
        Fut: Future<Output = O>,
        O: Into<Outcome>,
    {
        if let Some((_, result)) = known.iter().find(|(a, _)| *a == alg) {
            return result.clone();
        }
        let arrangement = Arrangement {
            client_alg: Some(alg),
            ..Arrangement::default()
        };
        let run = self.cell(flow, None, &arrangement, client, sign_in).await;
        let name = format!("{BASELINE}_{}", alg.as_str().to_ascii_lowercase());
        let run = Cell {
            name: format!("{name}::{flow}"),
            fault: name,
            ..run
        };
        let result = match run.status {
            Status::Pass => Ok(()),
            _ => Err(run.name.clone()),
        };
        cells.push(run);
        known.push((alg, result.clone()));
        result
    }

    /// A fresh arrangement: no fault rules, no claim overrides.
    fn reset(&self) {
        self.tenant.clear_faults();
        self.tenant.clear_overrides();
    }

    async fn cell<F, Fut, O>(
        &self,
        flow: FlowKind,
        entry: Option<&CatalogEntry>,
        arrangement: &Arrangement,
        client: &Client,
        sign_in: &mut F,
    ) -> Cell
    where
        F: FnMut(Attempt) -> Fut,
        Fut: Future<Output = O>,
        O: Into<Outcome>,
    {
        let started = Instant::now();
        let fault = entry.map_or(BASELINE, |e| e.name.as_str());
        let attempt = Attempt {
            flow,
            fault: fault.to_owned(),
            max_age: arrangement.max_age,
        };
        self.reset();
        if let Some(alg) = arrangement.client_alg {
            self.put_client(client.clone().signing_alg(alg));
        }
        if arrangement.warm_up {
            self.attempt(sign_in, attempt.clone()).await;
        }
        let faults = entry.map(|e| &e.fault).into_iter();
        for f in faults.chain(&arrangement.extra_faults) {
            self.tenant
                .inject(FaultRule::new(f.clone()).for_client(&self.client_id));
        }
        let mark = self.tenant.requests().last().map_or(0, |r| r.id);
        let outcome = match arrangement.reconfigure {
            false => self.attempt(sign_in, attempt).await,
            true => match self.call_hook().await {
                Err(why) => Outcome {
                    signed_in: false,
                    error: Some(format!("refused the metadata: {why}")),
                },
                Ok(()) => self.attempt(sign_in, attempt).await,
            },
        };
        let after: Vec<_> = self
            .tenant
            .requests()
            .into_iter()
            .filter(|r| r.id > mark && r.client_id.as_deref() == Some(self.client_id.as_str()))
            .collect();
        self.reset();
        if arrangement.client_alg.is_some() {
            self.put_client(client.clone());
        }
        let mut reasons = Vec::new();
        if arrangement.reconfigure
            && let Err(why) = self.call_hook().await
        {
            reasons.push(format!(
                "the application did not take the fault-free discovery document again: {why}"
            ));
        }
        let count = |e: Endpoint| after.iter().filter(|r| r.endpoint == Some(e)).count();
        let calls = Calls {
            token: count(Endpoint::Token),
            userinfo: count(Endpoint::Userinfo),
        };
        let expected = entry.map_or(Expect::Accept, |e| e.expect);
        let observed = if outcome.signed_in {
            Observed::Accepted
        } else {
            Observed::Rejected
        };
        let forbidden =
            entry.map_or_else(ForbiddenCalls::default, |e| ForbiddenCalls::after(e, flow));
        let mut forbidden_calls = Vec::new();
        // The OpenID Foundation's discovery tests: once the metadata is wrong, any
        // authorization request is a failure, whatever happens after it.
        let rejects_metadata = arrangement.reconfigure && expected == Expect::Reject;
        if rejects_metadata && count(Endpoint::Authorize) > 0 {
            forbidden_calls.push("authorize".to_owned());
        }
        if forbidden.token && calls.token > 0 {
            forbidden_calls.push("token".to_owned());
        }
        if forbidden.userinfo && calls.userinfo > 0 {
            forbidden_calls.push("userinfo".to_owned());
        }
        if !observed.matches(expected) {
            reasons.push(match (observed, &outcome.error) {
                (Observed::Accepted, _) => "the application signed the user in".to_owned(),
                (Observed::Rejected, Some(e)) => format!("the application refused: {e}"),
                (Observed::Rejected, None) => "the application did not sign the user in".into(),
            });
        }
        reasons.extend(forbidden_call_reasons(&forbidden_calls));
        let sent_max_age = after
            .iter()
            .any(|r| r.endpoint == Some(Endpoint::Authorize) && r.params.contains_key("max_age"));
        if arrangement.max_age.is_some() && !sent_max_age {
            reasons.push("the authorization request carried no max_age".into());
        }
        Cell {
            name: format!("{fault}::{flow}"),
            fault: fault.to_owned(),
            flow,
            group: entry.map_or(BASELINE.to_owned(), |e| group_name(e.group)),
            mirrors: None,
            note: None,
            expected,
            observed: Some(observed),
            status: Status::judged(expected, &reasons),
            calls,
            forbidden_calls,
            landing_status: None,
            landing_url: None,
            app_error: outcome.error,
            reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
            app_log: None,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// One call of the closure, bounded by the cell timeout.
    async fn attempt<F, Fut, O>(&self, sign_in: &mut F, attempt: Attempt) -> Outcome
    where
        F: FnMut(Attempt) -> Fut,
        Fut: Future<Output = O>,
        O: Into<Outcome>,
    {
        match tokio::time::timeout(self.cell_timeout, sign_in(attempt)).await {
            Ok(o) => o.into(),
            Err(_) => Outcome {
                signed_in: false,
                error: Some(format!(
                    "no answer within {} ms (Sweep::cell_timeout)",
                    self.cell_timeout.as_millis()
                )),
            },
        }
    }

    /// Calls the reconfigure hook, bounded by the cell timeout.
    async fn call_hook(&self) -> Result<(), String> {
        let Some(hook) = &self.reconfigure else {
            return Ok(());
        };
        match tokio::time::timeout(self.cell_timeout, (hook.0)()).await {
            Ok(r) => r,
            Err(_) => Err(format!(
                "no answer within {} ms (Sweep::cell_timeout)",
                self.cell_timeout.as_millis()
            )),
        }
    }

    fn put_client(&self, client: Client) {
        // The client came from this tenant's own configuration, which already validated it.
        if let Err(e) = self.tenant.put_client(client) {
            tracing::warn!(error = %e, "sweep could not re-register the client");
        }
    }
}
