//! What configuring the relying party against a real provider needs: a provider created
//! from its issuer and client credentials alone, and `client_secret_post` for a provider that
//! accepts nothing else.

use mock_idp::agent::UserAgent;
use mock_idp::{AuthMethod, Client, MockIdp, Tenant, User};
use relying_party::app::RunningRp;
use relying_party::store::Store;
use relying_party::users::UserType;
use serde_json::{Value, json};

async fn rig(method: Option<AuthMethod>) -> (MockIdp, RunningRp) {
    let store = Store::open_in_memory().expect("store");
    store
        .create_user_type(&UserType {
            name: "employee".into(),
            default_roles: Default::default(),
            allowed_roles: Default::default(),
        })
        .expect("user type");
    let rp = RunningRp::start(store).await.expect("rp");
    let mut client =
        Client::confidential("rp", "rp-secret").redirect_uri(format!("{}/callback", rp.url));
    if let Some(method) = method {
        client = client.auth_method(method);
    }
    let idp = MockIdp::builder()
        .tenant(
            Tenant::new("acme")
                .client(client)
                .user(User::new("alice").with_sub("alice-sub")),
        )
        .start()
        .await;
    (idp, rp)
}

/// Issuer, client credentials and flow: the rest comes from the discovery document.
fn minimal(issuer: &str, flow: &str) -> Value {
    json!({
        "name": "Acme",
        "issuer": issuer,
        "client_id": "rp",
        "client_secret": "rp-secret",
        "flow": flow,
        "creation": {"enabled": true, "user_type": "employee"},
    })
}

async fn post_provider(rp: &RunningRp, settings: &Value) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/admin/providers", rp.url))
        .json(settings)
        .send()
        .await
        .expect("sent");
    (res.status().as_u16(), res.json().await.expect("json"))
}

#[tokio::test]
async fn a_provider_is_created_from_its_issuer_and_signs_in() {
    let (idp, rp) = rig(None).await;
    let (status, body) = post_provider(&rp, &minimal(&idp.issuer(), "hybrid_fragment")).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["token_endpoint"], format!("{}/token", idp.issuer()));
    assert_eq!(body["jwks_uri"], format!("{}/jwks", idp.issuer()));
    assert!(body.get("client_secret").is_none());
    let agent = UserAgent::new();
    let landing = agent
        .navigate(&format!("{}/signin/Acme?login_hint=alice", rp.url))
        .await
        .expect("signed in");
    assert_eq!(landing.url.path(), "/me", "{:?}", rp.rp.sign_ins());

    let nowhere = minimal("http://127.0.0.1:9/nowhere", "authorization_code");
    let (status, body) = post_provider(&rp, &nowhere).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "autoconfiguration.failed");
    assert_eq!(body["details"][0]["code"], "discovery.unreachable");
}

#[tokio::test]
async fn client_secret_post_signs_in_where_the_provider_accepts_only_that() {
    let (idp, rp) = rig(Some(AuthMethod::ClientSecretPost)).await;
    let mut settings = minimal(&idp.issuer(), "authorization_code");
    // The default (client_secret_basic) is not shown; the provider refuses it here.
    for (method, shown, lands_at) in [
        ("client_secret_basic", Value::Null, None),
        (
            "client_secret_post",
            json!("client_secret_post"),
            Some("/me"),
        ),
    ] {
        settings["token_endpoint_auth_method"] = json!(method);
        let (status, body) = post_provider(&rp, &settings).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["token_endpoint_auth_method"], shown, "{method}");
        let landing = UserAgent::new()
            .navigate(&format!("{}/signin/Acme?login_hint=alice", rp.url))
            .await
            .expect("navigated");
        if let Some(path) = lands_at {
            assert_eq!(landing.url.path(), path, "{method}: {:?}", rp.rp.sign_ins());
        } else {
            assert_eq!(
                landing.element_text("error-code").as_deref(),
                Some("token.failed"),
                "{method}"
            );
        }
    }
}
