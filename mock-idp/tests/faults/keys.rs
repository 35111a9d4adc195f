//! The faults about which key signs: a rotation that holds for one sign-in and keeps the
//! previous key published, keys published with JWK members that forbid their use, and keys
//! that only a URL in the token's header leads to.

use aws_lc_rs::signature::{
    RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, RsaPublicKeyComponents,
};
use mock_idp::catalog::FlowKind;
use mock_idp::{Client, Fault, FaultRule, KEY_ROTATION_GRACE_SECS};
use serde_json::Value;

use crate::common::{CALLBACK, b64, decode, verifies_with, verify};
use crate::rig::*;

/// The published JWK named by `token`'s `kid`.
fn published<'a>(token: &str, keys: &'a Value) -> &'a Value {
    let kid = decode(token).0["kid"].clone();
    keys["keys"]
        .as_array()
        .and_then(|all| all.iter().find(|k| k["kid"] == kid))
        .unwrap_or_else(|| panic!("kid {kid} is published"))
}

/// Checks one of the key faults on `token`, signed in under it with `keys` published now.
pub(crate) async fn check_key_fault(rig: &Rig, t: Target, name: &str, token: &str, keys: &Value) {
    let (header, _) = decode(token);
    assert_eq!(header["alg"], "RS256", "{name}");
    match name {
        "jku_foreign_keys" | "x5u_foreign_keys" => {
            assert!(
                verify(token, keys).is_err(),
                "the tenant's set lacks the key"
            );
            let (member, path) = if name.starts_with("jku") {
                ("jku", "/jwks/foreign")
            } else {
                ("x5u", "/jwks/foreign.pem")
            };
            let url = format!("{}{path}", rig.issuer(t));
            assert_eq!(header[member], url.as_str());
            let foreign: Value = rig
                .http
                .get(format!("{}/jwks/foreign", rig.issuer(t)))
                .send()
                .await
                .expect("foreign set")
                .json()
                .await
                .expect("json");
            verify(token, &foreign).expect("only the foreign set verifies it");
            if member == "x5u" {
                let res = rig.http.get(&url).send().await.expect("certificate");
                assert_eq!(res.status(), 200);
                let pem = res.text().await.expect("text");
                assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
                let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
                let der = {
                    use base64::Engine;
                    base64::engine::general_purpose::STANDARD
                        .decode(body)
                        .expect("base64")
                };
                let modulus = b64(foreign["keys"][0]["n"].as_str().expect("n"));
                assert!(
                    der.windows(modulus.len()).any(|w| w == modulus.as_slice()),
                    "the certificate holds the signing key"
                );
            }
        }
        "key_use_enc" => {
            let jwk = published(token, keys);
            assert_eq!(jwk["use"], "enc");
            assert!(verifies_with(token, jwk).expect("alg"), "the key signed it");
            assert_eq!(
                keys_of(keys, "RSA").len(),
                2,
                "published beside the active key"
            );
        }
        "key_alg_mismatch" => {
            let jwk = published(token, keys);
            assert_eq!(jwk["alg"], "PS256");
            assert_eq!(jwk["use"], "sig");
            assert!(verifies_with(token, jwk).expect("alg"), "the key signed it");
        }
        "weak_rsa_key" => {
            let jwk = published(token, keys);
            let n = b64(jwk["n"].as_str().expect("n"));
            assert_eq!(n.len() * 8, 1024, "a 1024-bit modulus");
            let (input, sig) = token.rsplit_once('.').expect("jws");
            RsaPublicKeyComponents {
                n,
                e: b64(jwk["e"].as_str().expect("e")),
            }
            .verify(
                &RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
                input.as_bytes(),
                &b64(sig),
            )
            .expect("a valid RS256 signature by the short key");
        }
        other => panic!("{other} is not a key fault"),
    }
    // Published extra keys go with the next ID token minted without their fault.
    if name != "jku_foreign_keys" && name != "x5u_foreign_keys" {
        rig.tenant(t).clear_faults();
        rig.sign_in(t, FlowKind::AuthorizationCode, &[]).await;
        assert_eq!(keys_of(&rig.jwks(t).await, "RSA").len(), 1, "{name}");
    }
}

/// `key_rotated` in one sign-in: a new key unknown to the earlier set, named by every ID
/// token of the sign-in, with the previous key still published.
pub(crate) fn check_rotation(s: &SignIn, before: &Value, base: &str, now: &Value) {
    let kid = |token: &str| decode(token).0["kid"].as_str().expect("kid").to_owned();
    let new = kid(s.id_token());
    assert!(!kids(before).contains(&new), "the kid is new");
    if let Some(back) = s.back_id() {
        assert_eq!(
            kid(back),
            new,
            "one rotation per sign-in: both ID tokens name one key"
        );
        verified(back, now);
    }
    verified(s.id_token(), now);
    assert!(
        kids(now).contains(&kid(base)),
        "the previous key stays published for {KEY_ROTATION_GRACE_SECS} s"
    );
}

#[tokio::test]
async fn a_hybrid_sign_in_rotates_once_and_its_jwt_access_token_still_verifies() {
    let rig = Rig::start().await;
    let tenant = rig.tenant(ACME);
    tenant
        .put_client(
            Client::confidential("rp", SECRET)
                .redirect_uri(CALLBACK)
                .jwt_access_tokens(),
        )
        .expect("client");
    let before = rig.jwks(ACME).await;
    tenant.inject(FaultRule::new(Fault::KeyRotated).for_client("rp"));
    let kid = |token: &str| decode(token).0["kid"].clone();
    let hybrid = rig.sign_in(ACME, FlowKind::HybridFormPost, &[]).await;
    let front = hybrid.front_id().expect("front-channel ID token");
    let back = hybrid.back_id().expect("token-endpoint ID token");
    assert_eq!(kid(front), kid(back), "one new kid for the sign-in");
    assert!(!kids(&before).iter().any(|k| *k == kid(front)));
    // The code flow's token response signs its access token before the ID token rotates.
    let code = rig.sign_in(ACME, FlowKind::AuthorizationCode, &[]).await;
    assert_ne!(
        kid(code.id_token()),
        kid(front),
        "another sign-in rotates again"
    );
    let access = code.access_token();
    let (header, _) = decode(access);
    assert_eq!(header["typ"], "at+jwt");
    assert_ne!(
        header["kid"],
        kid(code.id_token()),
        "signed before the rotation"
    );
    let now = rig.jwks(ACME).await;
    verify(access, &now).expect("the JWT access token verifies against the published set");
    verify(code.id_token(), &now).expect("so does the ID token");
}
