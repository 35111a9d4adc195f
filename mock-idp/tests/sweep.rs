//! The catalog sweep against applications written inside the test: a lax one that trusts
//! whatever comes back (the sweep must catch it, cell by cell), a careful one that checks
//! the ID token as OpenID Connect Core §3.1.3.7 says (the sweep must pass it), and one whose
//! baseline fails (every other cell then proves nothing).

mod common;

use common::{CALLBACK, http, verifies_with, verify};
use mock_idp::catalog::FlowKind;
use mock_idp::sweep::{Attempt, Status, Sweep};
use mock_idp::{Client, Endpoint, Flavour, MockIdp, Tenant, User};
use serde_json::Value;

const SECRET: &str = "app-secret";

async fn idp() -> MockIdp {
    MockIdp::builder()
        .client(Client::confidential("app", SECRET).redirect_uri(CALLBACK))
        .client(Client::confidential("bystander", SECRET).redirect_uri(CALLBACK))
        .start()
        .await
}

/// An endpoint of the tenant whose issuer is `issuer`: an Auth0 issuer's trailing slash is
/// not doubled.
fn endpoint(issuer: &str, path: &str) -> String {
    format!("{}/{path}", issuer.trim_end_matches('/'))
}

/// The code flow up to the token response; `Err` says where it stopped.
async fn code_flow(
    issuer: &str,
    attempt: &Attempt,
    state: &str,
    strict: bool,
) -> Result<Value, String> {
    let mut query = vec![
        ("client_id", "app".to_owned()),
        ("redirect_uri", CALLBACK.to_owned()),
        ("response_type", "code".to_owned()),
        ("scope", "openid email".to_owned()),
        ("state", state.to_owned()),
        ("nonce", "n".to_owned()),
        ("login_hint", "alice".to_owned()),
    ];
    if let Some(age) = attempt.max_age {
        query.push(("max_age", age.to_string()));
    }
    let res = http()
        .get(endpoint(issuer, "authorize"))
        .query(&query)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let location = res
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .ok_or("no redirect from the authorization endpoint")?;
    let url = url::Url::parse(location).map_err(|e| e.to_string())?;
    let params: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    let code = params.get("code").ok_or("no code")?;
    if strict && params.get("state").map(String::as_str) != Some(state) {
        return Err("state mismatch".into());
    }
    let tokens: Value = http()
        .post(endpoint(issuer, "token"))
        .basic_auth("app", Some(SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CALLBACK),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    Ok(tokens)
}

async fn userinfo(issuer: &str, access_token: &str, strict: bool) -> Result<Value, String> {
    let res = http()
        .get(endpoint(issuer, "userinfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        return Err(format!("userinfo answered {}", res.status()));
    }
    let json = res
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if strict && !json {
        return Err("userinfo is not JSON".into());
    }
    res.json().await.map_err(|e| e.to_string())
}

/// The JWK Set where discovery says it is.
async fn key_set(issuer: &str) -> Result<Value, String> {
    let meta = json_document(&endpoint(issuer, ".well-known/openid-configuration")).await?;
    json_document(meta["jwks_uri"].as_str().ok_or("no jwks_uri")?).await
}

/// A JSON document from the IdP; `Err` when it is not one.
async fn json_document(url: &str) -> Result<Value, String> {
    let res = http().get(url).send().await.map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        return Err(format!("{url} answered {}", res.status()));
    }
    res.json().await.map_err(|e| e.to_string())
}

/// Signs in believing everything.
async fn lax(issuer: String, attempt: Attempt) -> Result<(), String> {
    let r = code_flow(&issuer, &attempt, "s", false).await?;
    let access = r["access_token"].as_str().ok_or("no access token")?;
    userinfo(&issuer, access, false).await.map(|_| ())
}

/// Signs in checking `state` and the ID token before anything else.
async fn careful(issuer: String, attempt: Attempt) -> Result<(), String> {
    let r = code_flow(&issuer, &attempt, "s", true).await?;
    let id_token = r["id_token"].as_str().ok_or("no ID token")?;
    // The shared verifier trusts its input to be a JWS; this application does not.
    let header = mock_idp::decode_unverified(id_token)
        .filter(|_| id_token.split('.').count() == 3)
        .ok_or("malformed ID token")?
        .0;
    if header["alg"] != "RS256" {
        return Err("unexpected alg".into());
    }
    let keys = key_set(&issuer).await?;
    let rsa: Vec<&Value> = keys["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|k| k["kty"] == "RSA")
        .collect();
    // RFC 7517 §4.2, §4.4: the key the kid names is for signatures, with the header's alg.
    let named = rsa
        .iter()
        .find(|k| !header["kid"].is_null() && k["kid"] == header["kid"]);
    if named.is_some_and(|k| {
        !(k["use"].is_null() || k["use"] == "sig") || !(k["alg"].is_null() || k["alg"] == "RS256")
    }) {
        return Err("the key named is not for RS256 signatures".into());
    }
    let claims = match (&header["kid"], rsa.as_slice()) {
        // Core §10.1: without a kid, the set's lone key for the algorithm is the one.
        (Value::Null, [only]) => {
            if !verifies_with(id_token, only)? {
                return Err("signature does not verify".into());
            }
            mock_idp::decode_unverified(id_token).ok_or("malformed")?.1
        }
        _ => verify(id_token, &keys)?,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as i64;
    let num = |k: &str| claims[k].as_i64().ok_or(format!("no {k}"));
    let checks = [
        (claims["iss"] == issuer.as_str(), "iss"),
        (
            claims["aud"] == "app"
                || claims["aud"]
                    .as_array()
                    .is_some_and(|a| a.len() == 1 && a[0] == "app"),
            "aud",
        ),
        (claims["azp"].is_null() || claims["azp"] == "app", "azp"),
        (claims["nonce"] == "n", "nonce"),
        (claims["sub"].is_string(), "sub"),
        (num("exp")? > now, "exp"),
        ((num("iat")? - now).abs() < 300, "iat"),
        (
            claims["nbf"].as_i64().is_none_or(|nbf| nbf <= now + 60),
            "nbf",
        ),
        (
            attempt.max_age.is_none() || claims["auth_time"].is_i64(),
            "auth_time",
        ),
    ];
    if let Some((_, what)) = checks.iter().find(|(ok, _)| !ok) {
        return Err(format!("bad {what}"));
    }
    let access = r["access_token"].as_str().ok_or("no access token")?;
    let info = userinfo(&issuer, access, true).await?;
    if info["sub"] != claims["sub"] {
        return Err("userinfo sub differs".into());
    }
    Ok(())
}

#[tokio::test]
async fn the_sweep_catches_a_lax_application_cell_by_cell() {
    let idp = idp().await;
    let issuer = idp.issuer();
    let report = Sweep::new(&idp, "app")
        .run(|attempt| lax(issuer.clone(), attempt))
        .await;
    println!("{report}");
    assert_eq!(report.cells[0].name, "baseline::authorization_code");
    assert_eq!(report.cells[0].status, Status::Pass);
    let aud = report
        .cell("aud_changed::authorization_code")
        .expect("cell");
    assert_eq!(aud.status, Status::Fail);
    assert_eq!(aud.forbidden_calls, ["userinfo"]);
    assert!(report.failures().len() > 5, "{report}");
    let skipped = report
        .cell("auth_time_missing::authorization_code")
        .expect("cell");
    assert_eq!(skipped.status, Status::Skipped);
    assert!(skipped.reason.as_deref().unwrap().contains("sends_max_age"));
    assert!(
        idp.default_tenant().faults().is_empty(),
        "no fault left behind"
    );

    let panic = std::panic::catch_unwind(|| report.assert_passed()).unwrap_err();
    let text = panic.downcast_ref::<String>().expect("message");
    assert!(text.contains("aud_changed::authorization_code: expected reject, observed accepted, calls token,userinfo!"), "{text}");
}

#[tokio::test]
async fn the_sweep_passes_a_careful_application() {
    let idp = idp().await;
    let issuer = idp.issuer();
    let report = Sweep::new(&idp, "app")
        .sends_max_age()
        .run(|attempt| careful(issuer.clone(), attempt))
        .await;
    println!("{report}");
    report.assert_passed();
    assert!(report.with_status(Status::Pass).len() > 10, "{report}");
    // Only the application's own calls are judged.
    assert!(
        idp.calls(Endpoint::Token)
            .iter()
            .all(|r| r.client_id.as_deref() == Some("app"))
    );
}

#[tokio::test]
async fn a_failed_baseline_makes_the_other_cells_not_meaningful() {
    let idp = idp().await;
    let report = Sweep::new(&idp, "app")
        .flows([FlowKind::AuthorizationCode])
        .only(["aud_changed"])
        .run(|_| async { false })
        .await;
    let statuses: Vec<_> = report.cells.iter().map(|c| c.status).collect();
    assert_eq!(statuses, [Status::Fail, Status::NotMeaningful]);
}

#[tokio::test]
#[should_panic(
    expected = "client \"nope\" is not registered at tenant \"default\" (registered: app, bystander)"
)]
async fn an_unknown_client_is_named() {
    let idp = idp().await;
    Sweep::new(&idp, "nope").run(|_| async { true }).await;
}

#[tokio::test]
async fn discovery_faults_run_through_the_reconfigure_hook() {
    let idp = idp().await;
    let issuer = idp.issuer();
    let only = ["discovery_issuer_mismatch", "jwks_uri_random"];
    // An application that takes any metadata: the hook never refuses.
    let trusting = Sweep::new(&idp, "app")
        .only(only)
        .reconfigure(|| async { Ok::<(), String>(()) })
        .run(|attempt| lax(issuer.clone(), attempt))
        .await;
    let mismatch = trusting
        .cell("discovery_issuer_mismatch::authorization_code")
        .expect("cell");
    assert_eq!(mismatch.status, Status::Fail, "{trusting}");
    assert_eq!(mismatch.forbidden_calls, ["authorize"]);
    let random = trusting
        .cell("jwks_uri_random::authorization_code")
        .expect("cell");
    assert_eq!(random.status, Status::Pass, "{trusting}");

    // One that checks the discovered issuer, as Discovery §4.3 says.
    let checking = Sweep::new(&idp, "app")
        .only(only)
        .reconfigure(move || {
            let issuer = issuer.clone();
            async move {
                let url = format!("{issuer}/.well-known/openid-configuration");
                let doc = json_document(&url).await?;
                if doc["issuer"] == issuer.as_str() {
                    Ok(())
                } else {
                    Err(format!("issuer {} is not {issuer}", doc["issuer"]))
                }
            }
        })
        .run(|attempt| careful(idp.issuer(), attempt))
        .await;
    checking.assert_passed();
    assert_eq!(checking.with_status(Status::Pass).len(), 3, "{checking}");

    let broken = Sweep::new(&idp, "app")
        .only(only)
        .reconfigure(|| async { Err::<(), _>("cannot reach the IdP") })
        .run(|attempt| careful(idp.issuer(), attempt))
        .await;
    assert!(
        broken.cells[1..]
            .iter()
            .all(|c| c.status == Status::NotMeaningful),
        "{broken}"
    );
}

#[tokio::test]
async fn an_algorithm_the_application_refuses_makes_its_cells_not_meaningful() {
    let idp = idp().await;
    let issuer = idp.issuer();
    // Said to accept ES256, the careful application takes RS256 only: the ES256 positive
    // control fails, so refusing a corrupted ES256 signature proves nothing.
    let report = Sweep::new(&idp, "app")
        .accepts_es256()
        .only(["signature_corrupted_es256"])
        .run(|attempt| careful(issuer.clone(), attempt))
        .await;
    let control = report
        .cell("baseline_es256::authorization_code")
        .expect("the ES256 baseline");
    assert_eq!(control.status, Status::Fail, "{report}");
    let hidden = report
        .cell("signature_corrupted_es256::authorization_code")
        .expect("cell");
    assert_eq!(hidden.status, Status::NotMeaningful, "{report}");
    assert_eq!(
        hidden.reason.as_deref(),
        Some("its baseline baseline_es256::authorization_code failed")
    );
}

#[tokio::test]
async fn the_trailing_slash_fault_runs_against_an_auth0_tenant_only() {
    let idp = idp().await;
    let only = ["iss_without_trailing_slash"];
    let plain = Sweep::new(&idp, "app")
        .only(only)
        .run(|attempt| careful(idp.issuer(), attempt))
        .await;
    let skipped = plain
        .cell("iss_without_trailing_slash::authorization_code")
        .expect("cell");
    assert_eq!(skipped.status, Status::Skipped, "{plain}");
    let reason = skipped.reason.as_deref().unwrap_or_default();
    assert!(reason.contains("ends with a slash"), "{reason}");

    let auth0 = idp
        .add_tenant(
            Tenant::flavoured("auth0", Flavour::Auth0)
                .client(Client::confidential("app", SECRET).redirect_uri(CALLBACK))
                .user(User::new("alice").email("alice@example.com", true)),
        )
        .expect("tenant");
    assert!(auth0.issuer().ends_with("/auth0/"), "{}", auth0.issuer());
    let checking = Sweep::for_tenant(&auth0, "app")
        .only(only)
        .run(|attempt| careful(auth0.issuer(), attempt))
        .await;
    checking.assert_passed();
    assert_eq!(checking.with_status(Status::Pass).len(), 2, "{checking}");
    let trusting = Sweep::for_tenant(&auth0, "app")
        .only(only)
        .run(|attempt| lax(auth0.issuer(), attempt))
        .await;
    let cell = trusting
        .cell("iss_without_trailing_slash::authorization_code")
        .expect("cell");
    assert_eq!(cell.status, Status::Fail, "{trusting}");
}
