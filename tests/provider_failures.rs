//! The relying party when the provider misbehaves beyond the ID token itself: a refreshed
//! ID token naming another issuer or subject, endpoints that answer 5xx, and role claims the
//! token only points at (Entra groups overage). Driven by the mock IdP's transport faults and
//! claim overrides.

mod common;

use common::{ENTRA_TID, Rig};
use mock_idp::agent::{Landing, UserAgent, forms};
use mock_idp::{ClaimOverride, ClaimTarget, Endpoint, Fault, FaultRule};
use serde_json::json;

async fn signed_in_with_refresh(rig: &Rig, agent: &UserAgent) -> Landing {
    let mut settings = rig.settings("hybrid_fragment", None);
    settings.offline_access = true;
    rig.configure(settings).await.expect("configured");
    let landing = rig.sign_in(agent, "Acme", "login_hint=alice").await;
    assert_eq!(landing.url.path(), "/me", "{:?}", rig.last_refusal());
    landing
}

async fn refresh(agent: &UserAgent, me: &Landing) -> Landing {
    let form = forms(&me.body)
        .into_iter()
        .find(|f| f.id.as_deref() == Some("refresh"))
        .expect("a refresh form on /me");
    agent.submit(me, &form, &[]).await.expect("refresh")
}

#[tokio::test]
async fn a_refresh_keeping_iss_and_sub_renews_the_session() {
    let rig = Rig::new().await;
    let agent = UserAgent::new();
    let me = signed_in_with_refresh(&rig, &agent).await;
    let tokens_before = rig.called(Endpoint::Token);
    let again = refresh(&agent, &me).await;
    assert_eq!(again.url.path(), "/me", "{:?}", rig.last_refusal());
    assert_eq!(rig.called(Endpoint::Token), tokens_before + 1);
    // The rotated (or kept) refresh token works a second time.
    let third = refresh(&agent, &again).await;
    assert_eq!(third.url.path(), "/me", "{:?}", rig.last_refusal());
}

#[tokio::test]
async fn a_refreshed_id_token_with_another_iss_or_sub_is_refused() {
    for (claim, value) in [
        ("sub", "mallory-sub"),
        ("iss", "https://elsewhere.test/acme"),
    ] {
        let rig = Rig::new().await;
        let agent = UserAgent::new();
        let me = signed_in_with_refresh(&rig, &agent).await;
        let users = serde_json::to_value(rig.rp.rp.store.users().expect("users")).expect("json");
        rig.idp
            .tenant("acme")
            .expect("tenant")
            .override_claims(ClaimOverride::new(
                ClaimTarget::IdToken,
                json!({ claim: value }),
            ));
        let refused = refresh(&agent, &me).await;
        assert_eq!(refused.status, 400, "{claim}");
        assert_eq!(
            refused.element_text("error-code").as_deref(),
            Some("id_token.refresh_mismatch"),
            "{claim}: {:?}",
            rig.last_refusal()
        );
        assert_eq!(
            serde_json::to_value(rig.rp.rp.store.users().expect("users")).expect("json"),
            users,
            "{claim}: the stored user is untouched"
        );
        assert_eq!(
            rig.me(&agent).await["error"],
            "not_signed_in",
            "{claim}: the session ends"
        );
    }
}

#[tokio::test]
async fn refreshing_without_a_refresh_token_is_refused() {
    let rig = Rig::new().await;
    rig.configure(rig.settings("authorization_code", None))
        .await
        .expect("configured");
    let agent = UserAgent::new();
    let me = rig.sign_in(&agent, "Acme", "login_hint=alice").await;
    assert!(
        !me.body.contains("id=\"refresh\""),
        "no refresh offered without offline_access"
    );
    let res = reqwest::Client::new()
        .post(format!("{}/session/refresh", rig.rp.url))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("session.not_refreshable")
    );
}

#[tokio::test]
async fn offline_access_needs_a_token_endpoint() {
    let rig = Rig::new().await;
    let mut settings = rig.settings("implicit_fragment", None);
    settings.offline_access = true;
    let problems = settings.check(true);
    assert!(
        problems.iter().any(|p| p.field == "offline_access"),
        "{problems:?}"
    );
}

#[tokio::test]
async fn endpoints_answering_5xx_make_the_provider_unavailable() {
    let cases = [
        (Endpoint::Token, "token.unavailable"),
        (Endpoint::Jwks, "jwks.unavailable"),
        (Endpoint::Userinfo, "userinfo.unavailable"),
    ];
    for (endpoint, code) in cases {
        let rig = Rig::new().await;
        rig.configure(rig.settings("authorization_code", None))
            .await
            .expect("configured");
        rig.idp
            .tenant("acme")
            .expect("tenant")
            .inject(FaultRule::new(Fault::ServerError {
                endpoint,
                status: 503,
            }));
        let landing = rig
            .sign_in(&UserAgent::new(), "Acme", "login_hint=alice")
            .await;
        assert_eq!(landing.status, 400, "{code}");
        assert_eq!(
            landing.element_text("error-code").as_deref(),
            Some(code),
            "{:?}",
            rig.last_refusal()
        );
        assert!(rig.rp.rp.store.users().expect("users").is_empty());
    }
}

#[tokio::test]
async fn roles_from_a_claim_the_token_only_points_at_are_refused() {
    let overage = [
        json!({"_claim_names": {"groups": "src1"},
               "_claim_sources": {"src1": {"endpoint": "https://graph.test/v1.0/me/memberOf"}}}),
        json!({"hasgroups": true}),
    ];
    for claims in overage {
        let rig = Rig::new().await;
        let mut settings = rig.settings("hybrid_form_post", None);
        settings.role_mapping.rows[0].claim_type = "groups".into();
        rig.configure(settings).await.expect("configured");
        rig.idp
            .tenant("acme")
            .expect("tenant")
            .override_claims(ClaimOverride::new(ClaimTarget::IdToken, claims.clone()));
        let landing = rig
            .sign_in(&UserAgent::new(), "Acme", "login_hint=alice")
            .await;
        assert_eq!(
            landing.element_text("error-code").as_deref(),
            Some("roles.claim_overage"),
            "{claims}: {:?}",
            rig.last_refusal()
        );
        assert!(rig.rp.rp.store.users().expect("users").is_empty());
    }
    // When no role row relies on the claim, the pointer is ignored.
    let rig = Rig::new().await;
    rig.configure(rig.settings("hybrid_form_post", None))
        .await
        .expect("configured");
    rig.idp
        .tenant("acme")
        .expect("tenant")
        .override_claims(ClaimOverride::new(
            ClaimTarget::IdToken,
            json!({"hasgroups": true}),
        ));
    let landing = rig
        .sign_in(&UserAgent::new(), "Acme", "login_hint=alice")
        .await;
    assert_eq!(landing.url.path(), "/me", "{:?}", rig.last_refusal());
}

#[tokio::test]
async fn an_entra_template_issuer_is_resolved_from_tid_and_allow_listed() {
    let rig = Rig::new().await;
    let real = rig
        .configure(rig.entra_settings("authorization_code"))
        .await
        .expect("configured");
    let mut template = real.clone();
    template.issuer = real.issuer.replace(ENTRA_TID, "{tenantid}");
    template.discovery_url = Some(relying_party::discovery::metadata_url(&real.issuer));
    rig.rp.rp.save_provider(&template).expect("saved");
    let agent = UserAgent::new();
    let landing = rig.sign_in(&agent, "Contoso", "login_hint=megan").await;
    assert_eq!(landing.url.path(), "/me", "{:?}", rig.last_refusal());
    assert_eq!(
        rig.me(&agent).await["user"]["roles"]["de"],
        json!(["billing"])
    );
    // The metadata's own issuer is not the template: autoconfiguration names the mismatch.
    assert_eq!(
        rig.configure(template.clone()).await.expect_err("mismatch"),
        "discovery.issuer_mismatch"
    );
    // The template resolves any tenant: without an allow-list the settings are refused.
    template.entra = Some(serde_json::from_value(json!({})).expect("entra"));
    let problems = rig
        .rp
        .rp
        .save_provider(&template)
        .expect_err("no allow-list");
    assert!(
        problems.iter().any(|p| p.starts_with("entra:")),
        "{problems:?}"
    );
    common::assert_foreign_tenant_refused(&rig, template).await;
}
