//! The mock IdP holds up under abuse: bounded stores and logs, a separate `sid`, an atomic
//! code replay revocation, refusals that name why, an admin API that reads no stray file and
//! answers only its own host, guarded pages, and no 5xx for malformed input.

mod admin;
#[path = "../common/mod.rs"]
mod common;
mod fuzz;
mod sessions;

use common::{CALLBACK, http};
use mock_idp::{Client, Limits, MockIdp};

const SECRET: &str = "rp-secret";
/// RFC 7636 Appendix B's verifier and its S256 challenge.
const PKCE_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const PKCE_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A server with a confidential client `rp`, a public client `spa` and the demo users.
async fn idp(limits: Limits) -> MockIdp {
    MockIdp::builder()
        .client(Client::confidential("rp", SECRET).redirect_uri(CALLBACK))
        .client(Client::public("spa").redirect_uri(CALLBACK))
        .limits(limits)
        .start()
        .await
}

/// Query parameters of a code-flow authorization request for `rp`, signing in `user`.
fn code_request(user: &str) -> Vec<(&'static str, String)> {
    vec![
        ("client_id", "rp".into()),
        ("redirect_uri", CALLBACK.into()),
        ("response_type", "code".into()),
        ("scope", "openid".into()),
        ("state", "s1".into()),
        ("login_hint", user.to_owned()),
    ]
}

/// GETs `/authorize` with `query` and an optional cookie; the answer, unfollowed.
async fn authorize_raw(
    idp: &MockIdp,
    query: &[(&str, String)],
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = http()
        .get(format!("{}/authorize", idp.issuer()))
        .query(query);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.expect("authorize")
}

/// The parameters of a redirect's Location, query or fragment.
fn location_params(res: &reqwest::Response) -> std::collections::HashMap<String, String> {
    let loc = res.headers()["location"].to_str().expect("location");
    let url = url::Url::parse(loc).expect("absolute");
    let text = url
        .fragment()
        .or(url.query())
        .unwrap_or_default()
        .to_owned();
    url::form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}
