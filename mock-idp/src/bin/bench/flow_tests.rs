//! The bench's flow against real providers on loopback: the mock IdP itself, and the mock
//! IdP behind a front that puts its issuer at the root and redirects with 307, as the Node
//! peer does.

use super::*;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use mock_idp::{Client, MockIdp};

const REDIRECT: &str = "http://127.0.0.1:9/cb";

fn public_client() -> FlowClient {
    FlowClient {
        client_id: "spa".into(),
        auth: ClientAuth::Public,
        redirect_uri: REDIRECT.into(),
        login_hint: Some("alice".into()),
    }
}

async fn idp() -> MockIdp {
    MockIdp::builder()
        .client(Client::public("spa").redirect_uri(REDIRECT))
        .client(Client::confidential("app", "s3cr3t").redirect_uri(REDIRECT))
        .start()
        .await
}

#[test]
fn every_redirect_status_the_specifications_allow_carries_the_code() {
    let location = "http://127.0.0.1:9/cb?code=abc&state=st1";
    for status in [301, 302, 303, 307, 308] {
        assert_eq!(
            code_from_redirect(status, Some(location), "st1").unwrap(),
            "abc"
        );
    }
    for status in [200, 304, 400] {
        let e = code_from_redirect(status, Some(location), "st1").unwrap_err();
        assert!(e.to_string().contains(&status.to_string()), "{e}");
    }
    let e = code_from_redirect(302, Some(location), "st2").unwrap_err();
    assert!(e.to_string().contains("state"), "{e}");
    let e = code_from_redirect(302, Some("http://x/cb?error=access_denied&state=s"), "s");
    assert!(e.unwrap_err().to_string().contains("access_denied"));
    assert!(code_from_redirect(307, None, "s").is_err());
}

#[test]
fn the_discovery_url_of_a_root_issuer_has_no_double_slash() {
    for issuer in ["http://127.0.0.1:28200", "http://127.0.0.1:28200/"] {
        assert_eq!(
            discovery_url(issuer),
            "http://127.0.0.1:28200/.well-known/openid-configuration"
        );
    }
    assert_eq!(
        discovery_url("http://127.0.0.1:9090/acme"),
        "http://127.0.0.1:9090/acme/.well-known/openid-configuration"
    );
}

#[tokio::test]
async fn a_public_client_signs_in_with_pkce_and_reads_userinfo() {
    let idp = idp().await;
    let plan = FlowPlan::discover(&idp.issuer(), public_client())
        .await
        .unwrap();
    let grant = plan.authorize(1).await.unwrap();
    let access_token = plan.redeem(&grant).await.unwrap();
    plan.userinfo(&access_token).await.unwrap();
    let authorize = idp.calls(mock_idp::Endpoint::Authorize);
    assert_eq!(authorize[0].params["code_challenge_method"], "S256");
    let token = idp.calls(mock_idp::Endpoint::Token);
    assert_eq!(token[0].client_id.as_deref(), Some("spa"));
    assert!(!token[0].params.contains_key("client_secret"));

    // The verifier is the one the challenge was made from: another one is refused.
    let mut other = plan.authorize(2).await.unwrap();
    other.verifier = grant.verifier.clone();
    let e = plan.redeem(&other).await.unwrap_err();
    assert!(e.to_string().contains("invalid_grant"), "{e:#}");
}

#[tokio::test]
async fn a_confidential_client_authenticates_with_basic() {
    let idp = idp().await;
    let client = FlowClient {
        client_id: "app".into(),
        auth: ClientAuth::Basic("s3cr3t".into()),
        ..public_client()
    };
    let plan = Arc::new(FlowPlan::discover(&idp.issuer(), client).await.unwrap());
    let p = plan.clone();
    let batch = run(20, 4, move |i| {
        let p = p.clone();
        async move { p.flow(i).await }
    })
    .await;
    assert_eq!(
        (batch.results.len(), batch.errors),
        (20, 0),
        "{:?}",
        batch.samples
    );
    let wrong = FlowClient {
        client_id: "app".into(),
        auth: ClientAuth::Basic("wrong".into()),
        ..public_client()
    };
    let plan = FlowPlan::discover(&idp.issuer(), wrong).await.unwrap();
    let e = plan.flow(0).await.unwrap_err();
    assert!(e.to_string().contains("invalid_client"), "{e:#}");
}

/// The front: every path below its root is the mock IdP tenant's, discovery names the front
/// as issuer and endpoints, and redirects come back as 307.
#[derive(Clone)]
struct Front {
    issuer: String,
    own: String,
    http: reqwest::Client,
    /// 307s answered.
    redirects: Arc<AtomicUsize>,
}

async fn forward(State(front): State<Front>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 16)
        .await
        .unwrap_or_default();
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut out = front
        .http
        .request(parts.method, format!("{}{path_and_query}", front.issuer))
        .body(body);
    for name in [
        axum::http::header::AUTHORIZATION,
        axum::http::header::CONTENT_TYPE,
    ] {
        if let Some(v) = parts.headers.get(&name) {
            out = out.header(name, v.clone());
        }
    }
    let Ok(res) = out.send().await else {
        return Response::builder()
            .status(502)
            .body(Body::empty())
            .unwrap_or_default();
    };
    let status = match res.status().as_u16() {
        302 => {
            front.redirects.fetch_add(1, Ordering::Relaxed);
            307
        }
        s => s,
    };
    let mut answer = Response::builder().status(status);
    for (name, value) in res.headers() {
        if name != axum::http::header::CONTENT_LENGTH {
            answer = answer.header(name, value);
        }
    }
    let text = res.text().await.unwrap_or_default();
    let text = text.replace(&front.issuer, &front.own);
    answer.body(Body::from(text)).unwrap_or_default()
}

#[tokio::test]
async fn an_issuer_at_the_root_that_redirects_with_307_is_benchmarked() {
    let idp = idp().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let own = format!("http://{}", listener.local_addr().unwrap());
    let front = Front {
        issuer: idp.issuer(),
        own: own.clone(),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        redirects: Arc::default(),
    };
    let redirects = front.redirects.clone();
    let app = axum::Router::new().fallback(forward).with_state(front);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let plan = FlowPlan::discover(&own, public_client()).await.unwrap();
    assert_eq!(
        plan.discovery,
        format!("{own}/.well-known/openid-configuration")
    );
    assert!(
        plan.authorize.as_str().starts_with(&own),
        "{}",
        plan.authorize
    );
    plan.flow(7).await.unwrap();
    assert_eq!(redirects.load(Ordering::Relaxed), 1, "answered with a 307");
    assert_eq!(idp.calls(mock_idp::Endpoint::Token).len(), 1);
    server.abort();
}

#[test]
fn batches_run_in_turn_add_up_their_results_wall_time_and_latencies() {
    let batch = |ms: &[u64], errors: usize, wall_ms: u64| Batch {
        results: vec![(); ms.len()],
        errors,
        samples: (0..errors).map(|i| format!("e{i}")).collect(),
        latencies: ms.iter().map(|&m| Duration::from_millis(m)).collect(),
        wall: Duration::from_millis(wall_ms),
    };
    let mut all = Batch::empty(0);
    all.absorb(batch(&[5, 9], 4, 100));
    all.absorb(batch(&[1, 7], 3, 300));
    assert_eq!(all.results.len(), 4);
    assert_eq!(all.errors, 7);
    // Five messages at most, the first batch's first.
    assert_eq!(all.samples, ["e0", "e1", "e2", "e3", "e0"]);
    assert_eq!(all.wall, Duration::from_millis(400));
    assert_eq!(all.rate(), 10.0);
    // Sorted again after the merge, so percentiles read the union.
    assert_eq!(all.percentile(50.0), 5.0);
    assert_eq!(all.percentile(100.0), 9.0);
}
