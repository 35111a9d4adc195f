//! A headless user agent that plays the browser in tests: follows redirects, keeps cookies,
//! submits auto-posting `form_post` pages, relays URL fragments the way a relying party's
//! fragment page script would, and fills the mock IdP's login page.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use url::Url;

/// One request the agent made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// `GET` or `POST`.
    pub method: String,
    /// The URL without query or fragment (they may hold codes and tokens).
    pub url: String,
    /// The status answered.
    pub status: u16,
}

/// Where navigation stopped: a page that is neither a redirect nor an auto-submitting form.
#[derive(Debug, Clone)]
pub struct Landing {
    /// The final URL (without fragment).
    pub url: Url,
    /// Status code.
    pub status: u16,
    /// The body.
    pub body: String,
}

impl Landing {
    /// The text of the element with `id`, if the page has one (simple pages only).
    pub fn element_text(&self, id: &str) -> Option<String> {
        let marker = format!("id=\"{id}\"");
        let start = self.body.find(&marker)?;
        let open_end = self.body[start..].find('>')? + start + 1;
        let close = self.body[open_end..].find('<')? + open_end;
        Some(unescape(&self.body[open_end..close]))
    }

    /// Whether this is the mock IdP's login page.
    pub fn is_login_page(&self) -> bool {
        self.body.contains("<form method=\"post\"") && self.body.contains("id=\"login\"")
    }
}

/// Why navigation failed.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// Transport error.
    #[error("request to {url} failed: {source}")]
    Http {
        /// Where.
        url: String,
        /// Cause.
        source: reqwest::Error,
    },
    /// A redirect or form pointed nowhere sensible.
    #[error("cannot follow {0}")]
    BadTarget(String),
    /// Too many redirects.
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    /// The page was expected to hold a form that it does not.
    #[error("expected a form on {0}, found none")]
    NoForm(String),
}

/// A parsed HTML form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// `id` attribute.
    pub id: Option<String>,
    /// Method, lower case.
    pub method: String,
    /// Action as written.
    pub action: String,
    /// `(name, value)` of inputs and textareas, radio buttons only when checked.
    pub fields: Vec<(String, String)>,
}

/// Decodes HTML character references: the named ones simple pages use (`&amp;`, `&lt;`,
/// `&gt;`, `&quot;`, `&apos;`, `&nbsp;`) and numeric ones (`&#39;`, `&#x27;`); anything else
/// is left as written.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest[1..]
            .find(';')
            .filter(|&end| end <= 10)
            .and_then(|end| {
                let name = &rest[1..=end];
                let ch = match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some('\u{a0}'),
                    _ => name
                        .strip_prefix("#x")
                        .or_else(|| name.strip_prefix("#X"))
                        .map(|hex| u32::from_str_radix(hex, 16))
                        .or_else(|| name.strip_prefix('#').map(str::parse::<u32>))
                        .and_then(Result::ok)
                        .and_then(char::from_u32),
                };
                ch.map(|c| (c, end + 2))
            });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// The forms of a page (a small parser for the simple pages of this project and similar).
pub fn forms(html: &str) -> Vec<Form> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<form") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_end = after.find("</form>").unwrap_or(after.len());
        let inner = &after[tag_end..body_end];
        let mut fields = Vec::new();
        let mut scan = inner;
        while let Some(i) = scan.find("<input") {
            let t = &scan[i..];
            let e = t.find('>').unwrap_or(t.len());
            let input = &t[..e];
            let kind = attr(input, "type").unwrap_or_else(|| "text".into());
            let checked = input.contains(" checked");
            if let Some(name) = attr(input, "name")
                && (kind != "radio" && kind != "checkbox" || checked)
            {
                fields.push((name, attr(input, "value").unwrap_or_default()));
            }
            scan = &t[e..];
        }
        let mut scan = inner;
        while let Some(i) = scan.find("<textarea") {
            let t = &scan[i..];
            let e = t.find('>').unwrap_or(t.len());
            let close = t.find("</textarea>").unwrap_or(t.len());
            if let Some(name) = attr(&t[..e], "name") {
                fields.push((name, unescape(t.get(e + 1..close).unwrap_or_default())));
            }
            scan = &t[close..];
        }
        out.push(Form {
            id: attr(tag, "id"),
            method: attr(tag, "method")
                .unwrap_or_else(|| "get".into())
                .to_lowercase(),
            action: attr(tag, "action").unwrap_or_default(),
            fields,
        });
        rest = &after[body_end..];
    }
    out
}

/// The headless browser. Cheap to clone; clones share cookies and the trail.
#[derive(Debug, Clone)]
pub struct UserAgent {
    client: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    trail: Arc<Mutex<Vec<Hop>>>,
    delivered: Arc<Mutex<Option<Delivery>>>,
}

/// The last request that delivered an authorization response to a relying party (its
/// redirect, `form_post` or fragment relay), kept so that it can be delivered again.
#[derive(Debug, Clone)]
struct Delivery {
    method: String,
    url: Url,
    form: Option<Vec<(String, String)>>,
}

impl Delivery {
    /// Whether a request with these parameters carries an authorization response: a
    /// `state` beside a code, an ID token, an access token or an error.
    fn carries_response(names: &[String]) -> bool {
        names.iter().any(|n| n == "state")
            && names
                .iter()
                .any(|n| matches!(n.as_str(), "code" | "id_token" | "access_token" | "error"))
    }
}

impl Default for UserAgent {
    fn default() -> Self {
        Self::new()
    }
}

const MAX_HOPS: usize = 30;

impl UserAgent {
    /// A fresh browser: empty cookie jar, empty trail.
    ///
    /// ```
    /// let agent = mock_idp::agent::UserAgent::new();
    /// assert!(agent.trail().is_empty());
    /// ```
    pub fn new() -> Self {
        // Building without extra roots fails only when TLS cannot start at all; the agent
        // then has no cookie jar, as the client it falls back to.
        Self::build(None).unwrap_or_else(|_| Self {
            client: reqwest::Client::default(),
            jar: Arc::default(),
            trail: Arc::default(),
            delivered: Arc::default(),
        })
    }

    /// A fresh browser that also trusts the certificates in `pem` (PEM), e.g. a mock IdP's
    /// serving https with [`crate::TlsPem::self_signed`].
    ///
    /// ```
    /// let pem = mock_idp::TlsPem::self_signed().expect("certificate");
    /// let agent = mock_idp::agent::UserAgent::trusting(&pem.cert).expect("a PEM certificate");
    /// assert!(agent.trail().is_empty());
    /// ```
    pub fn trusting(pem: &[u8]) -> Result<Self, reqwest::Error> {
        Self::build(Some(pem))
    }

    fn build(pem: Option<&[u8]>) -> Result<Self, reqwest::Error> {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone());
        for cert in pem
            .map(reqwest::Certificate::from_pem_bundle)
            .transpose()?
            .unwrap_or_default()
        {
            builder = builder.add_root_certificate(cert);
        }
        Ok(Self {
            client: builder.build()?,
            jar,
            trail: Arc::new(Mutex::new(Vec::new())),
            delivered: Arc::default(),
        })
    }

    /// Every request made so far.
    pub fn trail(&self) -> Vec<Hop> {
        self.trail.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The cookies the agent would send to `url`, as `(name, value)` pairs: a conformance
    /// run checks that a sign-in set its session cookie, and whether a replayed response
    /// gave the session a new one.
    pub fn cookies(&self, url: &Url) -> Vec<(String, String)> {
        use reqwest::cookie::CookieStore;
        let Some(header) = self.jar.cookies(url) else {
            return Vec::new();
        };
        header
            .to_str()
            .unwrap_or_default()
            .split(';')
            .filter_map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let name = name.trim();
                (!name.is_empty()).then(|| (name.to_owned(), value.trim().to_owned()))
            })
            .collect()
    }

    /// Adds a cookie as if `url` had set it (`Set-Cookie` syntax), e.g. to continue in this
    /// agent a session a real browser started.
    pub fn add_cookie(&self, url: &Url, set_cookie: &str) {
        self.jar.add_cookie_str(set_cookie, url);
    }

    fn log(&self, method: &str, url: &Url, status: u16) {
        let mut bare = url.clone();
        bare.set_query(None);
        bare.set_fragment(None);
        self.trail
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Hop {
                method: method.into(),
                url: bare.to_string(),
                status,
            });
    }

    async fn send(
        &self,
        method: &str,
        url: Url,
        form: Option<Vec<(String, String)>>,
    ) -> Result<(Url, reqwest::Response), AgentError> {
        let req = match &form {
            Some(f) => self.client.post(url.clone()).form(f),
            None => self.client.get(url.clone()),
        };
        let names: Vec<String> = match &form {
            Some(f) => f.iter().map(|(k, _)| k.clone()).collect(),
            None => url.query_pairs().map(|(k, _)| k.into_owned()).collect(),
        };
        if Delivery::carries_response(&names) {
            *self.delivered.lock().unwrap_or_else(|e| e.into_inner()) = Some(Delivery {
                method: method.to_owned(),
                url: url.clone(),
                form: form.clone(),
            });
        }
        let res = req.send().await.map_err(|source| AgentError::Http {
            url: url.to_string(),
            source,
        })?;
        self.log(method, &url, res.status().as_u16());
        Ok((url, res))
    }

    /// Opens `url` and follows redirects, form_post pages and fragment relays until a page
    /// that needs a person (or the end of the journey).
    pub async fn navigate(&self, url: &str) -> Result<Landing, AgentError> {
        let url = Url::parse(url).map_err(|_| AgentError::BadTarget(url.into()))?;
        self.run("GET", url, None).await
    }

    /// Submits a form found on `landing` with `overrides` replacing or adding fields, then
    /// keeps following.
    pub async fn submit(
        &self,
        landing: &Landing,
        form: &Form,
        overrides: &[(&str, &str)],
    ) -> Result<Landing, AgentError> {
        let mut fields = form.fields.clone();
        for (k, v) in overrides {
            fields.retain(|(n, _)| n != k);
            fields.push(((*k).to_owned(), (*v).to_owned()));
        }
        let target = landing
            .url
            .join(&form.action)
            .map_err(|_| AgentError::BadTarget(form.action.clone()))?;
        if form.method == "post" {
            self.run("POST", target, Some(fields)).await
        } else {
            let mut t = target;
            t.query_pairs_mut().extend_pairs(fields);
            self.run("GET", t, None).await
        }
    }

    /// One GET of `url` with the cookies held, following nothing (no redirect, no form): how
    /// a test reads a page of the session without starting a new sign-in when the session
    /// is gone.
    pub async fn fetch(&self, url: &str) -> Result<Landing, AgentError> {
        let url = Url::parse(url).map_err(|_| AgentError::BadTarget(url.into()))?;
        let (at, res) = self.send("GET", url, None).await?;
        let status = res.status().as_u16();
        let body = res.text().await.map_err(|source| AgentError::Http {
            url: at.to_string(),
            source,
        })?;
        Ok(Landing {
            url: at,
            status,
            body,
        })
    }

    /// Delivers the last authorization response again, exactly as it was delivered (the same
    /// redirect, form post or fragment relay, with the cookies held now), then keeps
    /// following: how a test replays a response.
    pub async fn deliver_again(&self) -> Result<Landing, AgentError> {
        let last = self
            .delivered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| {
                AgentError::BadTarget("no authorization response was delivered yet".into())
            })?;
        self.run(&last.method, last.url, last.form).await
    }

    /// On the mock IdP's login page, signs in as `username`, optionally with edited claims.
    pub async fn log_in(
        &self,
        landing: &Landing,
        username: &str,
        claims: Option<&str>,
    ) -> Result<Landing, AgentError> {
        let form = forms(&landing.body)
            .into_iter()
            .find(|f| f.id.as_deref() == Some("login"))
            .ok_or_else(|| AgentError::NoForm(landing.url.to_string()))?;
        self.submit(
            landing,
            &form,
            &[("username", username), ("claims", claims.unwrap_or(""))],
        )
        .await
    }

    async fn run(
        &self,
        method: &str,
        start: Url,
        form: Option<Vec<(String, String)>>,
    ) -> Result<Landing, AgentError> {
        let mut method = method.to_owned();
        let mut url = start;
        let mut form = form;
        let mut fragment: Option<String> = None;
        for _ in 0..MAX_HOPS {
            if let Some(f) = url.fragment() {
                fragment = Some(f.to_owned());
                url.set_fragment(None);
            }
            let (at, res) = self.send(&method, url.clone(), form.take()).await?;
            let status = res.status();
            if status.is_redirection() {
                let loc = res
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        AgentError::BadTarget(format!("redirect without Location from {at}"))
                    })?;
                url = at
                    .join(loc)
                    .map_err(|_| AgentError::BadTarget(loc.into()))?;
                method = "GET".into();
                continue;
            }
            let body = res.text().await.map_err(|source| AgentError::Http {
                url: at.to_string(),
                source,
            })?;
            let page_forms = forms(&body);
            if let (Some(frag), Some(relay)) = (
                fragment.take(),
                page_forms
                    .iter()
                    .find(|f| f.id.as_deref() == Some("fragment-relay")),
            ) {
                // What the relay page's script does: post the fragment's parameters.
                let fields: Vec<(String, String)> = url::form_urlencoded::parse(frag.as_bytes())
                    .into_owned()
                    .collect();
                url = at
                    .join(&relay.action)
                    .map_err(|_| AgentError::BadTarget(relay.action.clone()))?;
                method = "POST".into();
                form = Some(fields);
                continue;
            }
            let auto = body.contains("document.forms[0].submit()");
            if let (true, Some(f)) = (auto, page_forms.first()) {
                url = at
                    .join(&f.action)
                    .map_err(|_| AgentError::BadTarget(f.action.clone()))?;
                method = if f.method == "post" {
                    "POST".into()
                } else {
                    "GET".into()
                };
                form = Some(f.fields.clone()).filter(|_| method == "POST");
                continue;
            }
            return Ok(Landing {
                url: at,
                status: status.as_u16(),
                body,
            });
        }
        Err(AgentError::TooManyRedirects(MAX_HOPS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_references_are_decoded_once() {
        assert_eq!(
            unescape("it&apos;s &lt;b&gt; &#39;a&#x27; &amp;lt; &quot;q&quot; &unknown; & x"),
            "it's <b> 'a' &lt; \"q\" &unknown; & x"
        );
        assert_eq!(
            unescape("&#x110000; &#99999999999;"),
            "&#x110000; &#99999999999;"
        );
    }

    #[test]
    fn parses_hidden_inputs_radios_and_textareas() {
        let html = r#"<form method="post" action="/cb" id="f"><input type="hidden" name="code" value="a&amp;b"/>
<input type="radio" name="u" value="x"/><input type="radio" name="u" value="y" checked/>
<textarea name="claims">{&quot;a&quot;:1}</textarea></form>"#;
        let f = &forms(html)[0];
        assert_eq!(f.id.as_deref(), Some("f"));
        assert_eq!(f.method, "post");
        assert_eq!(
            f.fields,
            vec![
                ("code".to_owned(), "a&b".to_owned()),
                ("u".to_owned(), "y".to_owned()),
                ("claims".to_owned(), "{\"a\":1}".to_owned())
            ]
        );
    }
}
