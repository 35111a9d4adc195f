//! `idp-bench`: how fast is the mock IdP?
//!
//! One run measures, and compares with the targets in `docs/bench.md`:
//!
//! 1. the raw RS256 signing rate on one core with the key a started server signs with;
//! 2. full authorization-code flows per second over loopback (GET /authorize with
//!    `login_hint` → 302 with a code → POST /token with `client_secret_basic`), with
//!    latency percentiles, at one or more concurrencies;
//! 3. the start-up time of the release `mock-idp` binary (spawn → first 200 from discovery);
//! 4. its idle resident memory.
//!
//! ```text
//! cargo build --release -p mock-idp
//! cargo run --release -p mock-idp --bin idp-bench -- --flows 5000 --concurrency 8,32
//! ```

// A CLI whose whole purpose is to print a report on stdout/stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use mock_idp::{Alg, Client, IdpConfig, MockIdp, SigningKey, User};
use serde_json::{Value, json};

#[path = "shared/process.rs"]
mod process;
use process::{Reaper, status_kb};

/// Flows per second ÷ single-core RS256 signatures per second must reach this.
const TARGET_RATIO: f64 = 0.80;
/// Spawn → first 200 from discovery, milliseconds (median of the runs).
const TARGET_STARTUP_MS: f64 = 20.0;
/// Idle resident memory of the started binary, MB (MiB).
const TARGET_RSS_MB: f64 = 15.0;

/// Benchmarks the mock IdP: signing rate, authorization-code flows per second, start-up time
/// and idle memory, each against its target.
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
    /// Base URL of an external server (e.g. http://127.0.0.1:9090); by default an in-process
    /// server is started on 127.0.0.1:0.
    #[arg(long)]
    url: Option<String>,
    /// Issuer path below the base URL (with --url; `<tenant_id>/v2.0` for Entra tenants).
    #[arg(long, default_value = "default")]
    tenant: String,
    /// Confidential client to run the flows as.
    #[arg(long, default_value = "bench-client")]
    client_id: String,
    /// Its secret (sent with client_secret_basic).
    #[arg(long, default_value = "bench-secret")]
    client_secret: String,
    /// A redirect URI registered for the client.
    #[arg(long, default_value = "http://127.0.0.1:9/cb")]
    redirect_uri: String,
    /// The user signed in through login_hint.
    #[arg(long, default_value = "alice")]
    user: String,
    /// Seconds to sign for when measuring the raw signing rate.
    #[arg(long, default_value_t = 1.0)]
    sign_seconds: f64,
    /// Start-up runs per configuration.
    #[arg(long, default_value_t = 5)]
    startup_runs: usize,
    /// Skip the start-up and memory measurements.
    #[arg(long)]
    no_startup: bool,
    /// Exit non-zero when a target is missed (errors always make the exit non-zero).
    #[arg(long)]
    strict: bool,
}

/// One line of the summary table.
struct Row {
    what: String,
    value: String,
    target: String,
    /// `None`: informational, no target.
    pass: Option<bool>,
}

impl Row {
    fn info(what: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            value: value.into(),
            target: String::new(),
            pass: None,
        }
    }

    fn check(
        what: impl Into<String>,
        value: impl Into<String>,
        target: impl Into<String>,
        pass: bool,
    ) -> Self {
        Self {
            what: what.into(),
            value: value.into(),
            target: target.into(),
            pass: Some(pass),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("idp-bench: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.flows == 0 || args.concurrency.contains(&0) {
        bail!("--flows and --concurrency must be at least 1");
    }
    let mut rows = Vec::new();
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

    // The in-process server: the flows' target by default, and the source of the signing key
    // (the same kind of key, parsed once, that every server signs ID tokens with).
    let idp = MockIdp::builder()
        .user(User::new(args.user.clone()))
        .client(
            Client::confidential(args.client_id.clone(), args.client_secret.clone())
                .redirect_uri(args.redirect_uri.clone()),
        )
        .start()
        .await;
    let key = idp
        .default_tenant()
        .signing_key(Alg::RS256)
        .context("the in-process server has no RS256 key")?;

    // The flows' target, checked before anything is measured.
    let (base, tenant) = match &args.url {
        Some(u) => (u.trim_end_matches('/').to_owned(), args.tenant.clone()),
        None => (idp.url(), idp.default_tenant().name().to_owned()),
    };
    let issuer = format!("{base}/{}", tenant.trim_matches('/'));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(usize::MAX)
        .build()?;
    let meta: Value = http
        .get(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .with_context(|| format!("discovery at {issuer} failed; check --url and --tenant"))?
        .json()
        .await?;
    let endpoint = |name: &str| {
        meta[name]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("discovery at {issuer} has no {name}"))
    };
    let plan = Arc::new(FlowPlan {
        http,
        authorize: url::Url::parse(&endpoint("authorization_endpoint")?)?,
        token: endpoint("token_endpoint")?,
        client_id: args.client_id.clone(),
        client_secret: args.client_secret.clone(),
        redirect_uri: args.redirect_uri.clone(),
        user: args.user.clone(),
    });

    // 1. Raw signing rate on one core.
    let input = signing_input(&key, &idp.issuer());
    println!(
        "\n[1] raw RS256 signing, one thread, {}-byte JWS signing input, kid {}",
        input.len(),
        key.kid()
    );
    let seconds = args.sign_seconds;
    let sign_key = key.clone();
    let sig_rate = std::thread::spawn(move || signing_rate(&sign_key, input.as_bytes(), seconds))
        .join()
        .map_err(|_| anyhow::anyhow!("the signing thread panicked"))?;
    println!("    {sig_rate:.0} signatures/s");
    rows.push(Row::info(
        "RS256 signatures/s (1 core)",
        format!("{sig_rate:.0}"),
    ));

    // 2. Authorization-code flows.
    println!(
        "\n[2] authorization-code flows against {} ({issuer}), {} flows per concurrency",
        if args.url.is_some() {
            "an external server"
        } else {
            "the in-process server"
        },
        args.flows
    );
    let mut total_errors = 0;
    for &c in &args.concurrency {
        // Warm up: open the pooled connections and fault in the code paths.
        let _ = run_flows(&plan, (4 * c).max(50), c).await;
        let cpu_before = cpu_seconds();
        let r = run_flows(&plan, args.flows, c).await;
        let cpu = cpu_seconds() - cpu_before;
        let rate = r.ok as f64 / r.wall.as_secs_f64();
        let ratio = rate / sig_rate;
        let (p50, p99, max) = (r.percentile(50.0), r.percentile(99.0), r.percentile(100.0));
        println!(
            "    C={c:<3} {rate:7.0} flows/s  p50 {p50:6.2} ms  p99 {p99:6.2} ms  max {max:6.2} ms  errors {}  ratio {ratio:.2}",
            r.errors,
        );
        // Where the CPU went: with the in-process server this is server + client work.
        println!(
            "          this process: {:.2} cores busy, {:.0} µs CPU per flow{}",
            cpu / r.wall.as_secs_f64(),
            cpu * 1e6 / (r.ok + r.errors).max(1) as f64,
            if args.url.is_some() {
                " (client only)"
            } else {
                " (server + client)"
            }
        );
        for e in &r.samples {
            println!("      error: {e}");
        }
        total_errors += r.errors;
        rows.push(Row::info(format!("flows/s, C={c}"), format!("{rate:.0}")));
        rows.push(Row::info(
            format!("flow latency p50/p99/max, C={c}"),
            format!("{p50:.2} / {p99:.2} / {max:.2} ms"),
        ));
        rows.push(Row::check(
            format!("flows/s ÷ signatures/s, C={c}"),
            format!("{ratio:.2}"),
            format!("≥ {TARGET_RATIO:.2}"),
            ratio >= TARGET_RATIO,
        ));
        rows.push(Row::check(
            format!("errors, C={c}"),
            r.errors.to_string(),
            "= 0",
            r.errors == 0,
        ));
    }
    drop(idp);

    // 3 and 4. Start-up time and idle memory of the release binary.
    if !args.no_startup {
        let runs = args.startup_runs.max(1);
        let exe = std::env::current_exe()?.with_file_name("mock-idp");
        if !exe.exists() {
            println!(
                "\n[3] start-up: {} is missing; run `cargo build --release -p mock-idp` first",
                exe.display()
            );
            rows.push(Row::check(
                "start-up (binary missing)",
                "not measured",
                format!("< {TARGET_STARTUP_MS:.0} ms"),
                false,
            ));
        } else {
            let dir = std::env::temp_dir().join(format!("idp-bench-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let config = dir.join("idp.toml");
            std::fs::write(&config, BENCH_CONFIG)?;
            let mut configs = vec![("bench config".to_owned(), config, "bench".to_owned())];
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
                configs.push(("fixtures/idp.toml".to_owned(), fixtures, path));
            }
            println!(
                "\n[3] start-up of {} (spawn → first 200 from discovery), {runs} runs each",
                exe.display()
            );
            for (name, config, path) in &configs {
                let mut times = Vec::new();
                let mut rss = Vec::new();
                for _ in 0..runs {
                    let (ms, kb) = startup(&exe, config, path, &dir)
                        .with_context(|| format!("start-up with {name}"))?;
                    times.push(ms);
                    rss.push(kb);
                }
                times.sort_by(f64::total_cmp);
                let min = times[0];
                let median = times[times.len() / 2];
                let rss_mb = rss.iter().copied().max().unwrap_or(0) as f64 / 1024.0;
                println!(
                    "    {name:<18} min {min:6.2} ms  median {median:6.2} ms  all {}",
                    times
                        .iter()
                        .map(|t| format!("{t:.1}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                println!(
                    "    {name:<18} idle VmRSS {rss_mb:.1} MB (largest of the runs, read 300 ms after the first answer)"
                );
                rows.push(Row::check(
                    format!("start-up, {name} (min / median)"),
                    format!("{min:.1} / {median:.1} ms"),
                    format!("median < {TARGET_STARTUP_MS:.0} ms"),
                    median < TARGET_STARTUP_MS,
                ));
                rows.push(Row::check(
                    format!("idle RSS, {name}"),
                    format!("{rss_mb:.1} MB"),
                    format!("< {TARGET_RSS_MB:.0} MB"),
                    rss_mb < TARGET_RSS_MB,
                ));
            }
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    print_table(&rows);
    let missed = rows.iter().filter(|r| r.pass == Some(false)).count();
    if total_errors > 0 {
        println!("\n{total_errors} flow(s) failed: exit status 1");
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

fn print_table(rows: &[Row]) {
    let w0 = rows
        .iter()
        .map(|r| r.what.chars().count())
        .max()
        .unwrap_or(0);
    let w1 = rows
        .iter()
        .map(|r| r.value.chars().count())
        .max()
        .unwrap_or(0);
    let w2 = rows
        .iter()
        .map(|r| r.target.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
    println!("\nSummary");
    println!(
        "{}  {}  {}  result",
        pad("measure", w0),
        pad("value", w1),
        pad("target", w2)
    );
    println!("{}", "-".repeat(w0 + w1 + w2 + 12));
    for r in rows {
        let result = match r.pass {
            None => "",
            Some(true) => "PASS",
            Some(false) => "FAIL",
        };
        println!(
            "{}  {}  {}  {result}",
            pad(&r.what, w0),
            pad(&r.value, w1),
            pad(&r.target, w2)
        );
    }
}

/// A JWS signing input shaped like an ID token from the flows below, padded with profile
/// claims to about 600 bytes.
fn signing_input(key: &SigningKey, issuer: &str) -> String {
    use base64::Engine;
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
    };
    let header = json!({ "alg": "RS256", "typ": "JWT", "kid": key.kid() });
    let claims = json!({
        "iss": issuer,
        "sub": "a1b2c3d4-alice",
        "aud": "bench-client",
        "exp": 1_795_000_000 + 3600,
        "iat": 1_795_000_000,
        "auth_time": 1_795_000_000,
        "sid": "Q2hhbmdlIG1lIGlmIHlvdSBjYW4gcmVhZCB0aGlz",
        "nonce": "n-0S6_WzA2Mj-8f3c1e9b",
        "at_hash": "77QmUPtjPfzWtF2AnpK9RQ",
        "email": "alice@example.com",
        "email_verified": true,
        "name": "Alice Anders",
        "given_name": "Alice",
        "family_name": "Anders",
    });
    format!("{}.{}", b64(&header), b64(&claims))
}

/// Signatures per second on the calling thread, after a short warm-up.
fn signing_rate(key: &SigningKey, input: &[u8], seconds: f64) -> f64 {
    for _ in 0..20 {
        std::hint::black_box(key.sign(input));
    }
    let budget = Duration::from_secs_f64(seconds.max(0.05));
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        std::hint::black_box(key.sign(std::hint::black_box(input)));
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// User + system CPU time of this process, seconds (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // USER_HZ is 100 on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

/// What every flow needs.
#[derive(Debug)]
struct FlowPlan {
    http: reqwest::Client,
    authorize: url::Url,
    token: String,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
    user: String,
}

/// The outcome of a batch of flows.
#[derive(Debug, Default)]
struct FlowReport {
    ok: usize,
    errors: usize,
    /// The first few error messages.
    samples: Vec<String>,
    /// Latency of every successful flow, sorted.
    latencies: Vec<Duration>,
    wall: Duration,
}

impl FlowReport {
    /// Nearest-rank percentile in milliseconds.
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        let i = rank.clamp(1, self.latencies.len()) - 1;
        self.latencies[i].as_secs_f64() * 1000.0
    }
}

/// Runs `flows` flows with `concurrency` tasks sharing one HTTP client.
async fn run_flows(plan: &Arc<FlowPlan>, flows: usize, concurrency: usize) -> FlowReport {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let plan = plan.clone();
            let next = next.clone();
            tokio::spawn(async move {
                let mut mine = FlowReport::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= flows {
                        break;
                    }
                    let t = Instant::now();
                    match flow(&plan, i).await {
                        Ok(()) => {
                            mine.ok += 1;
                            mine.latencies.push(t.elapsed());
                        }
                        Err(e) => {
                            mine.errors += 1;
                            if mine.samples.len() < 3 {
                                mine.samples.push(format!("{e:#}"));
                            }
                        }
                    }
                }
                mine
            })
        })
        .collect();
    let mut report = FlowReport::default();
    for t in tasks {
        match t.await {
            Ok(mine) => {
                report.ok += mine.ok;
                report.errors += mine.errors;
                report.latencies.extend(mine.latencies);
                for s in mine.samples {
                    if report.samples.len() < 5 {
                        report.samples.push(s);
                    }
                }
            }
            Err(e) => {
                report.errors += 1;
                report.samples.push(format!("client task failed: {e}"));
            }
        }
    }
    report.wall = start.elapsed();
    report.latencies.sort_unstable();
    report
}

/// One authorization-code flow: authorize with login_hint, then redeem the code.
async fn flow(plan: &FlowPlan, i: usize) -> anyhow::Result<()> {
    let state = format!("st{i}");
    let mut url = plan.authorize.clone();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &plan.client_id)
        .append_pair("redirect_uri", &plan.redirect_uri)
        .append_pair("scope", "openid")
        .append_pair("state", &state)
        .append_pair("nonce", &format!("n{i}"))
        .append_pair("login_hint", &plan.user);
    let res = plan.http.get(url).send().await.context("GET /authorize")?;
    if res.status() != reqwest::StatusCode::FOUND {
        let status = res.status();
        let body = res.text().await.unwrap_or_default();
        bail!("authorize: expected 302, got {status}: {}", snippet(&body));
    }
    let location = res
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .context("authorize: 302 without Location")?;
    let location = url::Url::parse(location).context("authorize: Location is not a URL")?;
    let mut code = None;
    let mut got_state = None;
    for (k, v) in location.query_pairs() {
        match &*k {
            "code" => code = Some(v.into_owned()),
            "state" => got_state = Some(v.into_owned()),
            "error" => bail!("authorize: redirected with error {v}: {location}"),
            _ => {}
        }
    }
    let code = code.context("authorize: no code in the redirect")?;
    if got_state.as_deref() != Some(state.as_str()) {
        bail!("authorize: state {got_state:?} differs from {state}");
    }
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let res = plan
        .http
        .post(&plan.token)
        .basic_auth(enc(&plan.client_id), Some(enc(&plan.client_secret)))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", plan.redirect_uri.as_str()),
        ])
        .send()
        .await
        .context("POST /token")?;
    let status = res.status();
    let body = res.bytes().await.context("token: reading the body")?;
    if status != reqwest::StatusCode::OK {
        bail!(
            "token: expected 200, got {status}: {}",
            snippet(&String::from_utf8_lossy(&body))
        );
    }
    let json: Value = serde_json::from_slice(&body).context("token: body is not JSON")?;
    let id_token = json["id_token"]
        .as_str()
        .context("token: no id_token in the response")?;
    if id_token.split('.').count() != 3 || id_token.len() < 100 {
        bail!(
            "token: id_token is not a compact JWS: {}",
            snippet(id_token)
        );
    }
    Ok(())
}

fn snippet(s: &str) -> String {
    s.chars().take(200).collect()
}

/// The configuration the start-up runs use: one tenant, one client, one user.
const BENCH_CONFIG: &str = r#"# Written by idp-bench for its start-up measurement.
[[tenants]]
name = "bench"

[[tenants.clients]]
client_id = "bench-client"
client_secret = "bench-secret"
redirect_uris = ["http://127.0.0.1:9/cb"]

[[tenants.users]]
username = "alice"
"#;

/// A port nothing listens on right now.
fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Spawns `exe` with `config`, polls discovery until the first 200, waits 300 ms and reads
/// VmRSS. Returns (milliseconds from spawn to the first 200, VmRSS in kB).
fn startup(exe: &Path, config: &Path, tenant_path: &str, dir: &Path) -> anyhow::Result<(f64, u64)> {
    let port = free_port()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let log = dir.join("mock-idp.stderr");
    let request = format!(
        "GET /{tenant_path}/.well-known/openid-configuration HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    );
    let start = Instant::now();
    let child = Command::new(exe)
        .arg("--bind")
        .arg(addr.to_string())
        .arg("--config")
        .arg(config)
        .env_remove("RUST_LOG")
        .env_remove("MOCK_IDP_ISSUER_BASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .spawn()
        .with_context(|| format!("cannot start {}", exe.display()))?;
    let mut child = Reaper(child);
    let deadline = start + Duration::from_secs(10);
    let elapsed = loop {
        if let Some(status) = child.0.try_wait()? {
            let err = std::fs::read_to_string(&log).unwrap_or_default();
            bail!(
                "mock-idp exited with {status} before answering: {}",
                err.trim()
            );
        }
        if Instant::now() > deadline {
            bail!("mock-idp did not answer on {addr} within 10 s");
        }
        match probe(addr, &request) {
            Ok(200) => break start.elapsed(),
            Ok(status) => bail!("discovery answered {status}, expected 200"),
            Err(_) => std::thread::sleep(Duration::from_micros(500)),
        }
    };
    std::thread::sleep(Duration::from_millis(300));
    let rss = status_kb(child.0.id(), "VmRSS").context("cannot read VmRSS")?;
    drop(child);
    Ok((elapsed.as_secs_f64() * 1000.0, rss))
}

/// Sends one HTTP/1.1 request on a fresh connection; returns the status code.
fn probe(addr: SocketAddr, request: &str) -> std::io::Result<u16> {
    let mut s = TcpStream::connect(addr)?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    s.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no HTTP status line"))
}
