use aws_lc_rs::hmac;

use super::*;
use serde_json::json;

fn claims(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn base() -> Map<String, Value> {
    claims(json!({
        "iss": "https://idp.test/t", "sub": "alice", "aud": "app",
        "exp": 2000, "iat": 1000, "nonce": "n-1", "auth_time": 990,
    }))
}

fn expect<'a>(algs: &'a [String]) -> Expectations<'a> {
    Expectations {
        issuer: "https://idp.test/t",
        client_id: "app",
        client_secret: None,
        allowed_algs: algs,
        nonce: Some("n-1"),
        max_age: None,
        access_token: None,
        at_hash: HashRule::None,
        code: None,
        c_hash: HashRule::None,
        now: 1000,
        leeway: 60,
        max_iat_age: 3600,
        flavour: None,
        google: None,
        allowed_tenants: None,
        jwks_uri: "https://idp.test/t/jwks",
        earlier: None,
    }
}

fn code(c: &Map<String, Value>, e: &Expectations<'_>) -> &'static str {
    match check_claims(c, "RS256", e) {
        Ok(()) => "ok",
        Err(err) => err.code(),
    }
}

#[test]
fn each_claim_check_has_its_code() {
    let algs = vec!["RS256".to_owned()];
    let e = expect(&algs);
    assert_eq!(code(&base(), &e), "ok");
    let with = |k: &str, v: Value| {
        let mut c = base();
        c.insert(k.into(), v);
        c
    };
    let without = |k: &str| {
        let mut c = base();
        c.remove(k);
        c
    };
    assert_eq!(
        code(&with("iss", json!("https://idp.test/t/")), &e),
        "id_token.wrong_issuer"
    );
    assert_eq!(
        code(&with("aud", json!("app1")), &e),
        "id_token.wrong_audience"
    );
    assert_eq!(code(&without("aud"), &e), "id_token.missing_aud");
    assert_eq!(
        code(&with("aud", json!(["app", "other"])), &e),
        "id_token.untrusted_audience"
    );
    let mut wrong_azp = with("aud", json!(["app", "other"]));
    wrong_azp.insert("azp".into(), json!("other"));
    assert_eq!(code(&wrong_azp, &e), "id_token.wrong_azp");
    assert_eq!(code(&without("sub"), &e), "id_token.missing_sub");
    assert_eq!(code(&without("iat"), &e), "id_token.missing_iat");
    assert_eq!(
        code(&with("iat", json!(1061)), &e),
        "id_token.issued_in_future"
    );
    assert_eq!(code(&with("iat", json!(1060)), &e), "ok", "leeway applies");
    assert_eq!(code(&with("exp", json!(940)), &e), "id_token.expired");
    assert_eq!(code(&with("exp", json!(941)), &e), "ok", "leeway applies");
    assert_eq!(
        code(&with("nbf", json!(1100)), &e),
        "id_token.not_yet_valid"
    );
    assert_eq!(
        code(&with("nonce", json!("n-11")), &e),
        "id_token.nonce_mismatch"
    );
    assert_eq!(code(&without("nonce"), &e), "id_token.missing_nonce");
    assert_eq!(
        code(&with("exp", json!("2000")), &e),
        "id_token.invalid_claim"
    );
    let mut e2 = expect(&algs);
    e2.max_age = Some(5);
    assert_eq!(
        code(&without("auth_time"), &e2),
        "id_token.missing_auth_time"
    );
    assert_eq!(
        code(&with("auth_time", json!(900)), &e2),
        "id_token.auth_time_too_old"
    );
}

#[test]
fn a_listed_google_authorized_party_is_accepted_in_azp_but_never_as_an_audience() {
    let algs = vec!["RS256".to_owned()];
    let google = crate::flavour::GoogleSettings {
        authorized_parties: vec!["android-app".into()],
    };
    let e = Expectations {
        flavour: Some(crate::flavour::ProviderFlavour::Google),
        google: Some(&google),
        ..expect(&algs)
    };
    let mut sibling = base();
    sibling.insert("azp".into(), json!("android-app"));
    assert_eq!(code(&sibling, &e), "ok");
    sibling.insert("azp".into(), json!("ios-app"));
    assert_eq!(code(&sibling, &e), "id_token.wrong_azp");
    // Core §3.1.3.7 step 3: an authorized party is not a trusted audience.
    let mut both = base();
    both.insert("aud".into(), json!(["app", "android-app"]));
    both.insert("azp".into(), json!("android-app"));
    assert_eq!(code(&both, &e), "id_token.untrusted_audience");
    let keycloak = Expectations {
        flavour: Some(crate::flavour::ProviderFlavour::Keycloak),
        ..e
    };
    sibling.insert("azp".into(), json!("android-app"));
    assert_eq!(code(&sibling, &keycloak), "id_token.wrong_azp");
}

#[test]
fn hashes_are_required_only_where_the_flow_says() {
    let algs = vec!["RS256".to_owned()];
    let mut e = expect(&algs);
    e.access_token = Some("tok");
    e.at_hash = HashRule::Required;
    assert_eq!(code(&base(), &e), "id_token.missing_at_hash");
    let mut c = base();
    c.insert("at_hash".into(), json!(half_hash("RS256", "tok")));
    assert_eq!(code(&c, &e), "ok");
    c.insert("at_hash".into(), json!("AAAA"));
    assert_eq!(code(&c, &e), "id_token.bad_at_hash");
    e.at_hash = HashRule::IfPresent;
    assert_eq!(code(&base(), &e), "ok");
    assert_eq!(code(&c, &e), "id_token.bad_at_hash");
    e.at_hash = HashRule::None;
    e.code = Some("the-code");
    e.c_hash = HashRule::Required;
    assert_eq!(code(&base(), &e), "id_token.missing_c_hash");
}

#[test]
fn entra_template_issuer_is_resolved_from_tid_and_allow_listed() {
    let algs = vec!["RS256".to_owned()];
    let allowed = vec!["9122040d-6c67-4c5b-b112-36a304b66dad".to_owned()];
    let mut e = expect(&algs);
    e.issuer = "https://login.test/{tenantid}/v2.0";
    e.allowed_tenants = Some(&allowed);
    let mut c = base();
    c.insert(
        "iss".into(),
        json!("https://login.test/9122040d-6c67-4c5b-b112-36a304b66dad/v2.0"),
    );
    c.insert("tid".into(), json!("9122040d-6c67-4c5b-b112-36a304b66dad"));
    assert_eq!(code(&c, &e), "ok");
    c.insert("tid".into(), json!("72f988bf-86f1-41af-91ab-2d7cd011db47"));
    assert_eq!(code(&c, &e), "id_token.wrong_issuer");
    c.insert(
        "iss".into(),
        json!("https://login.test/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"),
    );
    assert_eq!(code(&c, &e), "id_token.tenant_not_allowed");
    c.insert("tid".into(), json!("common"));
    assert_eq!(code(&c, &e), "id_token.bad_tid");
}

#[tokio::test]
async fn hs256_is_keyed_with_the_client_secret_only() {
    let algs = vec!["HS256".to_owned()];
    let mut e = expect(&algs);
    e.client_secret = Some("rp-secret");
    let cache = JwksCache::new(reqwest::Client::new());
    let enc = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let input = format!(
        "{}.{}",
        enc(json!({"alg": "HS256", "typ": "JWT"})),
        enc(Value::Object(base()))
    );
    let mac = |secret: &[u8]| {
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
        format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(hmac::sign(&key, input.as_bytes()))
        )
    };
    assert!(validate(&mac(b"rp-secret"), &e, &cache).await.is_ok());
    // Key confusion (RFC 8725 §3.1): a MAC keyed with anything else, such as the
    // provider's public key, does not verify.
    let public_key = br#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZpt","e":"AQAB"}"#;
    assert_eq!(
        validate(&mac(public_key), &e, &cache)
            .await
            .unwrap_err()
            .code(),
        "id_token.bad_signature"
    );
    e.client_secret = None;
    assert_eq!(
        validate(&mac(b"rp-secret"), &e, &cache)
            .await
            .unwrap_err()
            .code(),
        "id_token.bad_signature"
    );
}

#[tokio::test]
async fn header_checks_come_before_any_key_lookup() {
    let algs = vec!["RS256".to_owned()];
    let e = expect(&algs);
    let cache = JwksCache::new(reqwest::Client::new());
    let enc = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let payload = enc(Value::Object(base()));
    let none = format!("{}.{payload}.", enc(json!({"alg": "none"})));
    assert_eq!(
        validate(&none, &e, &cache).await.unwrap_err().code(),
        "id_token.unsigned"
    );
    let hs = format!("{}.{payload}.AAAA", enc(json!({"alg": "HS256"})));
    assert_eq!(
        validate(&hs, &e, &cache).await.unwrap_err().code(),
        "id_token.alg_not_allowed"
    );
    let at = format!(
        "{}.{payload}.AAAA",
        enc(json!({"alg": "RS256", "typ": "at+jwt"}))
    );
    assert_eq!(
        validate(&at, &e, &cache).await.unwrap_err().code(),
        "id_token.wrong_type"
    );
    assert_eq!(
        validate("a.b", &e, &cache).await.unwrap_err().code(),
        "id_token.malformed"
    );
}

#[test]
fn later_tokens_must_agree_on_iss_and_sub() {
    let a = base();
    let mut b = base();
    let hybrid = Earlier {
        claims: &a,
        why: Continuity::Hybrid,
    };
    let refresh = Earlier {
        why: Continuity::Refresh,
        ..hybrid
    };
    assert!(same_subject(hybrid, &b).is_ok());
    b.insert("sub".into(), json!("mallory"));
    assert_eq!(
        same_subject(hybrid, &b).unwrap_err().code(),
        "id_token.hybrid_mismatch"
    );
    let mut c = base();
    c.insert("iss".into(), json!("https://idp.test/t1"));
    let err = same_subject(refresh, &c).unwrap_err();
    assert_eq!(err.code(), "id_token.refresh_mismatch");
    assert!(
        err.to_string()
            .contains("refreshed ID token to have the same iss"),
        "{err}"
    );
    let mut d = base();
    d.insert("auth_time".into(), json!(1500));
    assert_eq!(
        same_subject(refresh, &d).unwrap_err().code(),
        "id_token.refresh_mismatch"
    );
    assert!(
        same_subject(hybrid, &d).is_ok(),
        "auth_time is not compared between hybrid tokens"
    );
}

/// Times at the ends of i64 land on the safe side of every check, never wrap around.
#[test]
fn extreme_times_neither_wrap_nor_panic() {
    let algs = vec!["RS256".to_owned()];
    let e = expect(&algs);
    let with = |pairs: &[(&str, i64)]| {
        let mut c = base();
        for (k, v) in pairs {
            c.insert((*k).into(), json!(v));
        }
        c
    };
    assert_eq!(code(&with(&[("iat", i64::MIN)]), &e), "id_token.too_old");
    assert_eq!(
        code(&with(&[("iat", i64::MAX)]), &e),
        "id_token.issued_in_future"
    );
    assert_eq!(
        code(&with(&[("exp", i64::MAX)]), &e),
        "ok",
        "far future exp is valid"
    );
    assert_eq!(code(&with(&[("exp", i64::MIN)]), &e), "id_token.expired");
    assert_eq!(
        code(&with(&[("nbf", i64::MAX)]), &e),
        "id_token.not_yet_valid"
    );
    assert_eq!(code(&with(&[("nbf", i64::MIN)]), &e), "ok");

    let mut fresh = expect(&algs);
    fresh.max_age = Some(i64::MAX);
    assert_eq!(
        code(&base(), &fresh),
        "ok",
        "max_age i64::MAX allows any sign-in"
    );
    assert_eq!(
        code(&with(&[("auth_time", i64::MIN)]), &fresh),
        "id_token.auth_time_too_old",
        "even the widest max_age cannot reach i64::MIN"
    );
    let mut strict = expect(&algs);
    strict.max_age = Some(0);
    assert_eq!(
        code(&with(&[("auth_time", i64::MIN)]), &strict),
        "id_token.auth_time_too_old"
    );
    assert_eq!(code(&with(&[("auth_time", i64::MAX)]), &strict), "ok");

    for now in [i64::MIN, i64::MAX] {
        let mut e = expect(&algs);
        e.now = now;
        e.leeway = i64::MAX;
        e.max_iat_age = i64::MAX;
        let extremes = with(&[("iat", i64::MIN), ("exp", i64::MAX), ("nbf", i64::MAX)]);
        // Any answer will do; computing it must not overflow.
        let _ = code(&extremes, &e);
    }
}
