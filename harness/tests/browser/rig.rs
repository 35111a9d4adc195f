//! The system under test for the browser scenarios: an in-process mock IdP with two users and
//! a relying party with one provider, "Acme", autoconfigured for a given flow.

use mock_idp::{Client, Endpoint, LoggedRequest, MockIdp, Tenant, User};
use relying_party::app::RunningRp;
use relying_party::discovery;
use relying_party::settings::{Flow, ProviderSettings};
use relying_party::store::Store;
use relying_party::users::UserType;
use serde_json::json;

/// The provider's name in the relying party.
pub const PROVIDER: &str = "Acme";

fn user(name: &str, given_name: &str) -> User {
    User::new(name)
        .with_sub(format!("{name}-sub"))
        .email(format!("{name}@acme.test"), true)
        .claim("preferred_username", name)
        .claim("given_name", given_name)
}

fn store() -> Store {
    let store = Store::open_in_memory().expect("store");
    store
        .create_user_type(&UserType {
            name: "employee".into(),
            default_roles: Default::default(),
            allowed_roles: Default::default(),
        })
        .expect("user type");
    store
}

#[derive(Debug)]
pub struct BrowserRig {
    pub idp: MockIdp,
    pub rp: RunningRp,
}

impl BrowserRig {
    /// `response_type` picks one of the flow's response types (the flow's default when
    /// `None`).
    pub async fn new(flow: Flow, response_type: Option<&str>) -> Self {
        let rp = RunningRp::start(store()).await.expect("relying party");
        Self::around(rp, flow, response_type).await
    }

    /// As [`BrowserRig::new`], with the relying party at `localhost` and the provider at
    /// `127.0.0.1`: two sites to the browser.
    pub async fn cross_site(flow: Flow, response_type: Option<&str>) -> Self {
        let rp = RunningRp::start_reached_as(store(), "localhost")
            .await
            .expect("relying party");
        Self::around(rp, flow, response_type).await
    }

    async fn around(rp: RunningRp, flow: Flow, response_type: Option<&str>) -> Self {
        let idp = MockIdp::builder()
            .tenant(
                Tenant::new("acme")
                    .client(
                        Client::confidential("rp", "rp-secret")
                            .redirect_uri(format!("{}/callback", rp.url)),
                    )
                    .user(user("alice", "Alice"))
                    .user(user("bob", "Bob")),
            )
            .start()
            .await;
        let mut settings: ProviderSettings = serde_json::from_value(json!({
            "name": PROVIDER,
            "issuer": idp.issuer(),
            "client_id": "rp",
            "client_secret": "rp-secret",
            "flow": flow,
            "response_type": response_type,
            "identity_scopes": ["email", "profile"],
            "creation": {
                "enabled": true,
                "user_type": "employee",
                "rows": [
                    {"user_field": "username", "claim_type": "preferred_username", "scope": "profile"},
                    {"user_field": "email", "claim_type": "email", "verified": true, "scope": "email"},
                    {"user_field": "first_name", "claim_type": "given_name", "scope": "profile"}
                ]
            }
        }))
        .expect("provider settings");
        let metadata = discovery::fetch(&reqwest::Client::new(), &settings.issuer)
            .await
            .expect("provider metadata");
        discovery::autoconfigure(&metadata, &mut settings).expect("autoconfiguration");
        rp.rp.save_provider(&settings).expect("provider saved");
        Self { idp, rp }
    }

    /// Where the application's sign-in starts; without a hint the provider shows its login
    /// page.
    pub fn sign_in_url(&self, login_hint: Option<&str>) -> String {
        let hint = login_hint
            .map(|h| format!("?login_hint={h}"))
            .unwrap_or_default();
        format!("{}/signin/{PROVIDER}{hint}", self.rp.url)
    }

    /// The provider's log of requests to `endpoint`.
    pub fn requests_to(&self, endpoint: Endpoint) -> Vec<LoggedRequest> {
        self.idp.calls(endpoint)
    }
}
