//! The test-facing handle: a scoped fault lasts exactly as long as its guard, and
//! `MockIdp::calls` answers "was this endpoint called" from the request log.

use mock_idp::{Endpoint, Fault, FaultRule, MockIdp};
use serde_json::Value;

async fn discovered_issuer(idp: &MockIdp) -> String {
    let url = format!("{}/.well-known/openid-configuration", idp.issuer());
    let doc: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    doc["issuer"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_scoped_fault_lasts_as_long_as_its_guard() {
    let idp = MockIdp::start().await;
    let issuer = idp.issuer();
    {
        let guard = idp.inject_scoped(Fault::DiscoveryIssuerMismatch);
        assert_eq!(idp.default_tenant().faults()[0].id, guard.id());
        assert_eq!(discovered_issuer(&idp).await, format!("{issuer}1"));
        assert_eq!(
            discovered_issuer(&idp).await,
            format!("{issuer}1"),
            "no count: stays"
        );
    }
    assert!(
        idp.default_tenant().faults().is_empty(),
        "the guard removed it"
    );
    assert_eq!(discovered_issuer(&idp).await, issuer);

    // A counted rule that is spent before the guard drops: dropping it is still fine, and
    // removes nothing else.
    let kept = idp.inject(FaultRule::new(Fault::AudChanged).for_client("someone-else"));
    {
        let _guard = idp.inject_scoped(FaultRule::new(Fault::DiscoveryIssuerMismatch).times(1));
        assert_eq!(discovered_issuer(&idp).await, format!("{issuer}1"));
        assert_eq!(discovered_issuer(&idp).await, issuer, "spent");
    }
    let left: Vec<u64> = idp.default_tenant().faults().iter().map(|r| r.id).collect();
    assert_eq!(left, vec![kept]);
}

#[tokio::test]
async fn calls_lists_the_logged_requests_to_one_endpoint() {
    let idp = MockIdp::start().await;
    assert!(idp.calls(Endpoint::Discovery).is_empty());
    discovered_issuer(&idp).await;
    discovered_issuer(&idp).await;
    reqwest::get(format!("{}/jwks", idp.issuer()))
        .await
        .unwrap();
    let discovery = idp.calls(Endpoint::Discovery);
    assert_eq!(discovery.len(), 2);
    assert!(
        discovery
            .iter()
            .all(|r| r.status == 200 && r.method == "GET")
    );
    assert_eq!(idp.calls(Endpoint::Jwks).len(), 1);
    assert!(idp.calls(Endpoint::Token).is_empty());
    assert_eq!("token".parse::<Endpoint>(), Ok(Endpoint::Token));
    assert!("tokens".parse::<Endpoint>().is_err());
}

#[tokio::test]
async fn builder_order_does_not_matter_and_mixes_in_no_demo_users() {
    use mock_idp::{Client, Tenant, User};
    let users_first = MockIdp::builder()
        .user(User::new("alice").claim("team", "blue"))
        .client(Client::public("spa"))
        .tenant(Tenant::new("acme"))
        .tenant(Tenant::new("globex"))
        .start()
        .await;
    let acme = users_first.default_tenant();
    assert_eq!(acme.name(), "acme", "the first tenant added is the default");
    let config = acme.config();
    let names: Vec<_> = config.users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["alice"], "only the configured user, no demo users");
    assert_eq!(
        config.users[0].claims.len(),
        1,
        "not merged with the demo alice"
    );
    assert_eq!(config.clients[0].client_id.as_str(), "spa");
    assert!(users_first.tenant("default").is_none());
    assert!(
        users_first
            .tenant("globex")
            .unwrap()
            .config()
            .users
            .is_empty()
    );

    let alone = MockIdp::builder().user(User::new("alice")).start().await;
    let users = alone.default_tenant().config().users;
    assert_eq!(users, vec![User::new("alice")]);

    let demo = MockIdp::builder()
        .client(Client::public("spa"))
        .start()
        .await;
    assert!(
        demo.default_tenant().user("bob").is_ok(),
        "no user given: demo users"
    );
}
