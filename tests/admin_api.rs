//! The relying party's admin API over HTTP: provider settings with their save-time rules,
//! rename, metadata, redirect URI; user types, invitations and edit rules.

use mock_idp::agent::UserAgent;
use mock_idp::{Client, MockIdp, Tenant, User};
use relying_party::app::RunningRp;
use relying_party::store::Store;
use serde_json::{Value, json};

async fn rig() -> (MockIdp, RunningRp, reqwest::Client) {
    let rp = RunningRp::start(Store::open_in_memory().expect("store"))
        .await
        .expect("rp");
    let idp = MockIdp::builder()
        .tenant(
            Tenant::new("acme")
                .scope("roles", ["roles"])
                .client(
                    Client::confidential("rp", "s").redirect_uri(format!("{}/callback", rp.url)),
                )
                .user(
                    User::new("dora")
                        .with_sub("dora-sub")
                        .email("dora@acme.test", true)
                        .roles(["admin"]),
                ),
        )
        .start()
        .await;
    (idp, rp, reqwest::Client::new())
}

async fn call(
    http: &reqwest::Client,
    method: &str,
    url: String,
    body: Option<Value>,
) -> (u16, Value) {
    let req = match method {
        "POST" => http.post(url),
        "PATCH" => http.patch(url),
        "DELETE" => http.delete(url),
        _ => http.get(url),
    };
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn provider(idp: &MockIdp, extra: Value) -> Value {
    let base = idp.tenant("acme").expect("tenant").issuer();
    let mut p = json!({
        "name": "Acme",
        "issuer": base,
        "client_id": "rp",
        "client_secret": "s",
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
    });
    if let (Some(p), Some(e)) = (p.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            p.insert(k.clone(), v.clone());
        }
    }
    p
}

#[tokio::test]
async fn provider_settings_are_checked_when_saved() {
    let (idp, rp, http) = rig().await;
    let url = format!("{}/api/admin/providers", rp.url);
    let (status, body) = call(
        &http,
        "POST",
        url.clone(),
        Some(provider(&idp, json!({"issuer": "https://idp.test/t?x=1"}))),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "settings.invalid");
    assert!(
        body["details"][0]
            .as_str()
            .expect("detail")
            .starts_with("issuer: expected no query"),
        "{body}"
    );

    let rows = json!({"enabled": true, "rows": [
        {"open_brackets": "((", "user_field": "email", "claim_type": "email", "verified": true, "scope": "email", "close_brackets": ")"}
    ]});
    let (status, body) = call(
        &http,
        "POST",
        url.clone(),
        Some(provider(&idp, json!({"binding": rows}))),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["details"].to_string().contains("binding"), "{body}");

    let (status, _) = call(&http, "POST", url.clone(), Some(provider(&idp, json!({})))).await;
    assert_eq!(status, 201);
    let (status, list) = call(&http, "GET", url, None).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert!(
        list[0].get("client_secret").is_none(),
        "secrets are never shown: {list}"
    );
    // Settings read back (without the secret) and saved again keep the stored secret.
    let mut again = list[0].clone();
    again["icon"] = json!("https://acme.test/icon.png");
    let (status, _) = call(
        &http,
        "POST",
        format!("{}/api/admin/providers", rp.url),
        Some(again),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        rp.rp
            .provider("Acme")
            .and_then(|p| p.client_secret)
            .map(|s| s.expose().to_owned()),
        Some("s".to_owned())
    );
}

#[tokio::test]
async fn rename_metadata_and_redirect_uri() {
    let (idp, rp, http) = rig().await;
    let base = format!("{}/api/admin", rp.url);
    call(
        &http,
        "POST",
        format!("{base}/providers"),
        Some(provider(&idp, json!({}))),
    )
    .await;
    let (status, _) = call(
        &http,
        "POST",
        format!("{base}/providers/Acme/rename"),
        Some(json!({"name": "Acme Corp"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        call(&http, "GET", format!("{base}/providers/Acme"), None)
            .await
            .0,
        404
    );
    let (status, meta) = call(
        &http,
        "GET",
        format!("{base}/providers/Acme%20Corp/metadata"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        meta["issuer"].as_str(),
        Some(idp.tenant("acme").expect("t").issuer().as_str())
    );
    let (_, r) = call(&http, "GET", format!("{base}/redirect-uri"), None).await;
    assert_eq!(r["redirect_uri"], format!("{}/callback", rp.url));
    let page = reqwest::get(format!("{}/", rp.url))
        .await
        .expect("home")
        .text()
        .await
        .expect("text");
    assert!(page.contains("Sign in with Acme Corp"));
}

#[tokio::test]
async fn external_users_cannot_have_their_provider_fields_edited() {
    let (idp, rp, http) = rig().await;
    let base = format!("{}/api/admin", rp.url);
    assert_eq!(
        call(
            &http,
            "POST",
            format!("{base}/roles"),
            Some(json!({"name": "admin"}))
        )
        .await
        .0,
        201
    );
    assert_eq!(
        call(
            &http,
            "POST",
            format!("{base}/legal-entities"),
            Some(json!({"id": "de", "name": "Acme GmbH"}))
        )
        .await
        .0,
        201
    );
    let (status, body) = call(
        &http,
        "POST",
        format!("{base}/user-types"),
        Some(json!({"name": "staff", "allowed_roles": ["admin"]})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let settings = provider(
        &idp,
        json!({
            "creation": {"enabled": true, "user_type": "staff", "rows": [
                {"user_field": "email", "claim_type": "email", "verified": true, "scope": "email"}
            ]},
            "role_mapping": {"roles_from_provider": true, "strategy": "one_role_for_all_legal_entities", "rows": [
                {"claim_type": "roles", "scope": "roles", "claim_value": "admin", "role_name": "admin"}
            ]}
        }),
    );
    let (status, body) = call(&http, "POST", format!("{base}/providers"), Some(settings)).await;
    assert_eq!(status, 201, "{body}");

    // Invitations cannot carry roles when the provider assigns them.
    let (status, body) = call(
        &http,
        "POST",
        format!("{base}/invitations"),
        Some(json!({"provider": "Acme", "external_id": "dora-sub", "email": "dora@acme.test", "user_type": "staff", "roles": {"de": ["admin"]}})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invitation.roles_from_provider");
    let (status, invited) = call(
        &http,
        "POST",
        format!("{base}/invitations"),
        Some(json!({"provider": "Acme", "external_id": "dora-sub", "email": "dora@acme.test", "user_type": "staff"})),
    )
    .await;
    assert_eq!(status, 201, "{invited}");
    assert_eq!(invited["invited"], true);

    let agent = UserAgent::new();
    let landing = agent
        .navigate(&format!("{}/signin/Acme?login_hint=dora", rp.url))
        .await
        .expect("sign in");
    assert_eq!(landing.url.path(), "/me", "{:?}", rp.rp.sign_ins());
    let (_, users) = call(&http, "GET", format!("{base}/users"), None).await;
    let users = users.as_array().expect("users");
    assert_eq!(users.len(), 1, "the invitation was bound, not duplicated");
    assert_eq!(users[0]["invited"], false);
    assert_eq!(users[0]["roles"]["de"], json!(["admin"]));
    let id = users[0]["id"].as_i64().expect("id");

    // Roles come from the provider: the user is read-only, each field refused by name.
    for (field, value) in [
        ("email", json!("x@y.test")),
        ("first_name", json!("D")),
        ("roles", json!({"de": []})),
    ] {
        let (status, body) = call(
            &http,
            "PATCH",
            format!("{base}/users/{id}"),
            Some(json!({ field: value })),
        )
        .await;
        assert_eq!(status, 400, "{field}: {body}");
        assert_eq!(body["error"], "edit.not_editable", "{field}");
        assert!(
            body["details"].as_str().expect("message").contains(field),
            "{field}: {body}"
        );
    }
    // An internal user is editable.
    let (status, internal) = call(
        &http,
        "POST",
        format!("{base}/users"),
        Some(json!({"username": "ines", "user_type": "staff", "email": "ines@acme.test"})),
    )
    .await;
    assert_eq!(status, 201, "{internal}");
    let iid = internal["id"].as_i64().expect("id");
    let (status, edited) = call(
        &http,
        "PATCH",
        format!("{base}/users/{iid}"),
        Some(json!({"email": "ines@corp.test"})),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["email"], "ines@corp.test");
}

/// DNS rebinding and cross-site requests: a foreign `Host`, or a browser's state change from
/// another site, are refused before any handler runs; loopback names and plain clients pass.
#[tokio::test]
async fn a_foreign_host_and_a_cross_site_state_change_are_refused() {
    let (_idp, rp, http) = rig().await;
    let roles = format!("{}/api/admin/roles", rp.url);
    let rebound = http
        .get(&roles)
        .header("host", "attacker.example:8080")
        .send()
        .await
        .expect("sent");
    assert_eq!(rebound.status(), 421);
    let body: Value = rebound.json().await.expect("json");
    assert_eq!(body["error"], "admin.foreign_host");
    for (header, value) in [
        ("origin", "https://attacker.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let forged = http
            .post(&roles)
            .header(header, value)
            .json(&json!({"name": "forged"}))
            .send()
            .await
            .expect("sent");
        assert_eq!(forged.status(), 403, "{header}");
        let body: Value = forged.json().await.expect("json");
        assert_eq!(body["error"], "admin.cross_site", "{header}");
    }
    let (status, listed) = call(&http, "GET", roles.clone(), None).await;
    assert_eq!((status, listed), (200, json!([])), "nothing was created");
    let localhost = http
        .get(&roles)
        .header("host", "localhost")
        .send()
        .await
        .expect("sent");
    assert_eq!(localhost.status(), 200);
    let (status, _) = call(&http, "POST", roles, Some(json!({"name": "viewer"}))).await;
    assert_eq!(
        status, 201,
        "a plain client on loopback still changes state"
    );
}
