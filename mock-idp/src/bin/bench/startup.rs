//! Starting a provider as a child process: for the flows (the release `mock-idp` with a
//! bench configuration) and for the cold-start measurement (exec → first `200` from
//! discovery, then the idle resident memory).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::process::{Reaper, status_kb};

/// The configuration `idp-bench` gives its own server: one tenant, a public client (as the
/// peer's clients are) and a confidential one, one user.
pub const BENCH_CONFIG: &str = r#"# Written by idp-bench.
[[tenants]]
name = "bench"

[[tenants.clients]]
client_id = "bench-client"
token_endpoint_auth_method = "none"
redirect_uris = ["http://127.0.0.1:9/cb"]

[[tenants.clients]]
client_id = "bench-confidential"
client_secret = "bench-secret"
redirect_uris = ["http://127.0.0.1:9/cb"]

[[tenants.users]]
username = "alice"
"#;

/// A program to start: its path, arguments with `{port}` standing for the port to listen
/// on, and the issuer path (below `http://127.0.0.1:{port}`) whose discovery shows it is up.
#[derive(Debug, Clone)]
pub struct Launch {
    pub program: String,
    pub args: Vec<String>,
    pub issuer_path: String,
}

impl Launch {
    /// The release `mock-idp` with `config`.
    pub fn mock_idp(exe: &Path, config: &Path, issuer_path: &str) -> Self {
        Self {
            program: exe.display().to_string(),
            args: vec![
                "--bind".into(),
                "127.0.0.1:{port}".into(),
                "--config".into(),
                config.display().to_string(),
            ],
            issuer_path: issuer_path.trim_matches('/').to_owned(),
        }
    }

    /// A command line such as `node cli.js -p {port} -h 127.0.0.1`, split on whitespace (no
    /// shell, so nothing but the program itself is timed).
    pub fn command_line(line: &str, issuer_path: &str) -> anyhow::Result<Self> {
        let mut words = line.split_whitespace().map(str::to_owned);
        let program = words.next().context("--peer-start is empty")?;
        let args: Vec<String> = words.collect();
        if !args.iter().any(|a| a.contains("{port}")) {
            bail!("--peer-start must contain {{port}} where the port to listen on goes");
        }
        Ok(Self {
            program,
            args,
            issuer_path: issuer_path.trim_matches('/').to_owned(),
        })
    }

    /// The issuer when started on `port`.
    pub fn issuer(&self, port: u16) -> String {
        match self.issuer_path.as_str() {
            "" => format!("http://127.0.0.1:{port}"),
            path => format!("http://127.0.0.1:{port}/{path}"),
        }
    }
}

/// A started provider: its issuer and process, killed when dropped.
pub struct Started {
    pub issuer: String,
    pub child: Reaper,
    /// Exec → first `200` from discovery.
    pub startup: Duration,
}

impl Started {
    pub fn pid(&self) -> u32 {
        self.child.0.id()
    }

    /// Resident memory now, kB.
    pub fn rss_kb(&self) -> Option<u64> {
        status_kb(self.pid(), "VmRSS")
    }
}

/// A port nothing listens on right now.
fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts `launch` on a free port and polls its discovery document over a fresh connection
/// every ~0.5 ms until the first `200`; `log` receives its standard error.
pub fn start(launch: &Launch, log: &Path) -> anyhow::Result<Started> {
    let port = free_port()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let issuer = launch.issuer(port);
    let path = match launch.issuer_path.as_str() {
        "" => String::new(),
        p => format!("/{p}"),
    };
    let request = format!(
        "GET {path}/.well-known/openid-configuration HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    );
    let args: Vec<String> = launch
        .args
        .iter()
        .map(|a| a.replace("{port}", &port.to_string()))
        .collect();
    let start = Instant::now();
    let child = Command::new(&launch.program)
        .args(&args)
        .env_remove("RUST_LOG")
        .env_remove("MOCK_IDP_ISSUER_BASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log)?)
        .spawn()
        .with_context(|| format!("cannot start {}", launch.program))?;
    let mut child = Reaper(child);
    let deadline = start + Duration::from_secs(20);
    let startup = loop {
        if let Some(status) = child.0.try_wait()? {
            let err = std::fs::read_to_string(log).unwrap_or_default();
            bail!(
                "{} exited with {status} before answering: {}",
                launch.program,
                err.trim()
            );
        }
        if Instant::now() > deadline {
            bail!("{} did not answer on {addr} within 20 s", launch.program);
        }
        match probe(addr, &request) {
            Ok(200) => break start.elapsed(),
            Ok(status) => bail!("discovery at {issuer} answered {status}, expected 200"),
            Err(_) => std::thread::sleep(Duration::from_micros(500)),
        }
    };
    Ok(Started {
        issuer,
        child,
        startup,
    })
}

/// Cold starts of `launch`, `runs` times: (milliseconds to the first answer, idle VmRSS kB
/// 300 ms after it), each child killed before the next starts.
pub fn cold_starts(launch: &Launch, runs: usize, log: &Path) -> anyhow::Result<Vec<(f64, u64)>> {
    let mut out = Vec::new();
    for _ in 0..runs.max(1) {
        let started = start(launch, log)?;
        std::thread::sleep(Duration::from_millis(300));
        let rss = started.rss_kb().context("cannot read VmRSS")?;
        out.push((started.startup.as_secs_f64() * 1000.0, rss));
    }
    Ok(out)
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
