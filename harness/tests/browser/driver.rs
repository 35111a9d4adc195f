//! Headless Chromium over WebDriver for the tests: decides between failing and skipping when
//! `chromium` or `chromedriver` is missing, then drives a session of [`harness::chromium`]'s,
//! which takes the browser, the driver and the profile down again when dropped (also when a
//! test panics).

use std::io::Write;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use harness::chromium::{Chromedriver, ChromiumError, Programs};
use serde_json::Value;

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

/// A WebDriver session in headless Chromium; `client` is what the tests drive.
#[derive(Debug)]
pub struct Browser {
    pub client: Client,
    // Declared after `client` so it is dropped last.
    driver: Chromedriver,
}

impl Browser {
    /// Starts chromedriver and a browser session, or returns `None` after printing why the
    /// test is skipped. Panics when the programs are missing under `CI=true`.
    pub async fn launch() -> Option<Self> {
        let programs = match Programs::find() {
            Ok(programs) => programs,
            Err(ChromiumError::Missing(missing)) => {
                match Missing::decide(std::env::var("CI").ok().as_deref(), &missing) {
                    Missing::Fail(why) => panic!("{why}"),
                    // Written to the process's stderr, not through `eprintln!`, which the
                    // test harness captures and hides for a passing test: a skip must be seen.
                    Missing::Skip(why) => {
                        let _ = writeln!(std::io::stderr().lock(), "\nSKIPPED {why}");
                        return None;
                    }
                    // `Programs::find` names at least one missing program.
                    Missing::Nothing => return None,
                }
            }
            Err(e) => panic!("{e}"),
        };
        let driver = Chromedriver::start(&programs).unwrap_or_else(|e| panic!("{e}"));
        let client = driver
            .session(PAGE_TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
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
}
