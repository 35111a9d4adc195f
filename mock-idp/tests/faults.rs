//! Every entry of the fault catalog, in every flow it applies to, shows as documented: the
//! one thing it changes is changed, and the rest of the response is still valid (claims equal
//! a fault-free sign-in's, the signature verifies unless the fault is about the signature).
//! Also: per-request selection with `mock_fault=`, its errors, and rule selection through the
//! admin API and the Rust handle.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use aws_lc_rs::hmac;
use common::{CALLBACK, authorize, b64, decode, half, http, verifies_with, verify};
use mock_idp::catalog::{CatalogEntry, FlowKind, Setup, catalog};
use mock_idp::{Client, Fault, FaultRule, MockIdp, Tenant, TenantHandle, TlsPem, User};
use serde_json::{Value, json};

const SECRET: &str = "rp-secret";
const TID: &str = "9122040d-6c67-4c5b-b112-36a304b66dad";
const ENTRA_APP: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";

/// A tenant, client and user to sign in with.
#[derive(Debug, Clone, Copy)]
struct Target {
    tenant: &'static str,
    client: &'static str,
    user: &'static str,
}

const ACME: Target = Target {
    tenant: "acme",
    client: "rp",
    user: "alice",
};
const ACME_ES256: Target = Target {
    tenant: "acme",
    client: "rp-es",
    user: "alice",
};
const CONTOSO: Target = Target {
    tenant: "contoso",
    client: ENTRA_APP,
    user: "megan",
};

/// The tenant, client and user an entry's `Setup` asks for.
fn target_for(e: &CatalogEntry) -> Target {
    match e.setup {
        Setup::Es256 => ACME_ES256,
        Setup::EntraCommon | Setup::EntraGroups | Setup::EntraEmailBinding => CONTOSO,
        _ => ACME,
    }
}

struct Rig {
    idp: MockIdp,
    http: reqwest::Client,
}

impl Rig {
    async fn start() -> Self {
        Self::start_with(None).await
    }

    /// Serving https with `tls` when given; the rig's client trusts its certificate.
    async fn start_with(tls: Option<TlsPem>) -> Self {
        let acme = Tenant::new("acme")
            .scope("roles", ["roles", "groups"])
            .client(Client::confidential("rp", SECRET).redirect_uri(CALLBACK))
            .client(
                Client::confidential("rp-es", SECRET)
                    .redirect_uri(CALLBACK)
                    .signing_alg(mock_idp::Alg::ES256),
            )
            .user(
                User::new("alice")
                    .with_sub("alice-sub")
                    .email("alice@acme.test", true)
                    .groups(["staff"]),
            );
        let contoso = Tenant::entra("contoso", TID)
            .client(Client::confidential(ENTRA_APP, SECRET).redirect_uri(CALLBACK))
            .user(
                User::new("megan")
                    .email("megan@contoso.test", true)
                    .groups(["e7e3f1c2-0f5a-4b61-9f0e-2f3b8a8d5c11"]),
            );
        let mut builder = MockIdp::builder().tenant(acme).tenant(contoso);
        let mut client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = tls {
            let root = reqwest::Certificate::from_pem(&pem.cert).expect("certificate");
            client = client.add_root_certificate(root);
            builder = builder.tls(pem);
        }
        let idp = builder.start().await;
        let http = client.build().expect("client");
        Self { idp, http }
    }

    fn tenant(&self, t: Target) -> TenantHandle {
        self.idp.tenant(t.tenant).expect("tenant")
    }

    fn issuer(&self, t: Target) -> String {
        self.tenant(t).issuer()
    }

    /// The JWK Set, fetched as a relying party would: from the advertised `jwks_uri`.
    async fn jwks(&self, t: Target) -> Value {
        let doc = self.discovery(t).await;
        let uri = doc["jwks_uri"].as_str().expect("jwks_uri");
        self.http
            .get(uri)
            .send()
            .await
            .expect("jwks")
            .json()
            .await
            .expect("json")
    }

    async fn discovery(&self, t: Target) -> Value {
        let url = format!("{}/.well-known/openid-configuration", self.issuer(t));
        self.http
            .get(url)
            .send()
            .await
            .expect("discovery")
            .json()
            .await
            .expect("json")
    }

    /// Injects `fault` for the target's client and nothing else.
    fn inject(&self, t: Target, fault: &Fault) {
        self.tenant(t)
            .inject(FaultRule::new(fault.clone()).for_client(t.client));
    }

    /// One sign-in in `flow`: the authorization response and, where there is a code, the
    /// token response.
    async fn sign_in(&self, t: Target, flow: FlowKind, extra: &[(&str, &str)]) -> SignIn {
        let (response_type, mode) = match flow {
            FlowKind::AuthorizationCode => ("code", None),
            FlowKind::ImplicitFormPost => ("id_token token", Some("form_post")),
            FlowKind::ImplicitFragment => ("id_token token", Some("fragment")),
            FlowKind::HybridFormPost => ("code id_token", Some("form_post")),
            FlowKind::HybridFragment => ("code id_token", Some("fragment")),
        };
        let mut q = vec![
            ("client_id", t.client),
            ("redirect_uri", CALLBACK),
            ("response_type", response_type),
            ("scope", "openid email profile roles offline_access"),
            ("state", "st-1"),
            ("nonce", "n-1"),
            ("login_hint", t.user),
        ];
        if let Some(m) = mode {
            q.push(("response_mode", m));
        }
        q.extend_from_slice(extra);
        let issuer = self.issuer(t);
        let front = authorize(&self.http, &issuer, &q).await;
        assert_eq!(
            front.mode,
            mode.unwrap_or("query"),
            "{flow}: the response arrives by the flow's mode"
        );
        let token = match front.params.get("code") {
            Some(code) => Some(self.redeem(t, code).await),
            None => None,
        };
        SignIn {
            front: front.params,
            token,
        }
    }

    /// A token request as the target's client.
    async fn token(&self, t: Target, form: &[(&str, &str)]) -> reqwest::Result<reqwest::Response> {
        self.http
            .post(format!("{}/token", self.issuer(t)))
            .basic_auth(t.client, Some(SECRET))
            .form(form)
            .send()
            .await
    }

    /// Redeems `code`: status and body, or status 0 when the connection was closed.
    async fn redeem(&self, t: Target, code: &str) -> (u16, Value) {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CALLBACK),
        ];
        match self.token(t, &form).await {
            Ok(r) => (r.status().as_u16(), r.json().await.unwrap_or(Value::Null)),
            Err(_) => (0, Value::Null),
        }
    }

    async fn userinfo(&self, t: Target, access_token: &str) -> reqwest::Result<reqwest::Response> {
        self.http
            .get(format!("{}/userinfo", self.issuer(t)))
            .bearer_auth(access_token)
            .send()
            .await
    }

    /// The userinfo answer as JSON, for faults that leave it well-formed.
    async fn userinfo_json(&self, t: Target, access_token: &str) -> Value {
        self.userinfo(t, access_token)
            .await
            .expect("userinfo")
            .json()
            .await
            .expect("json")
    }

    async fn refresh(&self, t: Target, refresh_token: &str) -> Value {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        let res = self.token(t, &form).await.expect("refresh");
        assert_eq!(res.status(), 200, "refresh answers 200");
        res.json().await.expect("json")
    }
}

#[derive(Debug)]
struct SignIn {
    front: HashMap<String, String>,
    /// Status and body of the token response, for flows with a code.
    token: Option<(u16, Value)>,
}

impl SignIn {
    fn front_id(&self) -> Option<&str> {
        self.front.get("id_token").map(String::as_str)
    }

    fn token_json(&self) -> &Value {
        let (status, body) = self.token.as_ref().expect("a token response");
        assert_eq!(*status, 200, "token response: {body}");
        body
    }

    fn back_id(&self) -> Option<&str> {
        self.token
            .as_ref()
            .and_then(|(_, b)| b["id_token"].as_str())
    }

    /// The first ID token the relying party sees.
    fn id_token(&self) -> &str {
        self.front_id()
            .or_else(|| self.back_id())
            .expect("an ID token")
    }

    fn access_token(&self) -> &str {
        self.front
            .get("access_token")
            .map(String::as_str)
            .or_else(|| self.token_json()["access_token"].as_str())
            .expect("an access token")
    }
}

/// Claims whose values differ between two sign-ins anyway (times, session, hashes of
/// per-sign-in values).
const VOLATILE: [&str; 7] = [
    "iat",
    "exp",
    "auth_time",
    "sid",
    "c_hash",
    "at_hash",
    "s_hash",
];

/// The claims added, removed or changed from `base` to `faulty`, volatile ones aside.
fn changed(base: &Value, faulty: &Value) -> BTreeSet<String> {
    let (b, f) = (
        base.as_object().expect("claims"),
        faulty.as_object().expect("claims"),
    );
    b.keys()
        .chain(f.keys())
        .filter(|k| !VOLATILE.contains(&k.as_str()) && b.get(*k) != f.get(*k))
        .cloned()
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// The claims of `token` after checking its signature against `jwks`.
fn verified(token: &str, jwks: &Value) -> Value {
    verify(token, jwks).unwrap_or_else(|e| panic!("{e}: {:?}", decode(token).0))
}

/// The RS256 keys of a JWK Set.
fn keys_of<'a>(jwks: &'a Value, kty: &str) -> Vec<&'a Value> {
    jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter(|k| k["kty"] == kty)
        .collect()
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["kid"].as_str().map(str::to_owned))
        .collect()
}

/// `token` with every signature byte XOR 0x5A undone.
fn uncorrupted(token: &str) -> String {
    let (input, sig) = token.rsplit_once('.').expect("three parts");
    let fixed: Vec<u8> = b64(sig).iter().map(|b| b ^ 0x5A).collect();
    use base64::Engine;
    format!(
        "{input}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(fixed)
    )
}

fn hs256_verifies(token: &str, key: &[u8]) -> bool {
    let (input, sig) = token.rsplit_once('.').expect("three parts");
    hmac::verify(
        &hmac::Key::new(hmac::HMAC_SHA256, key),
        input.as_bytes(),
        &b64(sig),
    )
    .is_ok()
}

/// Checks that `e` shows as documented in `flow`, against a fault-free sign-in.
async fn check(rig: &Rig, e: &CatalogEntry, flow: FlowKind) {
    let t = target_for(e);
    let tenant = rig.tenant(t);
    tenant.clear_faults();
    let extra: &[(&str, &str)] = if e.setup == Setup::MaxAge {
        &[("max_age", "300")]
    } else {
        &[]
    };
    let base = rig.sign_in(t, flow, extra).await;
    let keys = rig.jwks(t).await;
    let base_claims = verified(base.id_token(), &keys);
    if e.setup == Setup::ForceKeyFetch {
        rig.inject(t, &Fault::KeyRotated);
    }
    rig.inject(t, &e.fault);
    let name = e.name.as_str();
    // Faults that act before or beside the sign-in are checked without one.
    match name {
        "discovery_issuer_mismatch" | "discovery_issuer_trailing_slash" => {
            let doc = rig.discovery(t).await;
            let suffix = if name.ends_with("slash") { "/" } else { "1" };
            assert_eq!(doc["issuer"], format!("{}{suffix}", rig.issuer(t)));
            assert_eq!(doc["jwks_uri"], format!("{}/jwks", rig.issuer(t)));
            return;
        }
        "discovery_plain_http" => {
            let issuer = rig.issuer(t);
            assert!(issuer.starts_with("https://"), "the setup serves https");
            let doc = rig.discovery(t).await;
            assert_eq!(doc["issuer"], issuer, "the issuer keeps https");
            let plain = issuer.replacen("https://", "http://", 1);
            for (field, path) in [
                ("authorization_endpoint", "/authorize"),
                ("token_endpoint", "/token"),
                ("userinfo_endpoint", "/userinfo"),
                ("jwks_uri", "/jwks"),
                ("end_session_endpoint", "/logout"),
            ] {
                assert_eq!(doc[field], format!("{plain}{path}"), "{field}");
            }
            rig.tenant(t).clear_faults();
            let clean = rig.discovery(t).await;
            assert_eq!(changed(&clean, &doc), set(&endpoint_fields()));
            return;
        }
        "jwks_server_error" | "jwks_connection_closed" => {
            let res = rig.http.get(format!("{}/jwks", rig.issuer(t))).send().await;
            match res {
                Ok(r) => {
                    assert_eq!(name, "jwks_server_error");
                    assert_eq!(r.status(), 500);
                }
                Err(err) => {
                    assert_eq!(name, "jwks_connection_closed", "{err}");
                    assert!(!err.is_status() && !err.is_timeout(), "{err}");
                }
            }
            // ForceKeyFetch: the ID token names a key the relying party has not seen.
            let s = rig.sign_in(t, flow, extra).await;
            let kid = decode(s.id_token()).0["kid"].clone();
            assert!(!kids(&keys).iter().any(|k| *k == kid), "{kid} is new");
            return;
        }
        _ => {}
    }
    let started = Instant::now();
    let s = rig.sign_in(t, flow, extra).await;
    let keys_now = rig.jwks(t).await;
    match name {
        "authorize_error_access_denied" | "authorize_error_login_required" => {
            let want = name.trim_start_matches("authorize_error_");
            assert_eq!(s.front["error"], want);
            assert_eq!(s.front["state"], "st-1", "state still comes back");
            assert_eq!(s.front["iss"], rig.issuer(t));
            assert!(s.front_id().is_none() && !s.front.contains_key("code"));
            return;
        }
        "state_changed" => {
            assert_eq!(s.front["state"], "st-11");
            verified(s.id_token(), &keys_now);
            return;
        }
        "state_missing" => {
            assert!(!s.front.contains_key("state"));
            verified(s.id_token(), &keys_now);
            return;
        }
        "token_server_error" | "token_connection_closed" => {
            let hung_up = name.ends_with("closed");
            // The sign-in above redeemed its code through a fault: look at what came back.
            match (&s.token, hung_up) {
                (Some((500, body)), false) => assert_eq!(body["error"], "server_error"),
                (Some((0, _)), true) => {}
                other => panic!("{name}: unexpected token response {other:?}"),
            }
            return;
        }
        _ => {}
    }
    let claims = match name {
        _ if SIGNATURE_FAULTS.contains(&name) => {
            check_signature(rig, t, name, s.id_token(), &keys_now).await
        }
        "key_rotated" | "key_rotated_after_sign_in" => {
            // Every ID token rotates the key; the latest one verifies with the JWK Set now
            // (a hybrid flow's first token was verifiable before the second rotated again).
            let kid = |token: &str| decode(token).0["kid"].as_str().expect("kid").to_owned();
            assert!(
                !kids(&keys).contains(&kid(s.id_token())),
                "{name}: the kid is unknown to a relying party holding the earlier JWK Set"
            );
            assert!(
                !kids(&keys_now).contains(&kid(base.id_token())),
                "the old key is withdrawn"
            );
            let latest = s.back_id().unwrap_or(s.id_token());
            assert_eq!(
                keys_of(&keys_now, "RSA").len(),
                1,
                "one RS256 key at a time"
            );
            verified(latest, &keys_now);
            decode(s.id_token()).1
        }
        _ => verified(s.id_token(), &keys_now),
    };
    let delta = changed(&base_claims, &claims);
    match name {
        "iss_changed" => {
            assert_eq!(delta, set(&["iss"]));
            assert_eq!(claims["iss"], format!("{}1", rig.issuer(t)));
        }
        "aud_changed" => {
            assert_eq!(delta, set(&["aud"]));
            assert_eq!(claims["aud"], format!("{}1", t.client));
        }
        "aud_missing" | "sub_missing" | "nonce_missing" => {
            assert_eq!(delta, set(&[name.trim_end_matches("_missing")]));
            assert!(claims.get(name.trim_end_matches("_missing")).is_none());
        }
        "extra_aud" | "extra_aud_wrong_azp" => {
            assert_eq!(claims["aud"][0], t.client);
            assert_eq!(claims["aud"].as_array().map(Vec::len), Some(2));
            if name == "extra_aud" {
                assert_eq!(delta, set(&["aud"]));
            } else {
                assert_eq!(delta, set(&["aud", "azp"]));
                assert_eq!(claims["azp"], claims["aud"][1]);
            }
        }
        "iat_missing" | "auth_time_missing" => {
            assert!(delta.is_empty(), "{delta:?}");
            let claim = name.trim_end_matches("_missing");
            assert!(base_claims.get(claim).is_some() && claims.get(claim).is_none());
        }
        "iat_future" | "exp_past" | "nbf_future" => {
            let claim = &name[..3];
            let now = claims["auth_time"].as_i64().expect("auth_time");
            let v = claims[claim].as_i64().expect("a time");
            if name == "exp_past" {
                assert!(v < now - 3000, "{claim} {v} is an hour ago");
            } else {
                assert!(v > now + 3000, "{claim} {v} is an hour ahead");
            }
            let want = if name == "nbf_future" {
                set(&["nbf"])
            } else {
                set(&[])
            };
            assert_eq!(delta, want);
        }
        "nonce_changed" => {
            assert_eq!(delta, set(&["nonce"]));
            assert_eq!(claims["nonce"], "n-11");
        }
        "at_hash_wrong" | "at_hash_missing" | "c_hash_wrong" | "c_hash_missing" => {
            assert!(delta.is_empty(), "{delta:?}");
            let (claim, value) = if name.starts_with("at_") {
                ("at_hash", s.front["access_token"].as_str())
            } else {
                ("c_hash", s.front["code"].as_str())
            };
            let right = half("RS256", value);
            if name.ends_with("wrong") {
                assert_eq!(claims[claim], format!("{right}1"));
            } else {
                assert!(claims.get(claim).is_none());
            }
        }
        "hybrid_sub_differs" | "hybrid_iss_differs" => {
            let claim = &name[7..10];
            assert!(delta.is_empty(), "the front-channel ID token is untouched");
            let back = verified(s.back_id().expect("token-endpoint ID token"), &keys_now);
            assert_eq!(changed(&claims, &back), set(&[claim]));
            assert_eq!(
                back[claim],
                format!("{}1", claims[claim].as_str().expect(claim))
            );
        }
        "userinfo_sub_changed" | "userinfo_wrong_content_type" => {
            assert!(delta.is_empty(), "{delta:?}");
            let res = rig.userinfo(t, s.access_token()).await.expect("userinfo");
            let content_type = res.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .to_owned();
            let body: Value = serde_json::from_str(&res.text().await.expect("text"))
                .expect("userinfo is JSON text either way");
            if name == "userinfo_sub_changed" {
                assert_eq!(content_type, "application/json");
                assert_eq!(
                    body["sub"],
                    format!("{}invalid", claims["sub"].as_str().expect("sub"))
                );
            } else {
                assert!(content_type.starts_with("text/plain"), "{content_type}");
                assert_eq!(body["sub"], claims["sub"]);
            }
        }
        "userinfo_server_error" | "userinfo_connection_closed" => {
            assert!(delta.is_empty(), "{delta:?}");
            match rig.userinfo(t, s.access_token()).await {
                Ok(r) => {
                    assert_eq!(name, "userinfo_server_error");
                    assert_eq!(r.status(), 500);
                }
                Err(err) => assert_eq!(name, "userinfo_connection_closed", "{err}"),
            }
        }
        "refresh_iss_changed" | "refresh_sub_changed" => {
            assert!(
                delta.is_empty(),
                "the sign-in itself is untouched: {delta:?}"
            );
            let back = s.token_json();
            let original = verified(back["id_token"].as_str().expect("id_token"), &keys_now);
            let refreshed = rig
                .refresh(t, back["refresh_token"].as_str().expect("refresh_token"))
                .await;
            let new = verified(refreshed["id_token"].as_str().expect("id_token"), &keys_now);
            let claim = &name[8..11];
            let mut expect = set(&[claim]);
            expect.insert("nonce".into()); // Core §12.2: a refreshed ID token has no nonce.
            assert_eq!(changed(&original, &new), expect);
            assert_eq!(
                new[claim],
                format!("{}1", original[claim].as_str().expect(claim))
            );
        }
        "delay" => {
            assert!(delta.is_empty(), "{delta:?}");
            assert!(started.elapsed() >= Duration::from_millis(200));
        }
        "jwks_uri_random" => {
            assert!(delta.is_empty(), "{delta:?}");
            let doc = rig.discovery(t).await;
            let uri = doc["jwks_uri"].as_str().expect("jwks_uri");
            assert!(
                uri.starts_with(&format!("{}/jwks/", rig.issuer(t))),
                "{uri}"
            );
            let moved: Value = rig
                .http
                .get(uri)
                .send()
                .await
                .expect("jwks")
                .json()
                .await
                .expect("json");
            verified(s.id_token(), &moved);
            let old = rig
                .http
                .get(format!("{}/jwks", rig.issuer(t)))
                .send()
                .await
                .expect("jwks");
            assert_eq!(old.status(), 404, "the usual path is gone");
            let guess = rig
                .http
                .get(format!("{}/jwks/guessed", rig.issuer(t)))
                .send()
                .await
                .expect("jwks");
            assert_eq!(
                guess.status(),
                404,
                "only the advertised random path serves keys"
            );
        }
        "entra_common_issuer" => {
            assert!(delta.is_empty(), "{delta:?}");
            let doc = rig.discovery(t).await;
            assert_eq!(
                doc["issuer"],
                format!("{}/{{tenantid}}/v2.0", rig.idp.url())
            );
            assert_eq!(claims["iss"], rig.issuer(t), "tokens keep the real issuer");
            assert_eq!(claims["tid"], TID);
        }
        "entra_foreign_tenant" => {
            assert_eq!(delta, set(&["iss", "tid"]));
            let tid = claims["tid"].as_str().expect("tid");
            assert!(tid != TID && tid.len() == 36, "{tid}");
            assert_eq!(claims["iss"], format!("{}/{tid}/v2.0", rig.idp.url()));
        }
        "groups_overage" => {
            assert_eq!(delta, set(&["groups", "_claim_names", "_claim_sources"]));
            assert_eq!(claims["_claim_names"], json!({"groups": "src1"}));
            let endpoint = claims["_claim_sources"]["src1"]["endpoint"]
                .as_str()
                .expect("endpoint");
            assert!(
                endpoint.starts_with("https://graph.microsoft.com/"),
                "{endpoint}"
            );
            assert!(
                claims["_claim_sources"]["src1"]
                    .get("access_token")
                    .is_none()
            );
        }
        "entra_email_unverified" => {
            assert_eq!(base_claims["email"], "megan@contoso.test");
            assert!(base_claims.get("xms_edov").is_none());
            assert_eq!(delta, set(&["xms_edov"]));
            assert_eq!(claims["xms_edov"], false);
            assert!(claims.get("email_verified").is_none(), "never at Entra");
            let info = rig.userinfo_json(t, s.access_token()).await;
            assert_eq!(info["xms_edov"], false, "userinfo says the same");
            assert_eq!(info["email"], "megan@contoso.test");
        }
        "has_groups" => {
            assert_eq!(delta, set(&["groups", "hasgroups"]));
            assert_eq!(claims["hasgroups"], true);
        }
        _ if SIGNATURE_FAULTS.contains(&name) || name.starts_with("key_rotated") => {
            assert!(
                delta.is_empty(),
                "{name}: claims untouched, found {delta:?}"
            );
        }
        other => panic!("no check for catalog entry {other}: add one to tests/faults.rs"),
    }
}

/// The discovery fields that name an endpoint of the provider.
fn endpoint_fields() -> [&'static str; 5] {
    [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
    ]
}

/// The faults about the signature or its key: the claims stay as they were.
const SIGNATURE_FAULTS: [&str; 10] = [
    "signature_corrupted",
    "signature_corrupted_es256",
    "hs256",
    "hs256_signature_corrupted",
    "hs256_key_confusion",
    "alg_none",
    "unknown_key",
    "kid_absent",
    "kid_absent_multiple_keys",
    "malformed_jwt",
];

/// Checks a signature fault on `token`; returns its claims for the caller to compare.
async fn check_signature(rig: &Rig, t: Target, name: &str, token: &str, keys: &Value) -> Value {
    if name == "malformed_jwt" {
        return check_malformed(token, keys);
    }
    let (header, claims) = decode(token);
    match name {
        "signature_corrupted" | "signature_corrupted_es256" => {
            let alg = if name.ends_with("es256") {
                "ES256"
            } else {
                "RS256"
            };
            assert_eq!(header["alg"], alg);
            assert!(
                verify(token, keys).is_err(),
                "the signature does not verify"
            );
            verified(&uncorrupted(token), keys);
        }
        "hs256" | "hs256_signature_corrupted" => {
            assert_eq!(header["alg"], "HS256");
            assert!(header.get("kid").is_none());
            let ok = hs256_verifies(token, SECRET.as_bytes());
            assert_eq!(ok, name == "hs256");
            assert!(hs256_verifies(
                &if ok {
                    token.to_owned()
                } else {
                    uncorrupted(token)
                },
                SECRET.as_bytes()
            ));
        }
        "hs256_key_confusion" => {
            assert_eq!(header["alg"], "HS256");
            assert!(!hs256_verifies(token, SECRET.as_bytes()));
            let pem = rig
                .tenant(t)
                .signing_key(mock_idp::Alg::RS256)
                .and_then(|k| k.rsa_public_pem())
                .expect("an RSA key");
            assert!(hs256_verifies(token, pem.as_bytes()), "keyed with the PEM");
            // The PEM is the key the JWK Set publishes: it verifies a genuine RS256 token.
            let der = pem
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>();
            use base64::Engine;
            let der = base64::engine::general_purpose::STANDARD
                .decode(der)
                .expect("base64");
            rig.tenant(t).clear_faults();
            let genuine = rig.sign_in(t, FlowKind::AuthorizationCode, &[]).await;
            let tok = genuine.id_token();
            let (input, sig) = tok.rsplit_once('.').expect("jws");
            aws_lc_rs::signature::UnparsedPublicKey::new(
                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                der,
            )
            .verify(input.as_bytes(), &b64(sig))
            .expect("the PEM's key verifies the tenant's RS256 tokens");
        }
        "alg_none" => {
            assert_eq!(header["alg"], "none");
            assert!(token.ends_with('.'), "empty signature");
        }
        "unknown_key" => {
            let kid = header["kid"].as_str().expect("kid");
            assert!(!kids(keys).iter().any(|k| k == kid));
        }
        "kid_absent" | "kid_absent_multiple_keys" => {
            assert!(header.get("kid").is_none());
            let rsa = keys_of(keys, "RSA");
            let verifying = rsa
                .iter()
                .filter(|k| verifies_with(token, k).expect("alg"))
                .count();
            assert_eq!(verifying, 1, "exactly one published key verifies");
            let want = if name == "kid_absent" { 1 } else { 2 };
            assert_eq!(rsa.len(), want, "RS256 keys in the JWK Set");
            if name == "kid_absent_multiple_keys" {
                // The second key goes with the next ID token minted without the fault.
                rig.tenant(t).clear_faults();
                rig.sign_in(t, FlowKind::AuthorizationCode, &[]).await;
                assert_eq!(keys_of(&rig.jwks(t).await, "RSA").len(), 1);
            }
        }
        other => panic!("{other} is not a signature fault"),
    }
    claims
}

/// `malformed_jwt`: the claims segment is JSON missing its closing brace, validly signed.
fn check_malformed(token: &str, keys: &Value) -> Value {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let text = String::from_utf8(b64(parts[1])).expect("utf-8");
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "not JSON: {text}"
    );
    let header: Value = serde_json::from_slice(&b64(parts[0])).expect("header");
    let key = keys["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("a published key");
    assert!(
        verifies_with(token, key).expect("alg"),
        "the signature is valid"
    );
    serde_json::from_str(&format!("{text}}}")).expect("JSON once the brace is back")
}

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
                    check(&rig, &entry, flow).await;
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
    let logged = rig.idp.requests();
    let last_token = logged
        .iter()
        .rev()
        .find(|r| r.endpoint.as_deref() == Some("token"))
        .expect("logged");
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
