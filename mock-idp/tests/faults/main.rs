//! Every entry of the fault catalog, in every flow it applies to, shows as documented: the
//! one thing it changes is changed, and the rest of the response is still valid (claims equal
//! a fault-free sign-in's, the signature verifies unless the fault is about the signature).
//! Also: per-request selection with `mock_fault=`, its errors, and rule selection through the
//! admin API and the Rust handle.

mod check;
#[path = "../common/mod.rs"]
mod common;
mod keys;
mod rig;

use common::{CALLBACK, authorize, decode, http};
use mock_idp::catalog::{FlowKind, Setup, catalog};
use mock_idp::{Client, Endpoint, Fault, FaultRule, MockIdp, Tenant, TlsPem, User};
use serde_json::{Value, json};

use rig::*;

#[tokio::test]
async fn every_catalog_entry_shows_as_documented_in_every_flow() {
    let mut tasks = Vec::new();
    for entry in catalog() {
        let name = entry.name.clone();
        tasks.push((
            name,
            tokio::spawn(async move {
                // A server per entry: key faults change the tenant's JWK Set.
                // check() signs in without the fault first, which is the first sign-in that
                // Setup::SignInTwice asks for.
                let tls = (entry.setup == Setup::DiscoveryTls)
                    .then(|| TlsPem::self_signed().expect("certificate"));
                let rig = Rig::start_with(tls).await;
                for flow in entry.flows.clone() {
                    check::shows_as_documented(&rig, &entry, flow).await;
                }
            }),
        ));
    }
    let mut failed = Vec::new();
    for (name, task) in tasks {
        if let Err(e) = task.await {
            let payload = e.into_panic();
            let why = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failed.push(format!("{name}: {why}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[tokio::test]
async fn mock_fault_selects_faults_for_one_sign_in_and_follows_it() {
    let rig = Rig::start().await;
    let keys = rig.jwks(ACME).await;
    // Two faults on one hybrid sign-in: one on the front-channel token, one on the
    // token-endpoint token; the grant carries the second to the token endpoint.
    let s = rig
        .sign_in(
            ACME,
            FlowKind::HybridFragment,
            &[("mock_fault", "aud_changed,hybrid_sub_differs")],
        )
        .await;
    let front = verified(s.id_token(), &keys);
    assert_eq!(front["aud"], "rp1");
    let back = verified(s.back_id().expect("back"), &keys);
    assert_eq!(back["sub"], "alice-sub1");
    assert_eq!(
        back["aud"], "rp1",
        "aud_changed acts on every ID token of the sign-in"
    );
    // The next sign-in, without mock_fault, is clean: the faults belonged to one request.
    let clean = rig.sign_in(ACME, FlowKind::HybridFragment, &[]).await;
    assert_eq!(verified(clean.id_token(), &keys)["aud"], "rp");
    assert_eq!(
        verified(clean.back_id().expect("back"), &keys)["sub"],
        "alice-sub"
    );
    assert!(rig.tenant(ACME).faults().is_empty(), "no rule was added");

    // Userinfo and refresh follow the access and refresh tokens the sign-in got.
    let s = rig
        .sign_in(
            ACME,
            FlowKind::AuthorizationCode,
            &[("mock_fault", "userinfo_sub_changed, refresh_sub_changed")],
        )
        .await;
    let info = rig.userinfo_json(ACME, s.access_token()).await;
    assert_eq!(info["sub"], "alice-subinvalid");
    let refreshed = rig
        .refresh(ACME, s.token_json()["refresh_token"].as_str().expect("rt"))
        .await;
    let new = verified(refreshed["id_token"].as_str().expect("id"), &keys);
    assert_eq!(new["sub"], "alice-sub1");
    let clean = rig.sign_in(ACME, FlowKind::AuthorizationCode, &[]).await;
    let info = rig.userinfo_json(ACME, clean.access_token()).await;
    assert_eq!(info["sub"], "alice-sub");

    // Authorization-response faults: an error through the request's own response mode.
    for flow in [FlowKind::ImplicitFormPost, FlowKind::HybridFragment] {
        let s = rig
            .sign_in(
                ACME,
                flow,
                &[("mock_fault", "authorize_error_login_required,state_changed")],
            )
            .await;
        assert_eq!(s.front["error"], "login_required", "{flow}");
        assert_eq!(
            s.front["state"], "st-1",
            "errors answer before state faults"
        );
    }
    let s = rig
        .sign_in(
            ACME,
            FlowKind::ImplicitFormPost,
            &[("mock_fault", "state_missing")],
        )
        .await;
    assert!(!s.front.contains_key("state") && s.front.contains_key("id_token"));

    // Transport faults of the sign-in's own endpoints: the token endpoint answers 500 for
    // this sign-in's code only.
    let s = rig
        .sign_in(
            ACME,
            FlowKind::AuthorizationCode,
            &[("mock_fault", "token_server_error")],
        )
        .await;
    assert_eq!(s.token.as_ref().map(|t| t.0), Some(500));
    let clean = rig.sign_in(ACME, FlowKind::AuthorizationCode, &[]).await;
    assert_eq!(clean.token.as_ref().map(|t| t.0), Some(200));
    let s = rig
        .sign_in(
            ACME,
            FlowKind::AuthorizationCode,
            &[("mock_fault", "token_connection_closed")],
        )
        .await;
    assert_eq!(s.token.as_ref().map(|t| t.0), Some(0), "no answer at all");
    let logged = rig.idp.calls(Endpoint::Token);
    let last_token = logged.last().expect("logged");
    assert_eq!(last_token.status, 0, "logged as closed");
}

#[tokio::test]
async fn mock_fault_names_must_come_from_the_catalog() {
    let rig = Rig::start().await;
    for mode in [FlowKind::AuthorizationCode, FlowKind::ImplicitFormPost] {
        let s = rig
            .sign_in(ACME, mode, &[("mock_fault", "aud_changed,no_such_fault")])
            .await;
        assert_eq!(s.front["error"], "invalid_request", "{mode}");
        let d = &s.front["error_description"];
        assert!(
            d.contains("\"no_such_fault\"")
                && d.contains("fault catalog")
                && d.contains("aud_changed"),
            "{d}"
        );
        assert_eq!(s.front["state"], "st-1");
    }
    // Faults on discovery and the JWK Set act outside a sign-in: not selectable per request.
    let s = rig
        .sign_in(
            ACME,
            FlowKind::AuthorizationCode,
            &[("mock_fault", "jwks_server_error")],
        )
        .await;
    assert_eq!(s.front["error"], "invalid_request");
    assert!(
        s.front["error_description"].contains("admin API"),
        "{}",
        s.front["error_description"]
    );
    // Every other catalog entry is selectable by its name.
    for e in catalog() {
        let ok = mock_idp::catalog::select(&e.name).is_ok();
        assert_eq!(ok, e.fault.per_request(), "{}", e.name);
    }
}

async fn admin(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method, url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("admin");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn rules_select_by_client_user_and_count_over_the_admin_api_and_the_handle() {
    use reqwest::Method;
    let rig = Rig::start().await;
    let keys = rig.jwks(ACME).await;
    let faults = format!("{}/_admin/tenants/acme/faults", rig.idp.url());
    // Admin API: a parameterised fault in its JSON form, for one client, twice.
    let (status, added) = admin(
        Method::POST,
        faults.clone(),
        Some(json!({
            "fault": {"connection_closed": {"endpoint": "userinfo"}},
            "client_id": "rp",
            "times": 2
        })),
    )
    .await;
    assert_eq!(status, 201);
    let (_, list) = admin(Method::GET, faults.clone(), None).await;
    assert_eq!(list[0]["id"], added["id"]);
    assert_eq!(
        list[0]["fault"],
        json!({"connection_closed": {"endpoint": "userinfo"}})
    );
    let es = rig
        .sign_in(ACME_ES256, FlowKind::AuthorizationCode, &[])
        .await;
    assert!(
        rig.userinfo(ACME_ES256, es.access_token()).await.is_ok(),
        "another client is untouched"
    );
    for _ in 0..2 {
        let s = rig.sign_in(ACME, FlowKind::AuthorizationCode, &[]).await;
        assert!(rig.userinfo(ACME, s.access_token()).await.is_err());
    }
    let s = rig.sign_in(ACME, FlowKind::AuthorizationCode, &[]).await;
    assert_eq!(
        rig.userinfo(ACME, s.access_token())
            .await
            .expect("answered")
            .status(),
        200,
        "spent after two"
    );
    let (_, list) = admin(Method::GET, faults.clone(), None).await;
    assert_eq!(list, json!([]));

    // A unit fault by name, for a user; then removed by id.
    let (_, added) = admin(
        Method::POST,
        faults.clone(),
        Some(json!({"fault": "hs256_signature_corrupted", "user": "alice"})),
    )
    .await;
    let s = rig.sign_in(ACME, FlowKind::AuthorizationCode, &[]).await;
    assert_eq!(decode(s.id_token()).0["alg"], "HS256");
    let (status, _) = admin(Method::DELETE, format!("{faults}/{}", added["id"]), None).await;
    assert_eq!(status, 204);
    let s = rig.sign_in(ACME, FlowKind::AuthorizationCode, &[]).await;
    verified(s.id_token(), &keys);

    // Rust handle: per tenant (any client), once; the other tenant is untouched.
    let acme = rig.tenant(ACME);
    acme.inject(FaultRule::new(Fault::GroupsOverage).times(1));
    assert_eq!(acme.faults().len(), 1);
    let contoso = rig.sign_in(CONTOSO, FlowKind::AuthorizationCode, &[]).await;
    assert!(decode(contoso.id_token()).1.get("groups").is_some());
    let es = rig
        .sign_in(ACME_ES256, FlowKind::ImplicitFragment, &[])
        .await;
    assert!(decode(es.id_token()).1.get("_claim_names").is_some());
    let again = rig.sign_in(ACME, FlowKind::ImplicitFragment, &[]).await;
    assert_eq!(decode(again.id_token()).1["groups"], json!(["staff"]));
    assert!(acme.faults().is_empty());

    // A client-scoped transport rule on a discovery fault still acts: discovery requests
    // name no client, so a rule's scope cannot narrow them.
    acme.inject(FaultRule::new(Fault::DiscoveryIssuerTrailingSlash).for_client("rp"));
    let doc = rig.discovery(ACME).await;
    assert_eq!(doc["issuer"], format!("{}/", acme.issuer()));
    acme.clear_faults();
}

#[tokio::test]
async fn a_tenant_can_start_with_fault_rules() {
    let idp = MockIdp::builder()
        .tenant(
            Tenant::new("acme")
                .client(Client::confidential("rp", SECRET).redirect_uri(CALLBACK))
                .user(User::new("alice"))
                .fault(FaultRule::new(Fault::NonceMissing).times(1)),
        )
        .start()
        .await;
    let rig = Rig { idp, http: http() };
    assert_eq!(rig.tenant(ACME).faults().len(), 1);
    let s = rig.sign_in(ACME, FlowKind::ImplicitFragment, &[]).await;
    assert!(decode(s.id_token()).1.get("nonce").is_none());
    let s = rig.sign_in(ACME, FlowKind::ImplicitFragment, &[]).await;
    assert_eq!(decode(s.id_token()).1["nonce"], "n-1");
}

#[tokio::test]
async fn entra_common_endpoint_serves_the_templated_issuer_and_real_tokens() {
    let rig = Rig::start().await;
    let common = format!("{}/common/v2.0", rig.idp.url());
    let doc: Value = rig
        .http
        .get(format!("{common}/.well-known/openid-configuration"))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(
        doc["issuer"],
        format!("{}/{{tenantid}}/v2.0", rig.idp.url())
    );
    assert_eq!(doc["authorization_endpoint"], format!("{common}/authorize"));
    assert_eq!(doc["jwks_uri"], format!("{common}/jwks"));
    // A sign-in through common: tokens carry the real tenant's issuer and tid.
    let front = authorize(
        &rig.http,
        &common,
        &[
            ("client_id", ENTRA_APP),
            ("redirect_uri", CALLBACK),
            ("response_type", "code"),
            ("scope", "openid profile"),
            ("nonce", "n-1"),
            ("login_hint", "megan"),
        ],
    )
    .await;
    let token: Value = common::exchange(
        &rig.http,
        &common,
        (ENTRA_APP, SECRET),
        &front.params["code"],
        None,
    )
    .await
    .json()
    .await
    .expect("json");
    let keys = common::jwks(&common).await;
    let claims = verified(token["id_token"].as_str().expect("id_token"), &keys);
    assert_eq!(claims["iss"], rig.issuer(CONTOSO));
    assert_eq!(claims["tid"], TID);
    // The tenant's own document is untouched unless entra_common_issuer is injected.
    assert_eq!(rig.discovery(CONTOSO).await["issuer"], rig.issuer(CONTOSO));
    // Without an Entra tenant there is no common endpoint.
    let plain = MockIdp::start().await;
    let res = rig
        .http
        .get(format!(
            "{}/common/v2.0/.well-known/openid-configuration",
            plain.url()
        ))
        .send()
        .await
        .expect("answer");
    assert_eq!(res.status(), 404);
}
