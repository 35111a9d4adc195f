//! The relying party against a real mock IdP on loopback: every flow signs in, rejected ID
//! tokens store nothing and stop the flow, autoconfiguration, inactive providers, Entra ID,
//! key rotation, local sign-out, concurrent first sign-ins.

mod common;

use common::Rig;
use mock_idp::agent::UserAgent;
use mock_idp::{Endpoint, Fault, FaultRule};
use relying_party::discovery;
use relying_party::store::Store;
use serde_json::{Value, json};

const CELLS: [(&str, Option<&str>); 8] = [
    ("authorization_code", None),
    ("implicit_form_post", None),
    ("implicit_fragment", Some("id_token")),
    ("implicit_fragment", None),
    ("hybrid_form_post", None),
    ("hybrid_form_post", Some("code token")),
    ("hybrid_fragment", Some("code id_token token")),
    ("hybrid_fragment", None),
];

#[tokio::test]
async fn every_flow_signs_in_and_creates_the_user_once() {
    for (flow, rt) in CELLS {
        let rig = Rig::new().await;
        rig.configure(rig.settings(flow, rt))
            .await
            .expect("configured");
        let agent = UserAgent::new();
        let landing = rig.sign_in(&agent, "Acme", "login_hint=alice").await;
        assert_eq!(
            landing.status,
            200,
            "{flow} {rt:?}: {:?} {}",
            rig.last_refusal(),
            landing.body
        );
        assert_eq!(landing.url.path(), "/me", "{flow} {rt:?}");
        let me = rig.me(&agent).await;
        assert_eq!(me["external_id"], "alice-sub", "{flow} {rt:?}");
        let user = &me["user"];
        assert_eq!(user["kind"], "external");
        assert_eq!(user["email"], "alice@acme.test", "verified email assigned");
        assert_eq!(user["phone"], Value::Null, "unverified phone not assigned");
        assert_eq!(user["first_name"], "Alice");
        assert_eq!(user["roles"]["de"], json!(["billing"]), "{flow} {rt:?}");
        let uses_token = flow != "implicit_form_post" && flow != "implicit_fragment";
        assert_eq!(
            rig.called(Endpoint::Token),
            usize::from(uses_token),
            "{flow} {rt:?}"
        );
        // A second sign-in finds the same user.
        let again = rig
            .sign_in(&UserAgent::new(), "Acme", "login_hint=alice")
            .await;
        assert_eq!(again.url.path(), "/me");
        assert_eq!(rig.rp.rp.store.users().expect("users").len(), 1);
    }
}

#[tokio::test]
async fn a_rejected_id_token_stores_nothing_and_ends_the_flow() {
    let cases = [
        (Fault::AudChanged, "id_token.wrong_audience"),
        (Fault::IssChanged, "id_token.wrong_issuer"),
        (Fault::SignatureCorrupted, "id_token.bad_signature"),
        (Fault::NonceChanged, "id_token.nonce_mismatch"),
        (Fault::ExpPast, "id_token.expired"),
        (Fault::AlgNone, "id_token.unsigned"),
        (Fault::UnknownKey, "id_token.unknown_key"),
        (Fault::SubMissing, "id_token.missing_sub"),
        (Fault::IatMissing, "id_token.missing_iat"),
        (Fault::IatFuture, "id_token.issued_in_future"),
        (Fault::NbfFuture, "id_token.not_yet_valid"),
        (Fault::ExtraAudWrongAzp, "id_token.wrong_azp"),
        (Fault::ExtraAud, "id_token.untrusted_audience"),
    ];
    for (flow, rt) in [
        ("hybrid_fragment", None),
        ("authorization_code", None),
        ("implicit_form_post", None),
    ] {
        for (fault, code) in &cases {
            let rig = Rig::new().await;
            rig.configure(rig.settings(flow, rt))
                .await
                .expect("configured");
            rig.idp
                .tenant("acme")
                .expect("tenant")
                .inject(FaultRule::new(fault.clone()));
            let landing = rig
                .sign_in(&UserAgent::new(), "Acme", "login_hint=alice")
                .await;
            assert_eq!(landing.status, 400, "{flow} {fault}");
            assert_eq!(
                landing.element_text("error-code").as_deref(),
                Some(*code),
                "{flow} {fault}"
            );
            assert!(
                rig.rp.rp.store.users().expect("users").is_empty(),
                "{flow} {fault}: nothing stored"
            );
            if flow != "authorization_code" {
                assert_eq!(
                    rig.called(Endpoint::Token),
                    0,
                    "{flow} {fault}: no token call after a bad front-channel ID token"
                );
            }
            assert_eq!(
                rig.called(Endpoint::Userinfo),
                0,
                "{flow} {fault}: no userinfo call"
            );
        }
    }
}

#[tokio::test]
async fn hashes_are_checked_where_the_flow_requires_them() {
    let cases = [
        (
            "implicit_fragment",
            None,
            Fault::AtHashWrong,
            "id_token.bad_at_hash",
        ),
        (
            "implicit_form_post",
            None,
            Fault::AtHashMissing,
            "id_token.missing_at_hash",
        ),
        (
            "hybrid_form_post",
            None,
            Fault::CHashWrong,
            "id_token.bad_c_hash",
        ),
        (
            "hybrid_fragment",
            None,
            Fault::CHashMissing,
            "id_token.missing_c_hash",
        ),
        (
            "hybrid_fragment",
            Some("code id_token token"),
            Fault::AtHashMissing,
            "id_token.missing_at_hash",
        ),
    ];
    for (flow, rt, fault, code) in cases {
        let rig = Rig::new().await;
        rig.configure(rig.settings(flow, rt))
            .await
            .expect("configured");
        rig.idp
            .tenant("acme")
            .expect("tenant")
            .inject(FaultRule::new(fault.clone()).times(1));
        let landing = rig
            .sign_in(&UserAgent::new(), "Acme", "login_hint=alice")
            .await;
        assert_eq!(
            landing.element_text("error-code").as_deref(),
            Some(code),
            "{flow} {fault}"
        );
        assert_eq!(rig.called(Endpoint::Token), 0);
    }
    // Code flow: at_hash is optional in the token response; a missing one is accepted.
    let rig = Rig::new().await;
    rig.configure(rig.settings("authorization_code", None))
        .await
        .expect("configured");
    rig.idp.inject(FaultRule::new(Fault::AtHashMissing));
    rig.idp
        .tenant("acme")
        .expect("tenant")
        .inject(FaultRule::new(Fault::AtHashMissing));
    let landing = rig
        .sign_in(&UserAgent::new(), "Acme", "login_hint=alice")
        .await;
    assert_eq!(landing.url.path(), "/me", "{:?}", rig.last_refusal());
}

#[tokio::test]
async fn response_and_userinfo_problems_have_their_codes() {
    let cases = [
        (
            "authorization_code",
            Fault::StateChanged,
            "response.state_mismatch",
        ),
        (
            "hybrid_form_post",
            Fault::StateMissing,
            "response.missing_state",
        ),
        (
            "authorization_code",
            Fault::UserinfoSubChanged,
            "userinfo.sub_mismatch",
        ),
        (
            "authorization_code",
            Fault::UserinfoWrongContentType,
            "userinfo.bad_content_type",
        ),
        (
            "implicit_form_post",
            Fault::AuthorizeError {
                error: "access_denied".into(),
            },
            "authorization.access_denied",
        ),
    ];
    for (flow, fault, code) in cases {
        let rig = Rig::new().await;
        rig.configure(rig.settings(flow, None))
            .await
            .expect("configured");
        rig.idp
            .tenant("acme")
            .expect("tenant")
            .inject(FaultRule::new(fault.clone()));
        let landing = rig
            .sign_in(&UserAgent::new(), "Acme", "login_hint=alice")
            .await;
        assert_eq!(
            landing.element_text("error-code").as_deref(),
            Some(code),
            "{flow} {fault}"
        );
        assert!(rig.rp.rp.store.users().expect("users").is_empty());
    }
}

#[tokio::test]
async fn a_single_key_without_kid_and_a_rotated_key_are_accepted() {
    let rig = Rig::new().await;
    rig.configure(rig.settings("hybrid_fragment", None))
        .await
        .expect("configured");
    let acme = rig.idp.tenant("acme").expect("tenant");
    acme.inject(FaultRule::new(Fault::KidAbsent).times(2));
    let landing = rig
        .sign_in(&UserAgent::new(), "Acme", "login_hint=alice")
        .await;
    assert_eq!(landing.url.path(), "/me", "{:?}", rig.last_refusal());
    // The relying party has the JWK Set cached; the new key forces one re-fetch.
    acme.rotate_keys(mock_idp::Alg::RS256).expect("rotate");
    let landing = rig
        .sign_in(&UserAgent::new(), "Acme", "login_hint=alice")
        .await;
    assert_eq!(landing.url.path(), "/me", "{:?}", rig.last_refusal());
    assert_eq!(rig.called(Endpoint::Jwks), 2);
}

#[tokio::test]
async fn autoconfiguration_fails_for_the_right_reasons() {
    let rig = Rig::new().await;
    let http = reqwest::Client::new();
    let mut s = rig.settings("authorization_code", None);
    s.issuer.push('/');
    let meta = discovery::fetch(&http, &s.issuer).await.expect("metadata");
    let problems = discovery::autoconfigure(&meta, &mut s).expect_err("trailing slash");
    assert_eq!(problems[0].code, "discovery.issuer_mismatch");
    assert!(s.authorization_endpoint.is_empty(), "settings untouched");
    let mut s = rig.settings("authorization_code", None);
    s.issuer = format!("{}/nowhere", rig.idp.url());
    assert_eq!(
        discovery::fetch(&http, &s.issuer)
            .await
            .expect_err("no tenant")
            .code,
        "discovery.unreachable"
    );
    // Saving settings whose endpoints are missing is refused, naming each field.
    let s = rig.settings("hybrid_fragment", None);
    let problems = rig.rp.rp.save_provider(&s).expect_err("incomplete");
    assert!(
        problems.iter().any(|p| p.starts_with("token_endpoint")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.starts_with("jwks_uri")),
        "{problems:?}"
    );
}

#[tokio::test]
async fn validate_lists_each_mismatch_with_the_metadata() {
    let rig = Rig::new().await;
    let mut s = rig
        .configure(rig.settings("authorization_code", None))
        .await
        .expect("configured");
    s.token_endpoint = Some(format!("{}/elsewhere/token", rig.idp.url()));
    s.jwks_uri = format!("{}/elsewhere/jwks", rig.idp.url());
    rig.rp.rp.save_provider(&s).expect("saved");
    let v: Value = reqwest::get(format!("{}/api/admin/providers/Acme/validate", rig.rp.url))
        .await
        .expect("validate")
        .json()
        .await
        .expect("json");
    assert_eq!(v["valid"], false);
    let findings = v["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(
        findings
            .iter()
            .all(|f| f["code"] == "settings.endpoint_mismatch")
    );
}

#[tokio::test]
async fn inactive_providers_are_hidden_and_their_callbacks_refused() {
    let rig = Rig::new().await;
    let mut s = rig
        .configure(rig.settings("hybrid_form_post", None))
        .await
        .expect("configured");
    let page = reqwest::get(format!("{}/", rig.rp.url))
        .await
        .expect("home")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Sign in with Acme"));
    // Start a sign-in, then deactivate the provider before the callback arrives.
    let agent = UserAgent::new();
    let login = rig.sign_in(&agent, "Acme", "").await;
    assert!(login.is_login_page(), "{}", login.body);
    s.active = false;
    rig.rp.rp.save_provider(&s).expect("saved");
    let landing = agent.log_in(&login, "alice", None).await.expect("callback");
    assert_eq!(
        landing.element_text("error-code").as_deref(),
        Some("provider.unavailable")
    );
    assert_eq!(
        landing.element_text("error-provider").as_deref(),
        Some("Acme")
    );
    let page = reqwest::get(format!("{}/", rig.rp.url))
        .await
        .expect("home")
        .text()
        .await
        .expect("body");
    assert!(!page.contains("Sign in with Acme"));
}

#[tokio::test]
async fn entra_oid_identity_allow_list_and_unverified_email() {
    let rig = Rig::new().await;
    let me = rig
        .megan_signed_in(rig.entra_settings("hybrid_form_post"))
        .await;
    let oid = me["external_id"].as_str().expect("oid");
    assert_eq!(
        oid.len(),
        36,
        "the oid GUID is the identity, not the pairwise sub"
    );
    assert_eq!(
        me["user"]["email"],
        Value::Null,
        "Entra email without verification is not assigned"
    );
    assert_eq!(
        me["user"]["roles"]["de"],
        json!(["billing"]),
        "roles mapped from the groups claim"
    );

    // A tenant outside the allow-list is refused.
    common::assert_foreign_tenant_refused(&rig, rig.rp.rp.provider("Contoso").expect("stored"))
        .await;
}

/// The arrangement of the `entra_email_unverified` matrix cells, without the fault: a
/// verified email (`xms_edov: true`) binds megan to the existing account.
#[tokio::test]
async fn entra_binds_an_existing_account_by_a_verified_email() {
    let rig = Rig::new().await;
    let me = rig
        .megan_signed_in(rig.entra_email_binding("authorization_code"))
        .await;
    assert_eq!(me["user"]["username"], "megan.bowen", "{me}");
    assert_eq!(me["user"]["email"], common::MEGAN_EMAIL);
    assert_eq!(rig.rp.rp.store.users().expect("users").len(), 1);
}

#[tokio::test]
async fn signing_out_locally_keeps_the_provider_session() {
    let rig = Rig::new().await;
    rig.configure(rig.settings("authorization_code", None))
        .await
        .expect("configured");
    let agent = UserAgent::new();
    rig.sign_in(&agent, "Acme", "login_hint=alice").await;
    let out = agent
        .navigate(&format!("{}/logout", rig.rp.url))
        .await
        .expect("logout");
    assert!(
        out.body
            .contains("still signed in at your identity provider")
    );
    let me = agent
        .navigate(&format!("{}/api/me", rig.rp.url))
        .await
        .expect("me");
    assert_eq!(me.status, 401);
    // prompt=none succeeds: the provider's session was not touched.
    let again = agent
        .navigate(&format!("{}/signin/Acme?prompt=none", rig.rp.url))
        .await
        .expect("silent");
    assert_eq!(again.url.path(), "/me", "{:?}", rig.last_refusal());
}

#[tokio::test]
async fn concurrent_first_sign_ins_create_exactly_one_user() {
    let rig = Rig::new().await;
    rig.configure(rig.settings("authorization_code", None))
        .await
        .expect("configured");
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let url = format!("{}/signin/Acme?login_hint=alice", rig.rp.url);
        tasks.push(tokio::spawn(async move {
            UserAgent::new()
                .navigate(&url)
                .await
                .map(|l| l.url.path().to_owned())
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("task").expect("navigate"), "/me");
    }
    assert_eq!(rig.rp.rp.store.users().expect("users").len(), 1);
}

#[test]
fn the_shipped_rp_configuration_loads() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rp.toml");
    let config = relying_party::config::RpConfig::load(&path).expect("fixtures/rp.toml");
    assert_eq!(config.providers.len(), 2);
    let store = Store::open_in_memory().expect("store");
    config.seed(&store).expect("seed");
    config.seed(&store).expect("seeding twice is harmless");
    assert_eq!(store.user_types().expect("types").len(), 1);
}
