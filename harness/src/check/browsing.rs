//! Which browser plays a cell's sign-in: the headless agent, or Chromium for applications
//! whose pages need their script to run.
//!
//! The headless agent ([`mock_idp::agent::UserAgent`]) follows redirects, submits `form_post`
//! pages and relays a fragment only into a form with `id="fragment-relay"`. Most applications'
//! fragment pages instead run script that reads `location.hash`; for them a flow's sign-ins
//! run in headless Chromium. After a Chromium sign-in its cookies move into a headless agent,
//! so the success signals, the refresh and the request-log reading stay one code path.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use fantoccini::Client;
use mock_idp::agent::{Landing, UserAgent};
use mock_idp::catalog::FlowKind;
use serde_json::Value;
use url::Url;

use crate::chromium::{Chromedriver, ChromiumError, Programs};

/// `--browser`: who plays the sign-ins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum BrowserChoice {
    /// The headless agent; a flow whose baseline fails in it is tried again in Chromium
    /// (when installed), and runs there if that baseline passes.
    #[default]
    Auto,
    /// Only the headless agent.
    Headless,
    /// Chromium for every flow.
    Chromium,
}

/// How long the page must keep still (same URL, loaded) before the journey counts as over:
/// long enough for a script that submits a form on load, short enough for 250 cells.
const SETTLED: Duration = Duration::from_millis(400);
const POLL: Duration = Duration::from_millis(100);

/// The page's state as one script call reads it.
const READ_PAGE: &str = "return [document.readyState, \
    !!document.querySelector('form#login input[name=username]')];";

/// What the login page's person does: pick the user, submit.
const PICK_USER: &str = "const radio = document.querySelector(\
    'form#login input[name=username][value=\"' + CSS.escape(arguments[0]) + '\"]'); \
    if (!radio) { return false; } radio.click(); \
    document.getElementById('login').requestSubmit(); return true;";

/// The landing page's HTTP status, which WebDriver itself does not expose.
const STATUS: &str = "const n = performance.getEntriesByType('navigation')[0]; \
    return n && n.responseStatus ? n.responseStatus : 0;";

/// A chromedriver kept for the whole run; each sign-in gets a browser of its own.
#[derive(Debug)]
pub struct ChromiumSignIn {
    driver: Chromedriver,
}

impl ChromiumSignIn {
    /// Starts chromedriver, or says what is missing.
    pub fn start() -> Result<Self, ChromiumError> {
        Ok(Self {
            driver: Chromedriver::start(&Programs::find()?)?,
        })
    }

    /// Signs in from `url` in a fresh browser, as `login_hint` on the mock IdP's login page
    /// if the application shows it; returns where the browser landed and a headless agent
    /// holding the browser's cookies for that site.
    pub async fn sign_in(
        &self,
        url: &str,
        login_hint: &str,
        limit: Duration,
    ) -> Result<(UserAgent, Landing), String> {
        let client = self
            .driver
            .session(limit)
            .await
            .map_err(|e| e.to_string())?;
        let journey = tokio::time::timeout(limit, journey(&client, url, login_hint)).await;
        let outcome = match journey {
            Ok(Ok(landing)) => cookies_into_agent(&client, &landing.url)
                .await
                .map(|agent| (agent, landing)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(format!(
                "no settled page within {}s in Chromium (cell_timeout_secs)",
                limit.as_secs()
            )),
        };
        let _ = client.close().await;
        outcome
    }
}

async fn journey(client: &Client, url: &str, login_hint: &str) -> Result<Landing, String> {
    client
        .goto(url)
        .await
        .map_err(|e| format!("Chromium could not open {url}: {e}"))?;
    let mut logged_in = false;
    let mut last: Option<Url> = None;
    let mut still_since = Instant::now();
    loop {
        tokio::time::sleep(POLL).await;
        // Between pages the script context may be gone for a moment: that is movement.
        let (Ok(at), Ok(page)) = (
            client.current_url().await,
            client.execute(READ_PAGE, Vec::new()).await,
        ) else {
            last = None;
            continue;
        };
        let loaded = page.get(0).and_then(Value::as_str) == Some("complete");
        let login_page = page.get(1).and_then(Value::as_bool) == Some(true);
        if login_page && loaded && !logged_in {
            let picked = client
                .execute(PICK_USER, vec![Value::from(login_hint)])
                .await
                .map_err(|e| format!("the login page at {at}: {e}"))?;
            if picked != Value::Bool(true) {
                return Err(format!(
                    "expected user {login_hint} on the mock IdP's login page at {at}, found none"
                ));
            }
            logged_in = true;
            last = None;
            continue;
        }
        if last.as_ref() != Some(&at) || !loaded {
            last = Some(at);
            still_since = Instant::now();
            continue;
        }
        if still_since.elapsed() >= SETTLED {
            let status = client
                .execute(STATUS, Vec::new())
                .await
                .ok()
                .and_then(|v| v.as_u64())
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0);
            let body = client.source().await.unwrap_or_default();
            return Ok(Landing {
                url: at,
                status,
                body,
            });
        }
    }
}

/// The browser's cookies for the landing page's site, in a fresh headless agent.
async fn cookies_into_agent(client: &Client, landing: &Url) -> Result<UserAgent, String> {
    let agent = UserAgent::new();
    let cookies = client
        .get_all_cookies()
        .await
        .map_err(|e| format!("reading Chromium's cookies at {landing}: {e}"))?;
    for cookie in cookies {
        let path = cookie.path().unwrap_or("/");
        agent.add_cookie(
            landing,
            &format!("{}={}; Path={path}", cookie.name(), cookie.value()),
        );
    }
    Ok(agent)
}

/// The run's browsers: the choice made on the command line, Chromium started on first need,
/// and the flows whose sign-ins it plays.
#[derive(Debug)]
pub struct Browsers {
    choice: BrowserChoice,
    chromium: OnceLock<Result<ChromiumSignIn, String>>,
    in_chromium: Mutex<Vec<FlowKind>>,
}

impl Browsers {
    /// The browsers for `choice`.
    pub fn new(choice: BrowserChoice) -> Self {
        Self {
            choice,
            chromium: OnceLock::new(),
            in_chromium: Mutex::new(Vec::new()),
        }
    }

    /// Chromium, started on first use; the error says what is missing.
    pub fn chromium(&self) -> Result<&ChromiumSignIn, &str> {
        self.chromium
            .get_or_init(|| ChromiumSignIn::start().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }

    /// Whether a failed headless baseline of `flow` is tried again in Chromium.
    pub fn may_retry(&self, flow: FlowKind) -> bool {
        self.choice == BrowserChoice::Auto && !self.flows().contains(&flow)
    }

    /// Plays `flow`'s sign-ins in Chromium from now on.
    pub fn use_chromium(&self, flow: FlowKind) {
        let mut flows = self.flows();
        if !flows.contains(&flow) {
            flows.push(flow);
        }
    }

    /// Plays `flow`'s sign-ins in the headless agent from now on.
    pub fn use_headless(&self, flow: FlowKind) {
        self.flows().retain(|f| *f != flow);
    }

    /// Chromium when it plays `flow`'s sign-ins (always with `--browser chromium`; a missing
    /// Chromium then shows as each cell's error).
    pub fn for_flow(&self, flow: FlowKind) -> Option<Result<&ChromiumSignIn, &str>> {
        (self.choice == BrowserChoice::Chromium || self.flows().contains(&flow))
            .then(|| self.chromium())
    }

    fn flows(&self) -> std::sync::MutexGuard<'_, Vec<FlowKind>> {
        self.in_chromium.lock().unwrap_or_else(|e| e.into_inner())
    }
}
