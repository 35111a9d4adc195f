//! The rig shared by the relying party's integration tests: a mock IdP with an `acme` tenant
//! (alice, bob) and an Entra-flavoured `contoso` tenant, an in-process relying party on
//! loopback, settings for any flow, and the probes the tests assert with.

use mock_idp::agent::{Landing, UserAgent};
use mock_idp::{Client, Endpoint, MockIdp, Tenant, TlsPem, User};
use relying_party::app::RunningRp;
use relying_party::discovery;
use relying_party::settings::ProviderSettings;
use relying_party::store::Store;
use relying_party::users::{LegalEntity, NewInternalUser, UserType};
use serde_json::{Value, json};

pub const ENTRA_TID: &str = "9122040d-6c67-4c5b-b112-36a304b66dad";
/// The Entra group (object id) that role mapping turns into the `billing` role.
pub const BILLING_GROUP: &str = "5f0c3e2a-8d1b-4c6e-9a7f-2b3d4e5f6a7b";

fn alice() -> User {
    User::new("alice")
        .with_sub("alice-sub")
        .email("alice@acme.test", true)
        .phone("+1 555 0100", false)
        .claim("given_name", "Alice")
        .claim("family_name", "Anders")
        .roles(["billing-admin", "unknown-role"])
}

/// megan of the Entra-flavoured tenant; `xms_edov` says whether her tenant verified her
/// email's domain.
fn megan(xms_edov: bool) -> User {
    User::new("megan")
        .email(MEGAN_EMAIL, true)
        .claim("xms_edov", xms_edov)
        .claim("groups", json!([BILLING_GROUP]))
}

/// megan's email address, which an existing account of the application also has.
pub const MEGAN_EMAIL: &str = "megan@contoso.test";

/// A mock IdP and a relying party, both on loopback, both stopped when dropped.
pub struct Rig {
    pub idp: MockIdp,
    pub rp: RunningRp,
    /// The mock IdP's certificate (PEM) when it serves https.
    pub cert: Option<Vec<u8>>,
}

impl Rig {
    /// Starts both, with the legal entity, roles and user type the settings refer to.
    pub async fn new() -> Self {
        Self::start(None).await
    }

    /// As [`Rig::new`], the mock IdP serving https with a fresh self-signed certificate that
    /// the relying party trusts.
    #[allow(dead_code)] // Only some test targets serve https.
    pub async fn new_tls() -> Self {
        Self::start(Some(TlsPem::self_signed().expect("certificate"))).await
    }

    async fn start(tls: Option<TlsPem>) -> Self {
        let store = Store::open_in_memory().expect("store");
        store
            .create_legal_entity(&LegalEntity {
                id: "de".into(),
                name: "Acme GmbH".into(),
            })
            .expect("entity");
        for role in ["viewer", "billing"] {
            store.create_role(role).expect("role");
        }
        store
            .create_user_type(&UserType {
                name: "employee".into(),
                default_roles: ["viewer".to_owned()].into(),
                allowed_roles: ["viewer".to_owned(), "billing".to_owned()].into(),
            })
            .expect("user type");
        let cert = tls.as_ref().map(|pem| pem.cert.clone());
        let rp = match &cert {
            None => RunningRp::start(store).await,
            Some(pem) => RunningRp::start_trusting(store, pem).await,
        }
        .expect("rp");
        let callback = format!("{}/callback", rp.url);
        let mut builder = MockIdp::builder();
        if let Some(pem) = tls {
            builder = builder.tls(pem);
        }
        let idp = builder
            .tenant(
                Tenant::new("acme")
                    .scope("roles", ["roles"])
                    .client(Client::confidential("rp", "rp-secret").redirect_uri(&callback))
                    .user(alice())
                    .user(
                        User::new("bob")
                            .with_sub("bob-sub")
                            .email("bob@acme.test", false),
                    ),
            )
            .tenant(
                Tenant::entra("contoso", ENTRA_TID)
                    .client(
                        Client::confidential("entra-app", "entra-secret").redirect_uri(&callback),
                    )
                    .user(megan(false)),
            )
            .start()
            .await;
        Self { idp, rp, cert }
    }

    /// A fresh browser, trusting the mock IdP's certificate when it serves https.
    #[allow(dead_code)] // Not every test target signs in through a browser.
    pub fn agent(&self) -> UserAgent {
        match &self.cert {
            None => UserAgent::new(),
            Some(pem) => UserAgent::trusting(pem).expect("certificate"),
        }
    }

    /// Settings for the `acme` tenant's `rp` client in `flow`, with creation and role rules.
    pub fn settings(&self, flow: &str, response_type: Option<&str>) -> ProviderSettings {
        let mut v = json!({
            "name": "Acme",
            "issuer": self.idp.issuer(),
            "client_id": "rp",
            "client_secret": "rp-secret",
            "flow": flow,
            "identity_scopes": ["email", "profile"],
            "creation": {
                "enabled": true,
                "user_type": "employee",
                "rows": [
                    {"user_field": "email", "claim_type": "email", "verified": true, "scope": "email"},
                    {"user_field": "phone", "claim_type": "phone_number", "verified": true, "scope": "phone"},
                    {"user_field": "first_name", "claim_type": "given_name", "scope": "profile"},
                    {"user_field": "last_name", "claim_type": "family_name", "scope": "profile"}
                ]
            },
            "role_mapping": {
                "roles_from_provider": true,
                "strategy": "one_role_for_all_legal_entities",
                "rows": [
                    {"claim_type": "roles", "scope": "roles", "claim_value": "billing-admin", "role_name": "billing"}
                ]
            }
        });
        if let Some(rt) = response_type {
            v["response_type"] = json!(rt);
        }
        serde_json::from_value(v).expect("settings")
    }

    /// Settings for the Entra-flavoured `contoso` tenant's `entra-app` client in `flow`: `oid`
    /// as the identity, the tenant on the allow-list, creation with the (unverified) email,
    /// and roles mapped from `groups`.
    #[allow(dead_code)] // The browser-binding tests use Acme only.
    pub fn entra_settings(&self, flow: &str) -> ProviderSettings {
        serde_json::from_value(self.entra_json(flow)).expect("settings")
    }

    /// What `Setup::EntraEmailBinding` asks for: megan's tenant has verified her email
    /// (`xms_edov: true`), the application has an account `megan.bowen` with that address,
    /// and the `contoso` settings bind by verified email only and create no users.
    #[allow(dead_code)] // Only some test targets bind Entra users by email.
    pub fn entra_email_binding(&self, flow: &str) -> ProviderSettings {
        self.idp
            .tenant("contoso")
            .expect("tenant")
            .put_user(megan(true))
            .expect("megan");
        self.rp
            .rp
            .store
            .create_internal_user(&NewInternalUser {
                username: "megan.bowen".into(),
                user_type: "employee".into(),
                email: Some(MEGAN_EMAIL.into()),
                phone: None,
                first_name: None,
                last_name: None,
                display_name: None,
                roles: None,
            })
            .expect("internal user");
        let mut v = self.entra_json(flow);
        v["binding"] = json!({
            "enabled": true,
            "rows": [{"user_field": "email", "claim_type": "email", "verified": true, "scope": "email"}]
        });
        v["creation"]["enabled"] = json!(false);
        v.as_object_mut().map(|o| o.remove("role_mapping"));
        serde_json::from_value(v).expect("settings")
    }

    fn entra_json(&self, flow: &str) -> Value {
        let issuer = self.idp.tenant("contoso").expect("tenant").issuer();
        json!({
            "name": "Contoso",
            "issuer": issuer,
            "client_id": "entra-app",
            "client_secret": "entra-secret",
            "identity_claim": "oid",
            "flow": flow,
            "entra": { "allowed_tenants": [ENTRA_TID] },
            "creation": {
                "enabled": true,
                "user_type": "employee",
                "rows": [{"user_field": "email", "claim_type": "email", "verified": true, "scope": "email"}]
            },
            "role_mapping": {
                "roles_from_provider": true,
                "strategy": "one_role_for_all_legal_entities",
                "rows": [
                    {"claim_type": "groups", "scope": "profile", "claim_value": BILLING_GROUP, "role_name": "billing"}
                ]
            }
        })
    }

    /// Autoconfigures `settings` and stores them; a refusal answers the first finding's code.
    pub async fn configure(
        &self,
        mut settings: ProviderSettings,
    ) -> Result<ProviderSettings, String> {
        let mut http = reqwest::Client::builder();
        if let Some(pem) = &self.cert {
            http = http.add_root_certificate(reqwest::Certificate::from_pem(pem).expect("pem"));
        }
        let http = http.build().expect("client");
        let meta = discovery::fetch_document(&http, &settings.metadata_location())
            .await
            .map_err(|f| f.code.to_owned())?;
        discovery::autoconfigure(&meta, &mut settings)
            .map_err(|findings| findings[0].code.to_owned())?;
        self.rp.rp.save_provider(&settings).expect("saved");
        Ok(settings)
    }

    /// Starts a sign-in at `provider` with `query` (e.g. `login_hint=alice`) and follows it.
    pub async fn sign_in(&self, agent: &UserAgent, provider: &str, query: &str) -> Landing {
        agent
            .navigate(&format!("{}/signin/{provider}?{query}", self.rp.url))
            .await
            .expect("navigation")
    }

    /// Configures the `contoso` provider with `settings`, signs megan in there in a fresh
    /// browser and answers what `/api/me` shows; a refused sign-in fails the test.
    #[allow(dead_code)] // Only some test targets sign megan in.
    pub async fn megan_signed_in(&self, settings: ProviderSettings) -> Value {
        self.configure(settings).await.expect("configured");
        let agent = self.agent();
        let landing = self.sign_in(&agent, "Contoso", "login_hint=megan").await;
        assert_eq!(landing.url.path(), "/me", "{:?}", self.last_refusal());
        self.me(&agent).await
    }

    /// `/api/me` as `agent` sees it.
    pub async fn me(&self, agent: &UserAgent) -> Value {
        let l = agent
            .navigate(&format!("{}/api/me", self.rp.url))
            .await
            .expect("me");
        serde_json::from_str(&l.body).expect("json")
    }

    /// How many requests the mock IdP's `endpoint` received.
    #[allow(dead_code)] // The browser-binding tests count no provider calls.
    pub fn called(&self, endpoint: Endpoint) -> usize {
        self.idp.calls(endpoint).len()
    }

    /// The code and message of the last refused sign-in, for failure messages.
    pub fn last_refusal(&self) -> Option<String> {
        self.rp
            .rp
            .sign_ins()
            .into_iter()
            .rev()
            .find(|r| !r.ok)
            .map(|r| format!("{} ({})", r.code.unwrap_or_default(), r.message))
    }
}

/// Saves `settings` with an Entra allow-list that leaves out the mock tenant and checks that
/// megan's sign-in is refused for her tenant.
// Each test crate compiles this module on its own; the matrix has no use for this one.
#[allow(dead_code)]
pub async fn assert_foreign_tenant_refused(rig: &Rig, mut settings: ProviderSettings) {
    settings.entra = Some(
        serde_json::from_value(
            json!({"allowed_tenants": ["72f988bf-86f1-41af-91ab-2d7cd011db47"]}),
        )
        .expect("entra"),
    );
    rig.rp.rp.save_provider(&settings).expect("saved");
    let landing = rig
        .sign_in(&UserAgent::new(), &settings.name, "login_hint=megan")
        .await;
    assert_eq!(
        landing.element_text("error-code").as_deref(),
        Some("id_token.tenant_not_allowed")
    );
}
