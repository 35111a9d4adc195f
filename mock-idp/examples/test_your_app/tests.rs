//! The tests a developer writes for the application above, with the mock IdP: each starts
//! both on ephemeral ports, plays the browser with `mock_idp::agent::UserAgent` and passes
//! `login_hint` through the application's `/login`.

use mock_idp::agent::{Landing, UserAgent};
use mock_idp::catalog::FlowKind;
use mock_idp::sweep::{Status, Sweep};
use mock_idp::{Client, Endpoint, Fault, MockIdp, User};

use super::{CLIENT_ID, CLIENT_SECRET, start_app};

/// The IdP with one user of ours, the application started, then its client registered.
struct Rig {
    idp: MockIdp,
    app: String,
    _app_task: tokio::task::JoinHandle<()>,
}

impl Rig {
    async fn new() -> Self {
        let idp = MockIdp::builder()
            .user(
                User::new("dana")
                    .email("dana@example.com", true)
                    // Listed under no scope of the tenant: released in the ID token and
                    // userinfo whatever the scopes (see `User::claim`).
                    .claim("department", "research"),
            )
            .start()
            .await;
        let (addr, task) = start_app(&idp.issuer())
            .await
            .expect("the application starts");
        let app = format!("http://{addr}");
        idp.add_client(
            Client::confidential(CLIENT_ID, CLIENT_SECRET).redirect_uri(format!("{app}/callback")),
        )
        .expect("client registered");
        Self {
            idp,
            app,
            _app_task: task,
        }
    }

    /// Signs in as `user` in a fresh browser; where the browser stopped.
    async fn sign_in(&self, user: &str) -> Landing {
        UserAgent::new()
            .navigate(&format!("{}/login?login_hint={user}", self.app))
            .await
            .expect("the browser gets a page")
    }

    /// Userinfo calls made for this application's client.
    fn userinfo_calls(&self) -> usize {
        self.idp
            .calls(Endpoint::Userinfo)
            .iter()
            .filter(|r| r.client_id.as_deref() == Some(CLIENT_ID))
            .count()
    }
}

fn signed_in(landing: &Landing) -> bool {
    landing.status == 200 && landing.url.path() == "/me"
}

#[tokio::test]
async fn a_user_signs_in() {
    let rig = Rig::new().await;
    let landing = rig.sign_in("dana").await;
    assert!(signed_in(&landing), "{} {}", landing.status, landing.body);
    let me: serde_json::Value = serde_json::from_str(&landing.body).expect("JSON");
    assert_eq!(me["sub"], "dana");
}

#[tokio::test]
async fn the_application_sees_the_users_claims() {
    let rig = Rig::new().await;
    let me: serde_json::Value =
        serde_json::from_str(&rig.sign_in("dana").await.body).expect("JSON");
    assert_eq!(me["email"], "dana@example.com");
    assert_eq!(me["claims"]["department"], "research");
}

#[tokio::test]
async fn a_wrong_audience_is_refused_without_asking_userinfo() {
    let rig = Rig::new().await;
    let _fault = rig.idp.inject_scoped(Fault::AudChanged);
    let landing = rig.sign_in("dana").await;
    assert_eq!(landing.status, 401, "{}", landing.body);
    assert!(
        landing
            .element_text("error")
            .is_some_and(|e| e.contains("audience")),
        "{}",
        landing.body
    );
    assert_eq!(
        rig.userinfo_calls(),
        0,
        "no userinfo call after a bad ID token"
    );
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    let rig = Rig::new().await;
    // The IdP's clock does not move the application's: to make a token the application
    // finds expired, move the IdP back by more than the ID-token lifetime (an hour).
    rig.idp.clock().advance(-2 * 3600);
    let landing = rig.sign_in("dana").await;
    assert_eq!(landing.status, 401, "{}", landing.body);
    assert_eq!(rig.userinfo_calls(), 0);
    rig.idp.clock().reset();
    assert!(signed_in(&rig.sign_in("dana").await));
}

#[tokio::test]
async fn the_fault_catalog_finds_nothing_wrong() {
    let rig = Rig::new().await;
    let reload = format!("{}/reload-provider", rig.app);
    let report = Sweep::new(&rig.idp, CLIENT_ID)
        .flows([FlowKind::AuthorizationCode])
        // Discovery faults too: the application reads the document again on request.
        .reconfigure(move || {
            let reload = reload.clone();
            async move {
                let res = reqwest::Client::new().post(&reload).send().await?;
                if res.status().is_success() {
                    Ok(())
                } else {
                    Err(anyhow::anyhow!("{}: {}", res.status(), res.text().await?))
                }
            }
        })
        .run(|_attempt| async { signed_in(&rig.sign_in("dana").await) })
        .await;
    report.assert_passed();
    let ran = |name: &str| report.cell(name).is_some_and(|c| c.status == Status::Pass);
    assert!(
        ran("discovery_issuer_mismatch::authorization_code"),
        "{report}"
    );
    assert!(ran("jwks_uri_random::authorization_code"), "{report}");
}
