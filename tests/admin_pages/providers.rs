//! `/admin/providers`: the list and a provider added from its issuer.

use reqwest::StatusCode;

use crate::common::Rig;
use crate::{get, post};

#[tokio::test]
async fn a_provider_added_from_its_issuer_is_autoconfigured_and_listed() {
    let rig = Rig::new().await;
    let empty = get(&rig, "/admin/providers").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("id=\"no-providers\""));
    assert!(
        empty.body.contains(&format!("{}/callback", rig.rp.url)),
        "the redirect URI to register is on the page"
    );
    for (id, label) in [
        ("name", "Display name"),
        ("issuer", "Issuer identifier"),
        ("client_id", "Client ID"),
        ("client_secret", "Client secret"),
        ("flow", "Flow"),
    ] {
        assert!(
            empty
                .body
                .contains(&format!("<label for=\"{id}\">{label}</label>")),
            "a label for #{id}"
        );
    }

    let issuer = rig.idp.issuer();
    let added = post(
        &rig,
        "/admin/providers",
        &[
            ("name", "Acme"),
            ("issuer", &issuer),
            ("client_id", "rp"),
            ("client_secret", "rp-secret"),
            ("flow", "hybrid_form_post"),
        ],
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.errors());
    assert_eq!(
        added.location.as_deref(),
        Some("/admin/providers/Acme?done=created")
    );
    let stored = rig.rp.rp.provider("Acme").expect("stored");
    assert_eq!(stored.authorization_endpoint, format!("{issuer}/authorize"));
    assert_eq!(stored.jwks_uri, format!("{issuer}/jwks"));
    assert_eq!(
        stored.client_secret.as_ref().map(|s| s.expose()),
        Some("rp-secret")
    );

    let list = get(&rig, "/admin/providers").await;
    let row = list
        .body
        .lines()
        .find(|l| l.contains("/admin/providers/Acme\""))
        .expect("a row for Acme");
    for shown in ["Active", "Hybrid Flow (Form Post)", issuer.as_str()] {
        assert!(row.contains(shown), "expected {shown:?} in {row}");
    }
    let form = get(&rig, "/admin/providers/Acme?done=created").await;
    assert!(form.body.contains("id=\"notice\""));
    assert!(
        !form.body.contains("rp-secret"),
        "the secret is never shown"
    );
}

#[tokio::test]
async fn refusals_of_the_add_form_are_beside_their_fields() {
    let rig = Rig::new().await;
    let issuer = rig.idp.issuer();
    let add = |name: &'static str, issuer: String, flow: &'static str| {
        let rig = &rig;
        async move {
            post(
                rig,
                "/admin/providers",
                &[
                    ("name", name),
                    ("issuer", &issuer),
                    ("client_id", "rp"),
                    ("client_secret", "rp-secret"),
                    ("flow", flow),
                ],
            )
            .await
        }
    };

    let no_issuer = add("Acme", String::new(), "authorization_code").await;
    assert_eq!(no_issuer.status, StatusCode::BAD_REQUEST);
    no_issuer.assert_error_beside(
        "issuer",
        "issuer: expected a URL without surrounding spaces",
    );

    let not_a_provider = add(
        "Acme",
        "http://127.0.0.1:9/nobody".into(),
        "authorization_code",
    )
    .await;
    assert_eq!(not_a_provider.status, StatusCode::UNPROCESSABLE_ENTITY);
    not_a_provider.assert_error_beside("issuer", "discovery.unreachable");
    assert!(
        not_a_provider
            .body
            .contains("value=\"http://127.0.0.1:9/nobody\""),
        "the typed issuer stays in the form"
    );

    let no_flow = add("Acme", issuer.clone(), "magic_flow").await;
    assert_eq!(no_flow.status, StatusCode::BAD_REQUEST);
    no_flow.assert_error_beside("flow", "found \"magic_flow\"");

    let first = add("Acme", issuer.clone(), "authorization_code").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let again = add("Acme", issuer, "authorization_code").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    again.assert_error_beside("name", "a provider named \"Acme\" exists");
    assert!(rig.rp.rp.provider("Acme").is_some());
}
