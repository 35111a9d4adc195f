//! The authorization-code flow as `idp-bench` drives it against any OpenID Provider: PKCE
//! S256 always, a public or confidential client, any redirect status the specifications
//! allow, and the issuer URL taken as given (a root issuer included).

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

/// Redirect statuses an authorization endpoint may answer with: RFC 6749 §4.1.2 asks for a
/// redirect without naming one, and providers use each (302 most, 303 after a POST, 307
/// the Node peer).
const REDIRECT_STATUSES: [u16; 5] = [301, 302, 303, 307, 308];

/// How the bench client authenticates at the token endpoint.
#[derive(Debug, Clone)]
pub enum ClientAuth {
    /// A public client (`token_endpoint_auth_method=none`): `client_id` in the form.
    Public,
    /// A confidential client: `client_secret_basic`.
    Basic(String),
}

/// Who signs in and as which client.
#[derive(Debug, Clone)]
pub struct FlowClient {
    pub client_id: String,
    pub auth: ClientAuth,
    pub redirect_uri: String,
    /// Sent as `login_hint`; `None` leaves the sign-in to the provider's own auto-login.
    pub login_hint: Option<String>,
}

/// The discovery URL of `issuer` (OpenID Connect Discovery 1.0 §4.1): the issuer with any
/// trailing slash removed, then `/.well-known/openid-configuration`.
pub fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// Everything a flow needs, read once from the provider's discovery document.
#[derive(Debug)]
pub struct FlowPlan {
    pub http: reqwest::Client,
    pub discovery: String,
    pub authorize: url::Url,
    pub token: String,
    pub userinfo: Option<String>,
    pub client: FlowClient,
}

/// The fields of a token response (RFC 6749 §5.1) the bench reads, borrowed from the body
/// where no escape forces a copy.
#[derive(Debug, serde::Deserialize)]
struct TokenAnswer<'a> {
    #[serde(borrow)]
    access_token: Option<Cow<'a, str>>,
    #[serde(borrow)]
    id_token: Option<Cow<'a, str>>,
}

/// A code and the PKCE verifier that redeems it.
#[derive(Debug, Clone)]
pub struct Grant {
    pub code: String,
    pub verifier: String,
}

impl FlowPlan {
    /// Reads the endpoints from `issuer`'s discovery document.
    pub async fn discover(issuer: &str, client: FlowClient) -> anyhow::Result<Self> {
        let http = http_client()?;
        let discovery = discovery_url(issuer);
        let meta: Value = http
            .get(&discovery)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .with_context(|| format!("discovery at {discovery} failed; check --url"))?
            .json()
            .await
            .with_context(|| format!("discovery at {discovery} is not JSON"))?;
        let endpoint = |name: &str| {
            meta[name]
                .as_str()
                .map(str::to_owned)
                .with_context(|| format!("discovery at {discovery} has no {name}"))
        };
        Ok(Self {
            authorize: url::Url::parse(&endpoint("authorization_endpoint")?)?,
            token: endpoint("token_endpoint")?,
            userinfo: endpoint("userinfo_endpoint").ok(),
            discovery,
            http,
            client,
        })
    }

    /// The same plan on a new connection pool: a batch at concurrency C then holds C
    /// connections, whatever an earlier batch at a higher concurrency opened.
    pub fn with_new_connections(&self) -> anyhow::Result<Self> {
        Ok(Self {
            http: http_client()?,
            discovery: self.discovery.clone(),
            authorize: self.authorize.clone(),
            token: self.token.clone(),
            userinfo: self.userinfo.clone(),
            client: self.client.clone(),
        })
    }

    /// `GET` the discovery document.
    pub async fn fetch_discovery(&self) -> anyhow::Result<()> {
        let res = self.http.get(&self.discovery).send().await?;
        let status = res.status();
        res.bytes().await?;
        if status != reqwest::StatusCode::OK {
            bail!("discovery: expected 200, got {status}");
        }
        Ok(())
    }

    /// The authorization request, answered at once with a redirect carrying a code.
    pub async fn authorize(&self, i: usize) -> anyhow::Result<Grant> {
        let state = format!("st{i}");
        let verifier = pkce_verifier();
        let c = &self.client;
        let mut url = self.authorize.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &c.client_id)
                .append_pair("redirect_uri", &c.redirect_uri)
                .append_pair("scope", "openid")
                .append_pair("state", &state)
                .append_pair("nonce", &format!("n{i}"))
                .append_pair("code_challenge", &pkce_challenge(&verifier))
                .append_pair("code_challenge_method", "S256");
            if let Some(hint) = &c.login_hint {
                q.append_pair("login_hint", hint);
            }
        }
        let res = self.http.get(url).send().await.context("GET authorize")?;
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = res.bytes().await.unwrap_or_default();
        let code = code_from_redirect(status, location.as_deref(), &state)
            .map_err(|e| e.context(snippet(&String::from_utf8_lossy(&body))))?;
        Ok(Grant { code, verifier })
    }

    /// Redeems `grant` at the token endpoint; returns the access token.
    pub async fn redeem(&self, grant: &Grant) -> anyhow::Result<String> {
        let c = &self.client;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", grant.code.as_str()),
            ("redirect_uri", c.redirect_uri.as_str()),
            ("code_verifier", grant.verifier.as_str()),
        ];
        let mut req = self.http.post(&self.token);
        match &c.auth {
            ClientAuth::Public => form.push(("client_id", c.client_id.as_str())),
            // RFC 6749 §2.3.1: both halves form-encoded before Basic.
            ClientAuth::Basic(secret) => {
                req = req.basic_auth(form_encode(&c.client_id), Some(form_encode(secret)));
            }
        }
        let res = req.form(&form).send().await.context("POST token")?;
        let status = res.status();
        let body = res.bytes().await.context("token: reading the body")?;
        if status != reqwest::StatusCode::OK {
            bail!(
                "token: expected 200, got {status}: {}",
                snippet(&String::from_utf8_lossy(&body))
            );
        }
        let answer: TokenAnswer<'_> =
            serde_json::from_slice(&body).context("token: not a JSON token response")?;
        let id_token = answer
            .id_token
            .context("token: no id_token in the response")?;
        if id_token.split('.').count() != 3 || id_token.len() < 100 {
            bail!(
                "token: id_token is not a compact JWS: {}",
                snippet(&id_token)
            );
        }
        answer
            .access_token
            .map(Cow::into_owned)
            .context("token: no access_token in the response")
    }

    /// `GET` userinfo with the access token.
    pub async fn userinfo(&self, access_token: &str) -> anyhow::Result<()> {
        let url = self
            .userinfo
            .as_deref()
            .context("the provider has no userinfo endpoint")?;
        let res = self.http.get(url).bearer_auth(access_token).send().await?;
        let status = res.status();
        res.bytes().await?;
        if status != reqwest::StatusCode::OK {
            bail!("userinfo: expected 200, got {status}");
        }
        Ok(())
    }

    /// Waits until a whole flow succeeds: a provider may answer discovery before it can sign
    /// (the Node peer makes its key after it starts listening).
    pub async fn ready(&self, within: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + within;
        loop {
            match self.flow(0).await {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() > deadline => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    /// One whole flow: authorize, then redeem the code.
    pub async fn flow(&self, i: usize) -> anyhow::Result<()> {
        let grant = self.authorize(i).await?;
        self.redeem(&grant).await.map(drop)
    }
}

/// Keep-alive connections, as many as the tasks use; redirects are the flow's to read.
fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(usize::MAX)
        .build()?)
}

/// The code of an authorization response redirect, checked: a redirect status, a
/// `Location`, the `state` sent, and a `code` rather than an `error`.
pub fn code_from_redirect(
    status: u16,
    location: Option<&str>,
    state: &str,
) -> anyhow::Result<String> {
    if !REDIRECT_STATUSES.contains(&status) {
        bail!("authorize: expected a redirect (301, 302, 303, 307 or 308), got {status}");
    }
    let location = location.with_context(|| format!("authorize: {status} without Location"))?;
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
    if got_state.as_deref() != Some(state) {
        bail!("authorize: state {got_state:?} differs from {state}");
    }
    code.context("authorize: no code in the redirect")
}

/// A fresh PKCE code verifier: 32 random bytes as base64url, 43 characters (RFC 7636 §4.1).
fn pkce_verifier() -> String {
    let mut bytes = [0u8; 32];
    // The bench's own generator: a failure would only make the provider refuse the code.
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    b64url(&bytes)
}

/// The S256 challenge: BASE64URL(SHA256(verifier)) (RFC 7636 §4.2).
fn pkce_challenge(verifier: &str) -> String {
    b64url(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()).as_ref())
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn snippet(s: &str) -> String {
    s.chars().take(200).collect()
}

/// The outcome of a batch of requests or flows.
#[derive(Debug)]
pub struct Batch<R> {
    pub results: Vec<R>,
    pub errors: usize,
    /// The first few error messages.
    pub samples: Vec<String>,
    /// Latency of every success, sorted.
    pub latencies: Vec<Duration>,
    pub wall: Duration,
}

impl<R> Batch<R> {
    /// A batch of nothing yet, with room for `capacity` results.
    pub fn empty(capacity: usize) -> Self {
        Self {
            results: Vec::with_capacity(capacity),
            errors: 0,
            samples: Vec::new(),
            latencies: Vec::with_capacity(capacity),
            wall: Duration::ZERO,
        }
    }

    /// Takes in `other`, run after this one: its results, errors, first error messages and
    /// latencies (kept sorted), and its wall time added to this one's.
    pub fn absorb(&mut self, other: Batch<R>) {
        self.results.extend(other.results);
        self.errors += other.errors;
        let room = 5usize.saturating_sub(self.samples.len());
        self.samples.extend(other.samples.into_iter().take(room));
        self.latencies.extend(other.latencies);
        self.latencies.sort_unstable();
        self.wall += other.wall;
    }

    /// Successes per second.
    pub fn rate(&self) -> f64 {
        self.results.len() as f64 / self.wall.as_secs_f64()
    }

    /// Nearest-rank percentile in milliseconds.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        let i = rank.clamp(1, self.latencies.len()) - 1;
        self.latencies[i].as_secs_f64() * 1000.0
    }
}

/// Runs `job(0..count)` on `concurrency` tasks that take the next index until none is left.
pub async fn run<R, F, Fut>(count: usize, concurrency: usize, job: F) -> Batch<R>
where
    R: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<R>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let job = Arc::new(job);
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, job) = (next.clone(), job.clone());
            tokio::spawn(async move {
                let mut mine = Batch::empty(0);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let t = Instant::now();
                    match job(i).await {
                        Ok(r) => {
                            mine.results.push(r);
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
    let mut all = Batch::empty(count);
    for t in tasks {
        match t.await {
            Ok(mine) => all.absorb(mine),
            Err(e) => {
                all.errors += 1;
                all.samples.push(format!("client task failed: {e}"));
            }
        }
    }
    // The tasks ran side by side: the batch took as long as the slowest, not their sum.
    all.wall = start.elapsed();
    all
}

#[cfg(test)]
#[path = "flow_tests.rs"]
mod tests;
