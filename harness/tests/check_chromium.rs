//! `harness check` against an application whose fragment page is script, as most are: the
//! headless agent cannot relay the fragment, so `--browser auto` plays the flow in headless
//! Chromium, and the cells are judged there. Without Chromium it skips, except under
//! `CI=true`, where it fails (like the other browser tests).

#[path = "check/files.rs"]
mod files;
#[path = "check/lax.rs"]
#[allow(dead_code, reason = "only its free_port is used here")]
mod lax;

use std::io::Write;

use axum::extract::{Form, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use files::{scratch, write};
use harness::check::{self, BrowserChoice, CheckConfig, Selection, Status};
use harness::chromium::{ChromiumError, Programs};
use mock_idp::catalog::FlowKind;

/// The callback page: its script posts the fragment's parameters on, as a page of any
/// framework would; it has no `fragment-relay` form for the headless agent.
const RELAY_SCRIPT: &str = r#"<!doctype html><title>Signing in</title>
<script>
const params = new URLSearchParams(location.hash.slice(1));
const form = document.createElement('form');
form.method = 'post';
form.action = '/finish';
for (const [name, value] of params) {
  const input = document.createElement('input');
  input.type = 'hidden'; input.name = name; input.value = value;
  form.appendChild(input);
}
document.documentElement.appendChild(form);
form.submit();
</script>"#;

#[derive(Clone)]
struct ScriptApp {
    issuer: String,
    me: String,
}

async fn signin(State(app): State<ScriptApp>) -> Response {
    let state = format!("st-{}", std::process::id());
    let mut url = url::Url::parse(&format!("{}/authorize", app.issuer)).expect("issuer URL");
    url.query_pairs_mut()
        .append_pair("response_type", "id_token")
        .append_pair("response_mode", "fragment")
        .append_pair("client_id", "script-app")
        .append_pair("redirect_uri", &format!("{}/cb", app.me))
        .append_pair("scope", "openid")
        .append_pair("state", &state)
        .append_pair("nonce", "n")
        .append_pair("login_hint", "alice");
    (
        [(SET_COOKIE, format!("signin_state={state}; Path=/"))],
        Redirect::to(url.as_str()),
    )
        .into_response()
}

/// Signs in when the response carries an ID token and the `state` this browser was given;
/// the `state` faults must show as refusals.
async fn finish(headers: HeaderMap, Form(form): Form<Vec<(String, String)>>) -> Response {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let cookie_state = headers
        .get(COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| {
            c.split(';')
                .find_map(|p| p.trim().strip_prefix("signin_state="))
        })
        .map(str::to_owned);
    let refused = if field("id_token").is_none() {
        Some("no_id_token")
    } else if field("state").is_none() || field("state") != cookie_state {
        Some("state_mismatch")
    } else {
        None
    };
    match refused {
        Some(code) => (
            StatusCode::BAD_REQUEST,
            Html(format!(r#"<p id="error-code">{code}</p>"#)),
        )
            .into_response(),
        None => ([(SET_COOKIE, "app_session=1; Path=/")], Redirect::to("/me")).into_response(),
    }
}

async fn start_app(idp_port: u16) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let me = format!("http://{}", listener.local_addr().expect("addr"));
    let app = ScriptApp {
        issuer: format!("http://127.0.0.1:{idp_port}/acme"),
        me: me.clone(),
    };
    let router = axum::Router::new()
        .route("/signin", get(signin))
        .route("/cb", get(|| async { Html(RELAY_SCRIPT) }))
        .route("/finish", post(finish))
        .route("/me", get(|| async { Html("<h1>Signed in</h1>") }))
        .with_state(app);
    tokio::spawn(async move { axum::serve(listener, router).await });
    me
}

fn config(idp_port: u16, app: &str) -> String {
    format!(
        r#"[idp.embedded]
bind = "127.0.0.1:{idp_port}"
tenant = "acme"

[[idp.embedded.users]]
username = "alice"
sub = "alice-sub"

[client]
client_id = "script-app"
redirect_uris = ["{app}/cb"]
response_types = ["id_token"]

[[flows]]
flow = "implicit_fragment"
signin_url = "{app}/signin"
success = {{ status = 200, url = "/me", cookie = "app_session" }}
"#
    )
}

/// Whether Chromium can run here; outside CI a missing browser skips the test, loudly.
fn chromium_present() -> bool {
    match Programs::find() {
        Ok(_) => true,
        Err(e @ ChromiumError::Missing(_)) => {
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "{e}");
            let _ = writeln!(std::io::stderr().lock(), "\nSKIPPED {e}");
            false
        }
        Err(e) => panic!("{e}"),
    }
}

/// The two `state` cells, the replay and their baseline, against a fresh application and mock IdP (a
/// run's embedded IdP may hold its port a moment after the run).
async fn run(browser: BrowserChoice) -> check::Report {
    let idp_port = lax::free_port().await;
    let app = start_app(idp_port).await;
    let path = write(
        &scratch("chromium"),
        &format!("script-app-{browser:?}.toml"),
        &config(idp_port, &app),
    );
    let loaded = CheckConfig::load(&path).expect("config");
    let sel = Selection {
        only: ["state_changed", "state_missing", "response_replayed"]
            .map(String::from)
            .to_vec(),
        browser,
        ..Selection::default()
    };
    check::execute(&loaded, &sel)
        .await
        .unwrap_or_else(|e| panic!("{browser:?} run: {e:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fragment_page_that_needs_script_is_played_in_chromium() {
    if !chromium_present() {
        return;
    }
    // The headless agent drops the fragment: the baseline fails and hides both cells.
    let headless = run(BrowserChoice::Headless).await;
    let baseline = &headless.cells[0];
    assert_eq!(baseline.status, Status::Fail, "{baseline:?}");
    assert!(
        headless.cells[1..]
            .iter()
            .all(|c| c.status == Status::NotMeaningful),
        "{headless:#?}"
    );

    // `auto` tries the baseline again in Chromium, which runs the page's script, and keeps
    // the flow there: the baseline signs in and both `state` faults are refused.
    let auto = run(BrowserChoice::Auto).await;
    let baseline = &auto.cells[0];
    assert_eq!(baseline.flow, FlowKind::ImplicitFragment);
    assert_eq!(baseline.status, Status::Pass, "{auto:#?}");
    let reason = baseline.reason.as_deref().unwrap_or_default();
    assert!(reason.starts_with("in Chromium"), "{reason}");
    let cell = |name: &str| {
        auto.cells
            .iter()
            .find(|c| c.fault == name)
            .unwrap_or_else(|| panic!("expected a {name} cell in {auto:#?}"))
    };
    for name in ["state_changed", "state_missing"] {
        assert_eq!(cell(name).status, Status::Pass, "{:?}", cell(name));
        assert_eq!(cell(name).app_error.as_deref(), Some("state_mismatch"));
    }
    // A replay needs the response the headless agent captures: in Chromium it is skipped,
    // never passed because the second delivery could not be sent.
    let replay = cell("response_replayed");
    assert_eq!(replay.status, Status::Skipped, "{replay:?}");
    assert!(
        replay
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("Chromium"),
        "{replay:?}"
    );
    assert_eq!(auto.cells.len(), 4);
}
