//! `idp-soak`: does the mock IdP stay small when browsers keep signing in with edited claims?
//!
//! Spawns the release `mock-idp` binary with a one-tenant configuration, signs in
//! `--logins` times through the login page (GET /authorize → the page → POST /login with a
//! claims edit unique to each login → 302 with a code), never reusing a session, and prints
//! the server's resident memory (VmRSS) as it goes and its peak (VmHWM) at the end.
//!
//! ```text
//! cargo build --release -p mock-idp
//! cargo run --release -p mock-idp --bin idp-soak -- --logins 100000 --concurrency 8
//! ```

// A CLI whose whole purpose is to print a report.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;

#[path = "shared/process.rs"]
mod process;
use process::{Reaper, status_kb};

const CALLBACK: &str = "http://127.0.0.1:9/cb";

/// Signs in through the login page many times and reports the server's memory.
#[derive(Debug, Parser)]
struct Args {
    /// Logins to make.
    #[arg(long, default_value_t = 100_000)]
    logins: usize,
    /// Concurrent browsers.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Bytes of padding in each login's claims edit (the edit is unique per login).
    #[arg(long, default_value_t = 256)]
    edit_bytes: usize,
    /// The server binary.
    #[arg(long, default_value = "target/release/mock-idp")]
    binary: PathBuf,
}

/// `VmRSS` and `VmHWM` of `pid`, in KiB (0 when unreadable).
fn memory_kib(pid: u32) -> (u64, u64) {
    let field = |name| status_kb(pid, name).unwrap_or(0);
    (field("VmRSS"), field("VmHWM"))
}

fn config(port: u16) -> String {
    format!(
        r#"[server]
bind = "127.0.0.1:{port}"

[[tenants]]
name = "soak"

[[tenants.clients]]
client_id = "soak-app"
client_secret = "soak-secret"
redirect_uris = ["{CALLBACK}"]

[[tenants.users]]
username = "alice"
claims = {{ email = "alice@example.com", email_verified = true, name = "Alice" }}
"#
    )
}

async fn login(http: &reqwest::Client, issuer: &str, n: usize, pad: &str) -> anyhow::Result<()> {
    let page = http
        .get(format!("{issuer}/authorize"))
        .query(&[
            ("client_id", "soak-app"),
            ("redirect_uri", CALLBACK),
            ("response_type", "code"),
            ("scope", "openid email profile"),
            ("state", &format!("s{n}")),
        ])
        .send()
        .await?
        .text()
        .await?;
    let txn = page
        .split("name=\"txn\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("no txn on the login page")?;
    let edit = format!(r#"{{"name":"Alice {n}","email":"alice{n}@example.com","note":"{pad}"}}"#);
    let res = http
        .post(format!("{issuer}/login"))
        .form(&[("txn", txn), ("username", "alice"), ("claims", &edit)])
        .send()
        .await?;
    if res.status() != 302 {
        bail!("login {n}: expected 302, found {}", res.status());
    }
    Ok(())
}

async fn run(args: Args) -> anyhow::Result<()> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let dir = std::env::temp_dir().join(format!("idp-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let config_path = dir.join("idp.toml");
    std::fs::write(&config_path, config(port))?;
    let child = Command::new(&args.binary)
        .arg("--config")
        .arg(&config_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", args.binary.display()))?;
    let server = Reaper(child);
    let pid = server.0.id();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let started = Instant::now();
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        if started.elapsed() > Duration::from_secs(10) {
            bail!("the server did not answer /healthz within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (idle, _) = memory_kib(pid);
    println!("idle: VmRSS {} MiB", idle / 1024);
    let issuer = Arc::new(format!("{base}/soak"));
    let pad = Arc::new("x".repeat(args.edit_bytes));
    let next = Arc::new(AtomicUsize::new(0));
    let report_every = (args.logins / 10).max(1);
    let mut workers = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let (http, issuer, pad, next) = (http.clone(), issuer.clone(), pad.clone(), next.clone());
        let total = args.logins;
        workers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    return Ok::<_, anyhow::Error>(());
                }
                login(&http, &issuer, n, &pad).await?;
                if (n + 1) % report_every == 0 {
                    let (rss, _) = memory_kib(pid);
                    println!("{:>7} logins: VmRSS {} MiB", n + 1, rss / 1024);
                }
            }
        }));
    }
    for w in workers {
        w.await??;
    }
    let (rss, peak) = memory_kib(pid);
    println!(
        "after {} logins in {:.1} s: VmRSS {} MiB, peak VmHWM {} MiB",
        args.logins,
        started.elapsed().as_secs_f64(),
        rss / 1024,
        peak / 1024
    );
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
