//! The `/_admin` dashboard over HTTP: the page, its script and stylesheet under a policy that
//! runs no inline script, and every action the script takes, sent as the browser sends it
//! (same-origin `Origin` and `Sec-Fetch-Site`), through the JSON admin API; plus the log
//! filters the page polls, their refusals, and the guard in front of it all.

mod common;

use common::{CALLBACK, authorize, exchange, http};
use mock_idp::{Client, MockIdp, Tenant, User};
use serde_json::{Value, json};

const HOSTILE: &str = "</textarea><script>alert(1)</script>";

async fn idp() -> MockIdp {
    MockIdp::builder()
        .tenant(
            Tenant::new("acme")
                .client(Client::confidential("web", "web-secret").redirect_uri(CALLBACK))
                .user(
                    User::new("alice")
                        .email("alice@acme.test", true)
                        .claim("nickname", HOSTILE),
                )
                .user(User::new("bob").email("bob@acme.test", true)),
        )
        .tenant(Tenant::new("other"))
        .start()
        .await
}

/// A request as the dashboard's script makes it: same origin, JSON body. Bodies that are
/// not JSON (none, or a framework's text rejection) read as `null`.
async fn act(idp: &MockIdp, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = http()
        .request(
            method.parse().expect("method"),
            format!("{}{path}", idp.url()),
        )
        .header("origin", idp.url())
        .header("sec-fetch-site", "same-origin");
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("admin");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn page(idp: &MockIdp, query: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let res = http()
        .get(format!("{}/_admin{query}", idp.url()))
        .send()
        .await
        .expect("page");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.text().await.expect("html"))
}

/// Signs `user` in with the code flow, so the log has requests and tokens.
async fn sign_in(idp: &MockIdp, user: &str) {
    let issuer = idp.issuer();
    let r = authorize(
        &http(),
        &issuer,
        &[
            ("client_id", "web"),
            ("redirect_uri", CALLBACK),
            ("response_type", "code"),
            ("scope", "openid email profile"),
            ("login_hint", user),
        ],
    )
    .await;
    let res = exchange(
        &http(),
        &issuer,
        ("web", "web-secret"),
        &r.params["code"],
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn the_page_shows_every_part_and_runs_only_its_own_script() {
    let idp = idp().await;
    sign_in(&idp, "alice").await;
    let (status, headers, html) = page(&idp, "").await;
    assert_eq!(status, 200);
    let csp = headers["content-security-policy"].to_str().expect("csp");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers["cache-control"], "no-store");
    for part in [
        "Tenants",
        "Clients",
        "Users",
        "Keys",
        "Faults",
        "Clock",
        "Request log",
        "Tokens issued",
    ] {
        assert!(html.contains(&format!("\">{part}</h2>")), "{part}");
    }
    assert!(html.contains("<body data-tenant=\"acme\">"));
    assert!(html.contains("<script src=\"/_admin/dashboard.js\" defer></script>"));
    // No inline script or handler: the policy would block them anyway.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(!html.contains(" onclick=") && !html.contains(" onsubmit="));
    // Claims are shown escaped, inside their labelled box.
    assert!(!html.contains(HOSTILE));
    assert!(html.contains("&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("<label for=\"claims-alice\">"));
    // Human-readable times, and the code redacted in the log.
    let year = regex_free_year(&html);
    assert!(year >= 2024, "an RFC 3339 time in the clock section");
    assert!(html.contains("code=***"), "codes never shown");
    // The catalog is offered by group.
    assert!(html.contains("<optgroup label=\"ID token claims\" data-group=\"id_token_claims\">"));
    assert!(html.contains("<option value=\"aud_changed\""));
    // Decoded tokens: the ID token's claims, never a compact JWS.
    assert!(html.contains("&quot;sub&quot;: &quot;alice&quot;"));
    assert!(!html.contains("eyJ"), "no encoded token on the page");
}

/// The year of the first `<time datetime="YYYY-…Z">` on the page.
fn regex_free_year(html: &str) -> i32 {
    let at = html.find("<time datetime=\"").expect("a time element") + 16;
    let stamp = &html[at..at + 20];
    assert!(
        stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T',
        "{stamp}"
    );
    stamp[..4].parse().expect("year")
}

#[tokio::test]
async fn every_id_the_script_uses_is_on_the_page() {
    let idp = idp().await;
    let (_, _, html) = page(&idp, "").await;
    let script = http()
        .get(format!("{}/_admin/dashboard.js", idp.url()))
        .send()
        .await
        .expect("script");
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/javascript")
    );
    let js = script.text().await.expect("js");
    let mut ids = Vec::new();
    for (i, _) in js.match_indices("$('") {
        let rest = &js[i + 3..];
        let id = &rest[..rest.find('\'').expect("closing quote")];
        // `$('log-' + name)` and `$(id + '-rows')` are completed below.
        if !id.is_empty() && !id.ends_with('-') {
            ids.push(id.to_owned());
        }
    }
    for name in ["endpoint", "client", "status"] {
        ids.push(format!("log-{name}"));
    }
    for table in [
        "tenants", "clients", "keys", "faults", "requests", "tokens", "users",
    ] {
        ids.push(format!("{table}-rows"));
    }
    assert!(ids.len() > 20, "{ids:?}");
    for id in ids {
        assert!(html.contains(&format!("id=\"{id}\"")), "no element #{id}");
    }
    let css = http()
        .get(format!("{}/_admin/dashboard.css", idp.url()))
        .send()
        .await
        .expect("css");
    assert!(
        css.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/css")
    );
}

#[tokio::test]
async fn tenants_are_picked_by_name_and_an_unknown_one_is_a_404() {
    let idp = idp().await;
    let (status, _, html) = page(&idp, "?tenant=other").await;
    assert_eq!(status, 200);
    assert!(html.contains("<body data-tenant=\"other\">"));
    assert!(html.contains("<a href=\"/_admin?tenant=acme\">acme</a>"));
    assert!(html.contains("aria-current=\"page\">other</a>"));
    let (status, _, html) = page(&idp, "?tenant=%3Cb%3Enope").await;
    assert_eq!(status, 404);
    assert!(html.contains("no tenant named \"&lt;b&gt;nope\""), "{html}");
}

#[tokio::test]
async fn a_second_tenant_or_an_unknown_parameter_is_a_400_page_naming_it() {
    let idp = idp().await;
    let (status, headers, html) = page(&idp, "?tenant=acme&tenant=other").await;
    assert_eq!(status, 400);
    assert!(
        headers[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(html.contains("tenant is given more than once"), "{html}");
    let (status, _, html) = page(&idp, "?tenant=acme&<i>x=1").await;
    assert_eq!(status, 400);
    assert!(html.contains("remove &quot;&lt;i&gt;x&quot;"), "{html}");
}

#[tokio::test]
async fn faults_are_injected_by_scope_and_times_listed_and_removed() {
    let idp = idp().await;
    let faults = "/_admin/tenants/acme/faults";
    let (s, made) = act(
        &idp,
        "POST",
        faults,
        Some(json!({"fault": "aud_changed", "client_id": "web", "times": 1})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = act(
        &idp,
        "POST",
        faults,
        Some(json!({"fault": {"delay": {"millis": 10}}, "user": "bob"})),
    )
    .await;
    assert_eq!(s, 201);
    let (_, list) = act(&idp, "GET", faults, None).await;
    assert_eq!(list.as_array().expect("rules").len(), 2);
    assert_eq!(list[0]["client_id"], "web");
    assert_eq!(list[0]["times"], 1);
    assert_eq!(list[1]["user"], "bob");
    let (_, _, html) = page(&idp, "").await;
    assert!(html.contains(&format!("data-id=\"{}\">Remove rule", made["id"])));
    let (s, _) = act(&idp, "DELETE", &format!("{faults}/{}", made["id"]), None).await;
    assert_eq!(s, 204);
    let (s, gone) = act(&idp, "DELETE", &format!("{faults}/{}", made["id"]), None).await;
    assert_eq!((s, gone["error"].as_str()), (404, Some("not_found")));
    let (s, _) = act(&idp, "DELETE", faults, None).await;
    assert_eq!(s, 204);
    let (_, list) = act(&idp, "GET", faults, None).await;
    assert_eq!(list, json!([]));
    let (_, _, html) = page(&idp, "").await;
    assert!(html.contains("No active rules."));
}

#[tokio::test]
async fn claims_are_saved_and_removed_and_keys_rotate() {
    let idp = idp().await;
    let alice = "/_admin/tenants/acme/users/alice";
    // What the script sends after the box lost `nickname` and gained `locale`.
    let (s, user) = act(
        &idp,
        "PATCH",
        &format!("{alice}/claims"),
        Some(json!({"nickname": null, "locale": "de-DE"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(user["claims"]["locale"], "de-DE");
    assert!(user["claims"].get("nickname").is_none());
    let (_, _, html) = page(&idp, "").await;
    assert!(html.contains("&quot;locale&quot;: &quot;de-DE&quot;"));
    let (s, refused) = act(&idp, "PATCH", &format!("{alice}/claims"), Some(json!([1]))).await;
    assert_eq!(s, 422, "{refused}");

    let keys = "/_admin/tenants/acme/keys";
    let (_, before) = act(&idp, "GET", keys, None).await;
    let (s, made) = act(
        &idp,
        "POST",
        &format!("{keys}/rotate"),
        Some(json!({"alg": "ES256"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(made["alg"], "ES256");
    let (_, after) = act(&idp, "GET", keys, None).await;
    let kids = |v: &Value| -> Vec<String> {
        v["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| k["kid"].as_str().expect("kid").to_owned())
            .collect()
    };
    assert!(!kids(&before).contains(&made["kid"].as_str().expect("kid").to_owned()));
    assert!(kids(&after).contains(&made["kid"].as_str().expect("kid").to_owned()));
    let (_, _, html) = page(&idp, "").await;
    assert!(html.contains(made["kid"].as_str().expect("kid")));
    let (s, _) = act(
        &idp,
        "POST",
        &format!("{keys}/rotate"),
        Some(json!({"alg": "HS512"})),
    )
    .await;
    assert_eq!(s, 422, "an algorithm the mock does not sign with");
}

#[tokio::test]
async fn the_clock_freezes_advances_and_resets() {
    let idp = idp().await;
    let (_, frozen) = act(
        &idp,
        "POST",
        "/_admin/clock",
        Some(json!({"action": "freeze"})),
    )
    .await;
    assert_eq!(frozen["frozen"], true);
    let (_, later) = act(
        &idp,
        "POST",
        "/_admin/clock",
        Some(json!({"action": "advance", "seconds": 3600})),
    )
    .await;
    assert_eq!(
        later["now"].as_i64(),
        frozen["now"].as_i64().map(|n| n + 3600)
    );
    let (_, _, html) = page(&idp, "").await;
    assert!(html.contains("<dd id=\"clock-frozen\">yes</dd>"));
    // The offset is against the system clock, which moves on while this one stands still.
    assert!(
        html.contains("<dd id=\"clock-offset\">3600 s</dd>")
            || html.contains("<dd id=\"clock-offset\">3599 s</dd>"),
        "{html}"
    );
    let (_, reset) = act(
        &idp,
        "POST",
        "/_admin/clock",
        Some(json!({"action": "reset"})),
    )
    .await;
    assert_eq!(
        (reset["frozen"].as_bool(), reset["offset"].as_i64()),
        (Some(false), Some(0))
    );
    let (s, _) = act(
        &idp,
        "POST",
        "/_admin/clock",
        Some(json!({"action": "advance", "seconds": "soon"})),
    )
    .await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn the_log_filters_by_tenant_endpoint_client_and_status() {
    let idp = idp().await;
    sign_in(&idp, "alice").await;
    sign_in(&idp, "bob").await;
    // A refused token request: a 400 from client "web".
    let res = exchange(
        &http(),
        &idp.issuer(),
        ("web", "web-secret"),
        "no-such-code",
        None,
    )
    .await;
    assert_eq!(res.status(), 400);
    let get = |q: &'static str| {
        let idp = &idp;
        async move { act(idp, "GET", &format!("/_admin/requests?{q}"), None).await }
    };
    let (_, all) = get("tenant=acme").await;
    assert_eq!(all.as_array().expect("log").len(), 5);
    let (_, tokens) = get("endpoint=token").await;
    let statuses: Vec<u64> = tokens
        .as_array()
        .expect("log")
        .iter()
        .map(|r| r["status"].as_u64().expect("status"))
        .collect();
    assert_eq!(statuses, [200, 200, 400]);
    let (_, refused) = get("endpoint=token&status=4xx&client=web").await;
    assert_eq!(refused.as_array().expect("log").len(), 1);
    let (_, exact) = get("status=400").await;
    assert_eq!(exact, refused);
    let (_, newest) = get("tenant=acme&limit=2").await;
    assert_eq!(
        newest.as_array().expect("log")[..],
        all.as_array().expect("log")[3..]
    );
    let (_, none) = get("tenant=other").await;
    assert_eq!(none, json!([]));
    let (_, nobody) = get("client=mallory").await;
    assert_eq!(nobody, json!([]));
    for (q, field) in [
        ("endpoint=tokens", "requests?endpoint"),
        ("status=6xx", "requests?status"),
        ("limit=many", "requests?limit"),
        ("clinet=web", "requests?clinet"),
    ] {
        let (s, e) = get(q).await;
        assert_eq!(s, 400, "{q}");
        assert_eq!(e["error"], "invalid_request");
        assert!(
            e["error_description"]
                .as_str()
                .expect("text")
                .contains(field),
            "{q}: {e}"
        );
    }
    let (_, issued) = act(
        &idp,
        "GET",
        "/_admin/tokens?tenant=acme&client=web&limit=1",
        None,
    )
    .await;
    let issued = issued.as_array().expect("tokens");
    assert_eq!(issued.len(), 1);
    assert!(issued[0]["claims"].is_object() && issued[0]["header"]["alg"].is_string());
    let (s, _) = act(&idp, "GET", "/_admin/tokens?status=200", None).await;
    assert_eq!(s, 400);
    let (s, _) = act(&idp, "DELETE", "/_admin/requests", None).await;
    assert_eq!(s, 204);
    let (_, _, html) = page(&idp, "").await;
    assert!(html.contains("No requests.") && html.contains("No tokens issued."));
}

#[tokio::test]
async fn the_dashboard_is_behind_the_admin_guard() {
    let idp = idp().await;
    let res = http()
        .get(format!("{}/_admin", idp.url()))
        .header("host", "attacker.example")
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 421);
    let res = http()
        .post(format!("{}/_admin/tenants/acme/faults", idp.url()))
        .header("origin", "http://attacker.example")
        .json(&json!({"fault": "aud_changed"}))
        .send()
        .await
        .expect("cross-site");
    assert_eq!(res.status(), 403);
    let res = http()
        .delete(format!("{}/_admin/requests", idp.url()))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("cross-site");
    assert_eq!(res.status(), 403);
    assert!(idp.tenant("acme").expect("tenant").faults().is_empty());
}
