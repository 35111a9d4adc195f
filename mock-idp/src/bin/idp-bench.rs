//! `idp-bench`: how fast is the mock IdP, and how does another OpenID Provider compare?
//!
//! One run measures, for the release `mock-idp` (started as a child process) and optionally
//! a peer provider started the same way, with the same load generator:
//!
//! 1. the raw RS256 signing rate on one core with the key a server signs with;
//! 2. cold start (exec → first 200 from discovery) and idle resident memory;
//! 3. authorization-code flows per second (authorize with PKCE S256 → redirect with a code
//!    → token), latency percentiles, and the server's CPU per flow from its own
//!    `/proc/<pid>/stat`;
//! 4. the server's CPU per request at discovery, authorize, token and userinfo;
//!
//! and prints them side by side against the targets in `docs/bench.md`.
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
#[path = "bench/flow.rs"]
mod flow;
#[path = "bench/report.rs"]
mod report;
#[path = "bench/startup.rs"]
mod startup;

use cpu::{CpuMeter, endpoint_costs};
use flow::{ClientAuth, FlowClient, FlowPlan, run};
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
    /// Rounds of those requests; the least CPU per request of the rounds is reported, since
    /// other processes on the machine only ever add to it.
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
}

// One thread drives every client task: the load generator shares the machine's cores with
// the server it measures, and a multi-threaded runtime spent more CPU per flow waking its
// other workers than the flows themselves cost.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run_bench(Args::parse()).await {
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

    let mut report = Report::new(sig_rate, args.concurrency.clone());
    for target in targets {
        let figures = measure(args, &target, dir).await?;
        report.errors += figures.errors;
        report.columns.push(figures);
    }
    Ok(report)
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

/// Every figure of one provider.
async fn measure(args: &Args, target: &Target, dir: &Path) -> anyhow::Result<Figures> {
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

    // The long-lived instance the flows run against.
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
    println!(
        "\n[3] {}: authorization-code flows against {issuer}, {} per concurrency",
        target.name, args.flows
    );
    let bench = CpuMeter::this_process();
    for &c in &args.concurrency {
        // Warm up: open the pooled connections and fault in the code paths.
        let p = plan.clone();
        let _ = run((4 * c).max(50), c, move |i| {
            let p = p.clone();
            async move { p.flow(i).await }
        })
        .await;
        let (server_before, bench_before) = (server.and_then(CpuMeter::read), bench.read());
        let p = plan.clone();
        let batch = run(args.flows, c, move |i| {
            let p = p.clone();
            async move { p.flow(i).await }
        })
        .await;
        let n = batch.results.len() + batch.errors;
        let server_us = server_before.and_then(|b| b.per(server.and_then(CpuMeter::read), n));
        let client_us = bench_before.and_then(|b| b.per(bench.read(), n));
        figures.add_flows(c, &batch, server_us, client_us);
    }
    if args.requests > 0 {
        let c = args.concurrency[0];
        println!(
            "\n[4] {}: server CPU per request, {} rounds of {} requests per endpoint at C={c}",
            target.name, args.rounds, args.requests
        );
        let fresh = Arc::new(plan.with_new_connections()?);
        for _ in 0..args.rounds.max(1) {
            for cost in endpoint_costs(&fresh, server, args.requests, c).await {
                figures.add_endpoint(&cost);
            }
        }
    }
    if let Some(s) = &started
        && let Some(kb) = s.rss_kb()
    {
        figures.after_load_rss_kb = Some(kb);
    }
    Ok(figures)
}
