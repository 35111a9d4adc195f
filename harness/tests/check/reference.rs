//! The reference relying party, arranged for a conformance run: one provider per flow
//! against a mock IdP the test starts, and the run's configuration.

use mock_idp::catalog::FlowKind;
use mock_idp::{Flavour, MockIdp, Tenant, TlsPem, User};
use relying_party::app::RunningRp;
use relying_party::discovery;
use relying_party::settings::ProviderSettings;
use relying_party::store::Store;
use relying_party::users::{LegalEntity, UserType};
use serde_json::json;

fn alice() -> User {
    User::new("alice")
        .with_sub("alice-sub")
        .email("alice@acme.test", true)
        .claim("given_name", "Alice")
}

/// The reference relying party with one provider per flow, named after the flow, against
/// a mock IdP the test started (reached by the harness over its admin API).
pub struct Reference {
    pub idp: MockIdp,
    pub rp: RunningRp,
    /// The mock IdP's certificate when it serves https.
    cert: Option<Vec<u8>>,
}

impl Reference {
    /// One provider per flow in `flows`, each named after its flow.
    pub async fn start(flows: &[FlowKind]) -> Self {
        Self::start_with(flows, None).await
    }

    /// As [`Reference::start`], the mock IdP serving https with `tls`, which the relying
    /// party trusts.
    pub async fn start_with(flows: &[FlowKind], tls: Option<TlsPem>) -> Self {
        Self::start_at(flows, tls, Tenant::new("acme")).await
    }

    /// As [`Reference::start`], the tenant `acme` an Auth0-flavoured one (its issuer ends
    /// with a slash).
    #[allow(dead_code)] // The sharding tests do not use it.
    pub async fn start_auth0(flows: &[FlowKind]) -> Self {
        Self::start_at(flows, None, Tenant::flavoured("acme", Flavour::Auth0)).await
    }

    async fn start_at(flows: &[FlowKind], tls: Option<TlsPem>, acme: Tenant) -> Self {
        let store = Store::open_in_memory().expect("store");
        store
            .create_legal_entity(&LegalEntity {
                id: "de".into(),
                name: "Acme GmbH".into(),
            })
            .expect("entity");
        store.create_role("viewer").expect("role");
        store
            .create_user_type(&UserType {
                name: "employee".into(),
                default_roles: ["viewer".to_owned()].into(),
                allowed_roles: ["viewer".to_owned()].into(),
            })
            .expect("user type");
        let cert = tls.as_ref().map(|pem| pem.cert.clone());
        let rp = match &cert {
            None => RunningRp::start(store).await,
            Some(pem) => RunningRp::start_trusting(store, pem).await,
        }
        .expect("rp");
        let mut builder = MockIdp::builder().tenant(acme.user(alice()));
        let mut http = reqwest::Client::builder();
        if let Some(pem) = tls {
            http =
                http.add_root_certificate(reqwest::Certificate::from_pem(&pem.cert).expect("pem"));
            builder = builder.tls(pem);
        }
        let idp = builder.start().await;
        let http = http.build().expect("client");
        let meta = discovery::fetch(&http, &idp.issuer())
            .await
            .expect("metadata");
        for flow in flows {
            let mut settings: ProviderSettings = serde_json::from_value(json!({
                "name": flow.as_str(),
                "issuer": idp.issuer(),
                "client_id": "rp",
                "client_secret": "rp-secret",
                "flow": flow.as_str(),
                "allowed_algs": ["RS256", "ES256", "HS256"],
                "identity_scopes": ["email", "profile"],
                "creation": {
                    "enabled": true,
                    "user_type": "employee",
                    "rows": [{"user_field": "email", "claim_type": "email", "verified": true, "scope": "email"}]
                },
                "offline_access": flow.uses_token_endpoint()
            }))
            .expect("settings");
            discovery::autoconfigure(&meta, &mut settings).expect("autoconfigure");
            rp.rp.save_provider(&settings).expect("saved");
        }
        Self { idp, rp, cert }
    }

    /// The run's configuration; with https, the certificate is `cert.pem` beside it.
    pub fn config(&self, flows: &[FlowKind]) -> String {
        let trust = match self.cert {
            Some(_) => "trust_certificate = \"cert.pem\"\n",
            None => "",
        };
        let mut text = format!(
            r#"login_hint = "alice"

[idp.external]
url = "{idp}"
tenant = "acme"
{trust}
[client]
client_id = "rp"
client_secret = "rp-secret"
redirect_uris = ["{rp}/callback"]
id_token_algs = ["RS256", "ES256", "HS256"]
"#,
            idp = self.idp.url(),
            rp = self.rp.url
        );
        for flow in flows {
            text.push_str(&format!(
                r#"
[[flows]]
flow = "{flow}"
signin_url = "{rp}/signin/{flow}?login_hint={{login_hint}}"
signin_url_max_age = "{rp}/signin/{flow}?login_hint={{login_hint}}&max_age={{max_age}}"
reconfigure = {{ url = "{rp}/api/admin/providers/{flow}/autoconfigure", method = "POST" }}
success = {{ status = 200, url = "/me", json = {{ url = "{rp}/api/me", pointer = "/external_id" }} }}
"#,
                rp = self.rp.url
            ));
            if flow.uses_token_endpoint() {
                text.push_str(&format!(
                    "refresh_url = \"{}/session/refresh\"\n",
                    self.rp.url
                ));
            }
        }
        text
    }
}
