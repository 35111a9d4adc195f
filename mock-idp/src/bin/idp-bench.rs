//! `idp-bench`: how fast is the mock IdP, and how does another OpenID Provider compare?
//!
//! One run measures, for the release `mock-idp` (started as a child process) and optionally
//! a peer provider started the same way, with the same load generator:
//!
//! 1. the raw RS256 signing rate on one core with the key a server signs with;
//! 2. cold start (exec → first 200 from discovery) and idle resident memory;
//! 3. authorization-code flows per second (authorize with PKCE S256 → redirect with a code
//!    → token), latency percentiles, and the server's CPU per flow from its own
//!    `/proc/<pid>/stat`, with the most flows/s that CPU allows on this machine;
//! 4. the server's CPU per request at discovery, authorize, token and userinfo, and the
//!    floor: what a minimal server costs per discovery request (`bench/floor.rs`);
//!
//! and prints them side by side against the targets in `docs/bench.md`. Steps 3 and 4 run
//! in rounds that the providers take in turn, so a machine that gets busier during the run
//! weighs on both alike.
//!
//! ```text
//! cargo build --release -p mock-idp
//! ./target/release/idp-bench --flows 5000 --concurrency 8
//! ./target/release/idp-bench --url http://127.0.0.1:9090/acme --server-pid 1234 --no-startup
//! scripts/bench-peer.sh            # installs the Node peer under a temporary folder
//! ```

// A CLI whose whole purpose is to print a report on stdout/stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use mock_idp::{Alg, IdpConfig, MockIdp};

#[path = "shared/process.rs"]
mod process;

#[path = "bench/cpu.rs"]
mod cpu;
#[path = "bench/floor.rs"]
mod floor;
#[path = "bench/flow.rs"]
mod flow;
#[path = "bench/report.rs"]
mod report;
#[path = "bench/startup.rs"]
mod startup;

use cpu::{CpuMeter, discovery_cost, endpoint_costs};
use flow::{Batch, ClientAuth, FlowClient, FlowPlan, run};
use report::{Figures, Report, signing_rate};
use startup::{BENCH_CONFIG, Launch, Started, cold_starts, start};

/// Benchmarks the mock IdP, and a peer provider beside it: signing rate, cold start, idle
/// memory, authorization-code flows per second and server CPU per request.
#[derive(Debug, Parser)]
#[command(about)]
struct Args {
    /// Authorization-code flows to run at each concurrency.
    #[arg(long, default_value_t = 2000)]
    flows: usize,
    /// Concurrent clients (tokio tasks sharing one HTTP client); a comma-separated list runs
    /// the flows once per value.
    #[arg(long, value_delimiter = ',', default_value = "8")]
    concurrency: Vec<usize>,
    /// Benchmark the provider with this issuer (e.g. http://127.0.0.1:9090/acme, or
    /// http://127.0.0.1:28200 for one at the root) instead of starting mock-idp.
    #[arg(long)]
    url: Option<String>,
    /// With --url: the provider's process id, to report its CPU per flow and per request.
    #[arg(long, requires = "url")]
    server_pid: Option<u32>,
    /// Also start a peer provider and measure it the same way: a command line with {port}
    /// where its port goes, e.g. "node cli.js -p {port} -h 127.0.0.1".
    #[arg(long, conflicts_with = "url")]
    peer_start: Option<String>,
    /// The peer's issuer path below http://127.0.0.1:{port} (empty: the root).
    #[arg(long, default_value = "")]
    peer_issuer_path: String,
    /// The peer's name in the table.
    #[arg(long, default_value = "peer")]
    peer_name: String,
    /// The client to run the flows as.
    #[arg(long, default_value = "bench-client")]
    client_id: String,
    /// Its secret, sent with client_secret_basic; without one the client is public
    /// (token_endpoint_auth_method=none).
    #[arg(long)]
    client_secret: Option<String>,
    /// A redirect URI registered for the client.
    #[arg(long, default_value = "http://127.0.0.1:9/cb")]
    redirect_uri: String,
    /// The user signed in through login_hint.
    #[arg(long, default_value = "alice")]
    user: String,
    /// Send no login_hint: the provider signs someone in on its own (auto-login).
    #[arg(long)]
    auto_login: bool,
    /// Requests per endpoint for the server's CPU per request (0: skip).
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    /// Rounds, each taken by the providers in turn: the flows of each concurrency are split
    /// into this many slices, and the requests per endpoint are run this many times (the
    /// least CPU per request of the rounds is reported, since other processes on the
    /// machine only ever add to it).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Seconds to sign for when measuring the raw signing rate.
    #[arg(long, default_value_t = 1.0)]
    sign_seconds: f64,
    /// Cold starts per provider and configuration.
    #[arg(long, default_value_t = 7)]
    startup_runs: usize,
    /// Skip the cold-start and memory measurements.
    #[arg(long)]
    no_startup: bool,
    /// Exit non-zero when a target is missed (errors always make the exit non-zero).
    #[arg(long)]
    strict: bool,
    /// Internal: serve as the floor on this port (the bench starts itself so).
    #[arg(long, hide = true, requires = "floor_body")]
    floor_serve: Option<u16>,
    /// Internal: the discovery document the floor answers with.
    #[arg(long, hide = true)]
    floor_body: Option<PathBuf>,
}

// One thread drives every client task: the load generator shares the machine's cores with
// the server it measures, and a multi-threaded runtime spent more CPU per flow waking its
// other workers than the flows themselves cost.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    if let (Some(port), Some(body)) = (args.floor_serve, &args.floor_body) {
        return match floor::serve(port, body).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("idp-bench: floor: {e:#}");
                ExitCode::from(2)
            }
        };
    }
    match run_bench(args).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("idp-bench: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// A provider under measurement.
struct Target {
    name: String,
    /// How to start it; `None` for a provider given by `--url`.
    launch: Option<Launch>,
    /// Extra configurations to cold-start (mock-idp with `fixtures/idp.toml`).
    more_launches: Vec<(String, Launch)>,
}

async fn run_bench(args: Args) -> anyhow::Result<ExitCode> {
    if args.flows == 0 || args.concurrency.contains(&0) {
        bail!("--flows and --concurrency must be at least 1");
    }
    println!(
        "idp-bench: {} cores, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let dir = std::env::temp_dir().join(format!("idp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let outcome = measure_all(&args, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    let report = outcome?;
    report.print();
    let missed = report.missed();
    if report.errors > 0 {
        println!(
            "\n{} request(s) or flow(s) failed: exit status 1",
            report.errors
        );
        return Ok(ExitCode::FAILURE);
    }
    if missed > 0 {
        if args.strict {
            println!("\n{missed} target(s) missed; --strict: exit status 1");
            return Ok(ExitCode::FAILURE);
        }
        println!("\n{missed} target(s) missed (pass --strict to fail the run on it)");
    }
    Ok(ExitCode::SUCCESS)
}

async fn measure_all(args: &Args, dir: &Path) -> anyhow::Result<Report> {
    // Checked before anything is measured, so a mistyped flag costs no wait.
    let targets = targets(args, dir)?;
    // The signing key: the same parsed AWS-LC RSA-2048 key every server signs ID tokens with.
    let idp = MockIdp::start().await;
    let key = idp
        .default_tenant()
        .signing_key(Alg::RS256)
        .context("the in-process server has no RS256 key")?;
    println!("\n[1] raw RS256 signing, one thread, kid {}", key.kid());
    let seconds = args.sign_seconds;
    let sig_rate = std::thread::spawn(move || signing_rate(&key, seconds))
        .join()
        .map_err(|_| anyhow::anyhow!("the signing thread panicked"))?;
    drop(idp);
    println!("    {sig_rate:.0} signatures/s");

    let mut providers = Vec::new();
    for target in &targets {
        providers.push(prepare(args, target, dir).await?);
    }
    for &c in &args.concurrency {
        interleaved_flows(args, &mut providers, c).await;
    }
    let mut report = Report::new(sig_rate, cores(), args.concurrency.clone());
    if args.requests > 0 {
        let floor = start_floor(&providers[0], dir).await?;
        report.floor_discovery_us = interleaved_requests(args, &mut providers, &floor).await?;
    }
    for p in providers {
        let mut figures = p.figures;
        figures.after_load_rss_kb = p.started.as_ref().and_then(Started::rss_kb);
        report.errors += figures.errors;
        report.columns.push(figures);
    }
    Ok(report)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// mock-idp (started, or the provider at `--url`), then the peer when `--peer-start` names
/// one.
fn targets(args: &Args, dir: &Path) -> anyhow::Result<Vec<Target>> {
    if args.url.is_some() {
        return Ok(vec![Target {
            name: "--url".into(),
            launch: None,
            more_launches: Vec::new(),
        }]);
    }
    let exe = std::env::current_exe()?.with_file_name("mock-idp");
    if !exe.exists() {
        bail!(
            "{} is missing; run `cargo build --release -p mock-idp` first",
            exe.display()
        );
    }
    let config = dir.join("idp.toml");
    std::fs::write(&config, BENCH_CONFIG)?;
    let mut more_launches = Vec::new();
    let fixtures = PathBuf::from("fixtures/idp.toml");
    if fixtures.exists() {
        let loaded = IdpConfig::load(&fixtures)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("fixtures/idp.toml does not load")?;
        let path = loaded
            .tenants
            .first()
            .map(|t| t.path())
            .context("fixtures/idp.toml has no tenant")?;
        more_launches.push((
            "fixtures/idp.toml".to_owned(),
            Launch::mock_idp(&exe, &fixtures, &path),
        ));
    }
    let mut targets = vec![Target {
        name: "mock-idp".into(),
        launch: Some(Launch::mock_idp(&exe, &config, "bench")),
        more_launches,
    }];
    if let Some(line) = &args.peer_start {
        targets.push(Target {
            name: args.peer_name.clone(),
            launch: Some(Launch::command_line(line, &args.peer_issuer_path)?),
            more_launches: Vec::new(),
        });
    }
    Ok(targets)
}

/// A provider ready for the load: its long-lived instance, the meter on its process and
/// the flow plan against it.
struct Provider {
    figures: Figures,
    started: Option<Started>,
    server: Option<CpuMeter>,
    plan: Arc<FlowPlan>,
}

/// Cold starts, then the long-lived instance every later figure is measured against.
async fn prepare(args: &Args, target: &Target, dir: &Path) -> anyhow::Result<Provider> {
    let mut figures = Figures::new(&target.name);
    let log = dir.join(format!("{}.stderr", target.name.replace('/', "_")));
    if let (Some(launch), false) = (&target.launch, args.no_startup) {
        println!(
            "\n[2] {}: cold start (exec → first 200 from discovery), {} runs",
            target.name, args.startup_runs
        );
        let mut all = vec![("bench config".to_owned(), launch.clone())];
        all.extend(target.more_launches.iter().cloned());
        for (config, launch) in &all {
            let runs = cold_starts(launch, args.startup_runs, &log)
                .with_context(|| format!("cold start of {} ({config})", target.name))?;
            figures.add_startup(config, &runs);
        }
    }
    let started: Option<Started> = match &target.launch {
        Some(launch) => Some(start(launch, &log)?),
        None => None,
    };
    let issuer = match (&started, &args.url) {
        (Some(s), _) => s.issuer.clone(),
        (None, Some(url)) => url.clone(),
        (None, None) => bail!("no provider to measure"),
    };
    let server = started
        .as_ref()
        .map(|s| CpuMeter::of(s.pid()))
        .or(args.server_pid.map(CpuMeter::of));
    let client = FlowClient {
        client_id: args.client_id.clone(),
        auth: match &args.client_secret {
            Some(secret) => ClientAuth::Basic(secret.clone()),
            None => ClientAuth::Public,
        },
        redirect_uri: args.redirect_uri.clone(),
        login_hint: (!args.auto_login).then(|| args.user.clone()),
    };
    let plan = Arc::new(FlowPlan::discover(&issuer, client).await?);
    plan.ready(Duration::from_secs(20))
        .await
        .with_context(|| format!("{} answers discovery but no flow succeeds", target.name))?;
    Ok(Provider {
        figures,
        started,
        server,
        plan,
    })
}

/// `total` split into `rounds` nearly equal parts.
fn slices(total: usize, rounds: usize) -> impl Iterator<Item = usize> {
    let rounds = rounds.clamp(1, total.max(1));
    (0..rounds).map(move |r| total / rounds + usize::from(r < total % rounds))
}

/// `--flows` flows at concurrency `c` against every provider, in `--rounds` slices taken in
/// turn (mock-idp, peer, mock-idp, …): a machine that gets busier during the run slows both
/// alike, instead of whichever happened to run last.
async fn interleaved_flows(args: &Args, providers: &mut [Provider], c: usize) {
    let rounds = slices(args.flows, args.rounds).count();
    println!(
        "\n[3] authorization-code flows at C={c}: {} in {rounds} rounds, the providers in turn",
        args.flows
    );
    let bench = CpuMeter::this_process();
    for p in providers.iter() {
        // Warm up: open the pooled connections and fault in the code paths.
        let plan = p.plan.clone();
        let _ = run((4 * c).max(50), c, move |i| {
            let plan = plan.clone();
            async move { plan.flow(i).await }
        })
        .await;
    }
    let mut tallies: Vec<FlowTally> = providers.iter().map(|_| FlowTally::default()).collect();
    for (round, count) in slices(args.flows, args.rounds).enumerate() {
        for (p, tally) in providers.iter().zip(&mut tallies) {
            let (server_before, bench_before) = (p.server.and_then(CpuMeter::read), bench.read());
            let plan = p.plan.clone();
            let batch = run(count, c, move |i| {
                let plan = plan.clone();
                async move { plan.flow(i).await }
            })
            .await;
            let n = batch.results.len() + batch.errors;
            let server_us = server_before.and_then(|b| b.per(p.server.and_then(CpuMeter::read), 1));
            let bench_us = bench_before.and_then(|b| b.per(bench.read(), 1));
            println!(
                "    round {} of {rounds}, {}: {count} flows, {:.0} flows/s",
                round + 1,
                p.figures.name(),
                batch.rate()
            );
            tally.add(batch, n, server_us, bench_us);
        }
    }
    for (p, tally) in providers.iter_mut().zip(tallies) {
        let (server_us, bench_us) = (
            tally.per_flow(tally.server_us),
            tally.per_flow(tally.bench_us),
        );
        print!("    all rounds, {}:", p.figures.name());
        p.figures.add_flows(c, &tally.batch, server_us, bench_us);
    }
}

/// The flows of one provider at one concurrency, summed over the rounds; CPU in µs, `None`
/// once any round could not be read.
struct FlowTally {
    batch: Batch<()>,
    flows: usize,
    server_us: Option<f64>,
    bench_us: Option<f64>,
}

impl Default for FlowTally {
    fn default() -> Self {
        Self {
            batch: Batch::empty(0),
            flows: 0,
            server_us: Some(0.0),
            bench_us: Some(0.0),
        }
    }
}

impl FlowTally {
    fn add(
        &mut self,
        batch: Batch<()>,
        flows: usize,
        server_us: Option<f64>,
        bench_us: Option<f64>,
    ) {
        self.batch.absorb(batch);
        self.flows += flows;
        self.server_us = self.server_us.zip(server_us).map(|(a, b)| a + b);
        self.bench_us = self.bench_us.zip(bench_us).map(|(a, b)| a + b);
    }

    fn per_flow(&self, total_us: Option<f64>) -> Option<f64> {
        total_us.map(|us| us / self.flows.max(1) as f64)
    }
}

/// The floor (`bench/floor.rs`), answering with the first provider's discovery document.
async fn start_floor(first: &Provider, dir: &Path) -> anyhow::Result<Provider> {
    let body = first
        .plan
        .http
        .get(&first.plan.discovery)
        .send()
        .await?
        .bytes()
        .await?;
    let body_file = dir.join("floor-discovery.json");
    std::fs::write(&body_file, &body)?;
    let launch = Launch {
        program: std::env::current_exe()?.display().to_string(),
        args: vec![
            "--floor-serve".into(),
            "{port}".into(),
            "--floor-body".into(),
            body_file.display().to_string(),
        ],
        issuer_path: String::new(),
    };
    let started = start(&launch, &dir.join("floor.stderr"))?;
    let plan = FlowPlan::discover(&started.issuer, first.plan.client.clone()).await?;
    Ok(Provider {
        figures: Figures::new("floor"),
        server: Some(CpuMeter::of(started.pid())),
        started: Some(started),
        plan: Arc::new(plan),
    })
}

/// `--rounds` rounds of `--requests` requests per endpoint, each round against every
/// provider in turn and then discovery against the floor; the least of each provider's
/// rounds is reported. Returns the floor's least CPU per discovery request.
async fn interleaved_requests(
    args: &Args,
    providers: &mut [Provider],
    floor: &Provider,
) -> anyhow::Result<Option<f64>> {
    let c = args.concurrency[0];
    println!(
        "\n[4] server CPU per request, {} rounds of {} requests per endpoint at C={c}, the providers in turn",
        args.rounds, args.requests
    );
    let fresh: Vec<Arc<FlowPlan>> = providers
        .iter()
        .map(|p| p.plan.with_new_connections().map(Arc::new))
        .collect::<anyhow::Result<_>>()?;
    let mut floor_readings = Vec::new();
    for round in 0..args.rounds.max(1) {
        for (p, plan) in providers.iter_mut().zip(&fresh) {
            println!("    {}, round {}", p.figures.name(), round + 1);
            for cost in endpoint_costs(plan, p.server, args.requests, c).await {
                p.figures.add_endpoint(&cost);
            }
        }
        println!("    floor, round {}", round + 1);
        let cost = discovery_cost(&floor.plan, floor.server, args.requests, c).await;
        if cost.errors > 0 {
            bail!(
                "the floor failed {} discovery request(s): {:?}",
                cost.errors,
                cost.samples
            );
        }
        println!(
            "    discovery  {:7.0} requests/s  server CPU {:.1} µs per request",
            cost.rate,
            cost.server_us.unwrap_or(f64::NAN)
        );
        floor_readings.push(cost.server_us);
    }
    // The least of the rounds, as for the providers; none if any round could not be read.
    let readings: Option<Vec<f64>> = floor_readings.into_iter().collect();
    Ok(readings.and_then(|r| r.into_iter().reduce(f64::min)))
}

#[cfg(test)]
mod tests {
    use super::slices;

    #[test]
    fn flows_split_into_rounds_keep_their_total() {
        assert_eq!(slices(10, 3).collect::<Vec<_>>(), [4, 3, 3]);
        assert_eq!(slices(3000, 3).collect::<Vec<_>>(), [1000, 1000, 1000]);
        // More rounds than flows: one flow per round, no empty round.
        assert_eq!(slices(2, 5).collect::<Vec<_>>(), [1, 1]);
        assert_eq!(slices(7, 0).collect::<Vec<_>>(), [7]);
    }
}
