//! Headless Chromium over WebDriver: finds Debian's `chromium` and `chromedriver`, decides
//! between failing and skipping when they are missing, starts chromedriver on a port it picks
//! itself with a fresh empty profile, and takes the browser, the driver and the profile down
//! again when dropped (also when a test panics).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// Without the background-networking flags Chromium floods the closed network with refused
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

/// Generous for two shared cores, short enough that a stuck flow fails the test quickly.
const PAGE_TIMEOUT: Duration = Duration::from_secs(20);

/// What to do when a program the browser tests need is not installed.
#[derive(Debug, PartialEq, Eq)]
pub enum Missing {
    /// Run the test.
    Nothing,
    /// Outside CI: pass after saying why nothing ran.
    Skip(String),
    /// In CI (`CI=true`) the browser tests must run.
    Fail(String),
}

impl Missing {
    /// Decides from the value of `CI` and the programs that were not found.
    pub fn decide(ci: Option<&str>, missing: &[&str]) -> Self {
        if missing.is_empty() {
            return Self::Nothing;
        }
        let what = format!(
            "expected {} on the PATH, found none; .ci/run installs Chromium and ChromeDriver \
             (scripts/install-chromium.sh: apt-get install chromium chromium-driver)",
            missing.join(" and ")
        );
        if ci == Some("true") {
            Self::Fail(format!("CI=true and the browser test cannot run: {what}"))
        } else {
            Self::Skip(format!("browser test: {what}"))
        }
    }
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// A WebDriver session in headless Chromium; `client` is what the tests drive.
#[derive(Debug)]
pub struct Browser {
    pub client: Client,
    // Declared after `client` so it is dropped last.
    driver: Driver,
}

impl Browser {
    /// Starts chromedriver and a browser session, or returns `None` after printing why the
    /// test is skipped. Panics when the programs are missing under `CI=true`.
    pub async fn launch() -> Option<Self> {
        let chromium = on_path("chromium");
        let chromedriver = on_path("chromedriver");
        let missing: Vec<&str> = [("chromium", &chromium), ("chromedriver", &chromedriver)]
            .into_iter()
            .filter(|(_, found)| found.is_none())
            .map(|(name, _)| name)
            .collect();
        match Missing::decide(std::env::var("CI").ok().as_deref(), &missing) {
            Missing::Fail(why) => panic!("{why}"),
            Missing::Skip(why) => {
                // Written to the process's stderr, not through `eprintln!`, which the test
                // harness captures and hides for a passing test: a skip must be seen.
                let _ = writeln!(std::io::stderr().lock(), "\nSKIPPED {why}");
                return None;
            }
            Missing::Nothing => {}
        }
        let (chromium, chromedriver) = chromium.zip(chromedriver)?;
        let driver = Driver::start(&chromedriver);
        let client = driver.session(&chromium).await;
        Some(Self { client, driver })
    }

    /// Ends the session cleanly (Chromium exits), then stops chromedriver.
    pub async fn quit(self) {
        let Self { client, driver } = self;
        client.close().await.expect("closing the WebDriver session");
        drop(driver);
    }

    /// Navigates to `url`; the page's own scripts and redirects then run on their own.
    pub async fn open(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("navigating to {url}: {e}"));
    }

    /// The text of the element with `id` on the current page.
    pub async fn text(&self, id: &str) -> String {
        self.element(id)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("reading the text of #{id}: {e}"))
    }

    /// The element with `id` on the current page.
    pub async fn element(&self, id: &str) -> fantoccini::elements::Element {
        match self.client.find(Locator::Id(id)).await {
            Ok(e) => e,
            Err(e) => panic!(
                "expected an element #{id} on {}, found none ({e})\n{}",
                self.url().await,
                self.source_excerpt().await
            ),
        }
    }

    /// The current address.
    pub async fn url(&self) -> url::Url {
        self.client.current_url().await.expect("current URL")
    }

    /// Waits until the browser is on the relying party's signed-in page, failing with the
    /// relying party's error code if the sign-in was refused.
    pub async fn wait_for_signed_in(&self) -> SignedIn {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        loop {
            let at = self.url().await;
            if at.path() == "/me" && self.client.find(Locator::Id("username")).await.is_ok() {
                return SignedIn {
                    url: at,
                    provider: self.text("provider").await,
                    username: self.text("username").await,
                    external_id: self.text("external-id").await,
                    user: serde_json::from_str(&self.text("user").await)
                        .expect("the /me page shows the user as JSON"),
                };
            }
            if let Ok(code) = self.client.find(Locator::Id("error-code")).await {
                let code = code.text().await.unwrap_or_default();
                panic!(
                    "expected to land on /me, the sign-in was refused at {at} with {code}: {}",
                    self.text("error-message").await
                );
            }
            if Instant::now() > deadline {
                panic!(
                    "expected to land on /me within {PAGE_TIMEOUT:?}, found {at}\n{}",
                    self.source_excerpt().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn source_excerpt(&self) -> String {
        let source = self.client.source().await.unwrap_or_default();
        source.chars().take(1500).collect()
    }
}

/// The relying party's `/me` page as the browser shows it.
#[derive(Debug)]
pub struct SignedIn {
    pub url: url::Url,
    pub provider: String,
    pub username: String,
    pub external_id: String,
    /// The `#user` block: the local user record as JSON.
    pub user: Value,
}

/// A chromedriver process and the temporary folder holding its log and the browser profile.
#[derive(Debug)]
struct Driver {
    child: Child,
    port: u16,
    root: PathBuf,
}

impl Driver {
    fn start(program: &Path) -> Self {
        let root = fresh_dir();
        std::fs::create_dir_all(root.join("profile")).expect("profile folder");
        let mut child = Command::new(program)
            .arg("--port=0")
            .arg(format!(
                "--log-path={}",
                root.join("chromedriver.log").display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", program.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        // `--port=0` lets chromedriver pick a free port (no race with other tests), which it
        // announces on stdout; the thread then drains stdout until chromedriver exits.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
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
        // Built before waiting so that a panic below still stops the process.
        let mut driver = Self {
            child,
            port: 0,
            root,
        };
        match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(port) => driver.port = port,
            Err(_) => {
                let status = driver.child.try_wait().ok().flatten();
                panic!(
                    "expected chromedriver to announce its port, found exit status {status:?}\n{}",
                    driver.log()
                );
            }
        }
        driver
    }

    async fn session(&self, chromium: &Path) -> Client {
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!(
            "--user-data-dir={}",
            self.root.join("profile").display()
        ));
        let caps: Capabilities = serde_json::from_value(json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {"pageLoad": PAGE_TIMEOUT.as_millis() as u64, "script": 5000, "implicit": 0},
            "goog:chromeOptions": {"binary": chromium, "args": args},
        }))
        .expect("capabilities are a JSON object");
        ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "expected a WebDriver session in {}, found {e}\n{}",
                    chromium.display(),
                    self.log()
                )
            })
    }

    /// The end of chromedriver's log, for failure messages.
    fn log(&self) -> String {
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

impl Drop for Driver {
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

fn fresh_dir() -> PathBuf {
    static COUNT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    std::env::temp_dir().join(format!(
        "harness-browser-{}-{}-{nanos}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_programs_fail_under_ci_and_skip_elsewhere() {
        assert_eq!(Missing::decide(Some("true"), &[]), Missing::Nothing);
        let Missing::Fail(why) = Missing::decide(Some("true"), &["chromedriver"]) else {
            panic!("expected a failure under CI=true");
        };
        assert!(
            why.contains("chromedriver") && why.contains(".ci/run"),
            "{why}"
        );
        for ci in [None, Some("false"), Some("1")] {
            let Missing::Skip(why) = Missing::decide(ci, &["chromium", "chromedriver"]) else {
                panic!("expected a skip with CI={ci:?}");
            };
            assert!(why.contains("chromium and chromedriver"), "{why}");
        }
    }

    #[test]
    fn reads_the_port_chromedriver_announces() {
        assert_eq!(
            announced_port("ChromeDriver was started successfully on port 45093.\n"),
            Some(45093)
        );
        assert_eq!(announced_port("Only local connections are allowed."), None);
    }
}
