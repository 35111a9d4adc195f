//! Headless Chromium over WebDriver, for pages that only work with their script running.
//!
//! Finds Debian's `chromium` and `chromedriver` on the `PATH`, starts chromedriver on a port
//! it picks itself, and opens sessions with a fresh, empty profile each, so two sessions never
//! share a cookie. Dropping the [`Chromedriver`] stops it and every browser it started. Used by
//! `harness check` (for applications whose fragment page runs script) and by the browser tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// Without the background-networking flags Chromium floods a closed network with refused
/// connections; `--no-sandbox` because CI runs as root.
const CHROMIUM_ARGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// Why Chromium cannot be driven.
#[derive(Debug, thiserror::Error)]
pub enum ChromiumError {
    /// A program is not installed.
    #[error(
        "expected {} on the PATH, found none; scripts/install-chromium.sh installs them \
         (apt-get install chromium chromium-driver)",
        .0.join(" and ")
    )]
    Missing(Vec<&'static str>),
    /// chromedriver would not start.
    #[error("starting {program}: {source}")]
    Start {
        /// The chromedriver binary.
        program: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// chromedriver started but never said which port it listens on.
    #[error("expected chromedriver to announce its port, found {status}\n{log}")]
    NoPort {
        /// How it ended (`exit status: 1`), or that it still ran.
        status: String,
        /// The end of its log.
        log: String,
    },
    /// The WebDriver session (the browser) would not start.
    #[error("expected a WebDriver session in {chromium}, found {reason}\n{log}")]
    Session {
        /// The browser binary.
        chromium: String,
        /// What chromedriver answered.
        reason: String,
        /// The end of chromedriver's log.
        log: String,
    },
}

/// Where `chromium` and `chromedriver` are.
#[derive(Debug, Clone)]
pub struct Programs {
    /// The browser.
    pub chromium: PathBuf,
    /// The WebDriver server.
    pub chromedriver: PathBuf,
}

impl Programs {
    /// Both programs from the `PATH`, or the names of those missing.
    pub fn find() -> Result<Self, ChromiumError> {
        let chromium = on_path("chromium");
        let chromedriver = on_path("chromedriver");
        match (chromium, chromedriver) {
            (Some(chromium), Some(chromedriver)) => Ok(Self {
                chromium,
                chromedriver,
            }),
            (chromium, chromedriver) => Err(ChromiumError::Missing(
                [("chromium", chromium), ("chromedriver", chromedriver)]
                    .into_iter()
                    .filter(|(_, found)| found.is_none())
                    .map(|(name, _)| name)
                    .collect(),
            )),
        }
    }
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// The exit status of a chromedriver that announced no port within 15 s and still ran.
const STILL_RUNNING: &str = "none (still running after 15 s)";

/// A chromedriver process and the temporary folder holding its log and browser profiles.
#[derive(Debug)]
pub struct Chromedriver {
    child: Child,
    port: u16,
    root: PathBuf,
    chromium: PathBuf,
}

impl Chromedriver {
    /// Starts chromedriver; sessions it opens run `programs.chromium`.
    pub fn start(programs: &Programs) -> Result<Self, ChromiumError> {
        // chromedriver 156 sometimes picks a port that is taken on IPv4 ("bind() failed:
        // Address already in use", then "listen on IPv4 failed") and exits before announcing
        // any; a new start picks another port.
        let mut attempts = 1;
        loop {
            match Self::start_once(programs) {
                Err(ChromiumError::NoPort { status, .. })
                    if status != STILL_RUNNING && attempts < 3 =>
                {
                    tracing::debug!(%status, "chromedriver exited before announcing a port; starting it again");
                    attempts += 1;
                }
                started => return started,
            }
        }
    }

    fn start_once(programs: &Programs) -> Result<Self, ChromiumError> {
        let root = fresh_dir();
        let _ = std::fs::create_dir_all(&root);
        let mut child = Command::new(&programs.chromedriver)
            .arg("--port=0")
            .arg(format!(
                "--log-path={}",
                root.join("chromedriver.log").display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| ChromiumError::Start {
                program: programs.chromedriver.display().to_string(),
                source,
            })?;
        let stdout = child.stdout.take();
        // `--port=0` lets chromedriver pick a free port (no race with other runs), which it
        // announces on stdout; the thread then drains stdout until chromedriver exits.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let Some(stdout) = stdout else { return };
            let mut lines = BufReader::new(stdout);
            let mut line = String::new();
            while lines.read_line(&mut line).is_ok_and(|n| n > 0) {
                if let Some(port) = announced_port(&line) {
                    let _ = tx.send(port);
                    break;
                }
                line.clear();
            }
            let _ = std::io::copy(&mut lines, &mut std::io::sink());
        });
        // Built before waiting so that an early return still stops the process.
        let mut driver = Self {
            child,
            port: 0,
            root,
            chromium: programs.chromium.clone(),
        };
        match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(port) => driver.port = port,
            Err(_) => {
                let status = driver.child.try_wait().ok().flatten();
                return Err(ChromiumError::NoPort {
                    status: status.map_or_else(|| STILL_RUNNING.to_owned(), |s| s.to_string()),
                    log: driver.log(),
                });
            }
        }
        Ok(driver)
    }

    /// A new browser with an empty profile of its own; `page_timeout` bounds each page load.
    pub async fn session(&self, page_timeout: Duration) -> Result<Client, ChromiumError> {
        let profile = fresh_dir_in(&self.root);
        let _ = std::fs::create_dir_all(&profile);
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let caps: Capabilities = serde_json::from_value(json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {"pageLoad": page_timeout.as_millis() as u64, "script": 5000, "implicit": 0},
            "goog:chromeOptions": {"binary": self.chromium, "args": args},
        }))
        .unwrap_or_default();
        ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .map_err(|e| ChromiumError::Session {
                chromium: self.chromium.display().to_string(),
                reason: e.to_string(),
                log: self.log(),
            })
    }

    /// The end of chromedriver's log, for error messages.
    pub fn log(&self) -> String {
        let text = std::fs::read_to_string(self.root.join("chromedriver.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Asks chromedriver to quit: it closes every browser it started, then exits.
    fn ask_to_shut_down(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let request = format!(
            "GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        );
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let _ = stream.read_to_end(&mut Vec::new());
        true
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        if self.port != 0 && self.ask_to_shut_down() {
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The port in chromedriver's "ChromeDriver was started successfully on port 41234." line.
fn announced_port(line: &str) -> Option<u16> {
    line.trim()
        .strip_prefix("ChromeDriver was started successfully on port ")?
        .trim_end_matches('.')
        .parse()
        .ok()
}

static COUNT: AtomicU32 = AtomicU32::new(0);

fn fresh_dir() -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    std::env::temp_dir().join(format!(
        "harness-chromium-{}-{}-{nanos}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ))
}

fn fresh_dir_in(root: &Path) -> PathBuf {
    root.join(format!("profile-{}", COUNT.fetch_add(1, Ordering::Relaxed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_port_chromedriver_announces() {
        assert_eq!(
            announced_port("ChromeDriver was started successfully on port 45093.\n"),
            Some(45093)
        );
        assert_eq!(announced_port("Only local connections are allowed."), None);
    }

    /// A stand-in chromedriver that fails to bind on its first `failures` starts, then
    /// announces port 9; each start appends a line to `starts`.
    fn flaky_driver(dir: &std::path::Path, failures: usize) -> Programs {
        use std::os::unix::fs::PermissionsExt;
        let script = dir.join("chromedriver");
        let starts = dir.join("starts");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho start >> {starts}\nif [ $(wc -l < {starts}) -le {failures} ]; then\n  echo '[SEVERE]: bind() failed: Address already in use (98)'\n  exit 1\nfi\necho 'ChromeDriver was started successfully on port 9.'\nexec sleep 30\n",
                starts = starts.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        Programs {
            chromium: dir.join("chromium"),
            chromedriver: script,
        }
    }

    fn starts(dir: &std::path::Path) -> usize {
        std::fs::read_to_string(dir.join("starts"))
            .unwrap_or_default()
            .lines()
            .count()
    }

    #[test]
    fn a_chromedriver_that_exits_before_announcing_a_port_is_started_again() {
        let dir = fresh_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let driver =
            Chromedriver::start(&flaky_driver(&dir, 2)).expect("the third start announces");
        assert_eq!(driver.port, 9);
        assert_eq!(starts(&dir), 3);
        drop(driver);

        // Three exits in a row: the error names the exit status, after three starts.
        let again = dir.join("again");
        std::fs::create_dir_all(&again).unwrap();
        let err = Chromedriver::start(&flaky_driver(&again, 5)).unwrap_err();
        assert!(
            matches!(&err, ChromiumError::NoPort { status, .. } if status.contains("exit status: 1")),
            "{err}"
        );
        assert_eq!(starts(&again), 3);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_program_is_named_with_the_install_script() {
        let why = ChromiumError::Missing(vec!["chromium", "chromedriver"]).to_string();
        assert!(why.contains("chromium and chromedriver"), "{why}");
        assert!(why.contains("scripts/install-chromium.sh"), "{why}");
    }
}
