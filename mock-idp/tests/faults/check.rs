//! The check for one catalog entry in one flow: what must have changed, and nothing else.

use std::time::{Duration, Instant};

use crate::common::{b64, decode, half, verifies_with, verify};
use mock_idp::Fault;
use mock_idp::catalog::{CatalogEntry, FlowKind, Setup};
use serde_json::{Value, json};

use crate::rig::*;

/// Checks that `e` shows as documented in `flow`, against a fault-free sign-in.
pub(crate) async fn shows_as_documented(rig: &Rig, e: &CatalogEntry, flow: FlowKind) {
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
            crate::keys::check_rotation(&s, &keys, base.id_token(), &keys_now);
            decode(s.id_token()).1
        }
        _ if KEY_FAULTS.contains(&name) => {
            crate::keys::check_key_fault(rig, t, name, s.id_token(), &keys_now).await;
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
        "iss_without_scheme" => {
            assert_eq!(delta, set(&["iss"]));
            let issuer = rig.issuer(t);
            assert_eq!(claims["iss"], issuer.split_once("://").unwrap().1);
        }
        "iss_without_trailing_slash" => {
            assert_eq!(delta, set(&["iss"]));
            let issuer = rig.issuer(t);
            assert!(issuer.ends_with('/'), "{issuer}");
            assert_eq!(claims["iss"], issuer.trim_end_matches('/'));
        }
        "azp_other_client" => {
            assert_eq!(delta, set(&["azp"]));
            assert_eq!(claims["aud"], t.client);
            assert_ne!(claims["azp"], t.client);
        }
        "aud_changed" => {
            assert_eq!(delta, set(&["aud"]));
            assert_eq!(claims["aud"], format!("{}1", t.client));
        }
        "aud_missing" | "sub_missing" | "nonce_missing" => {
            assert_eq!(delta, set(&[name.trim_end_matches("_missing")]));
            assert!(claims.get(name.trim_end_matches("_missing")).is_none());
        }
        "extra_aud_with_azp" => {
            assert_eq!(delta, set(&["aud", "azp"]));
            assert_eq!(
                claims["aud"],
                json!([t.client, "https://untrusted.example/"])
            );
            assert_eq!(claims["azp"], t.client);
        }
        "response_replayed" => assert!(delta.is_empty(), "nothing changes: {delta:?}"),
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
        _ if SIGNATURE_FAULTS.contains(&name)
            || KEY_FAULTS.contains(&name)
            || name.starts_with("key_rotated") =>
        {
            assert!(
                delta.is_empty(),
                "{name}: claims untouched, found {delta:?}"
            );
        }
        other => panic!("no check for catalog entry {other}: add one to tests/faults.rs"),
    }
}

/// The discovery fields that name an endpoint of the provider.
pub(crate) fn endpoint_fields() -> [&'static str; 5] {
    [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
    ]
}

/// The faults about which key signs, checked in `keys.rs`: the claims stay as they were.
pub(crate) const KEY_FAULTS: [&str; 5] = [
    "jku_foreign_keys",
    "x5u_foreign_keys",
    "key_use_enc",
    "key_alg_mismatch",
    "weak_rsa_key",
];

/// The faults about the signature or its key: the claims stay as they were.
pub(crate) const SIGNATURE_FAULTS: [&str; 10] = [
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
pub(crate) async fn check_signature(
    rig: &Rig,
    t: Target,
    name: &str,
    token: &str,
    keys: &Value,
) -> Value {
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
            // One thing broken: no hash a verifier could fail on instead.
            assert!(claims.get("at_hash").is_none() && claims.get("c_hash").is_none());
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
pub(crate) fn check_malformed(token: &str, keys: &Value) -> Value {
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
