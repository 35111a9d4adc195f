//! Compact JWS encoding, the left-half hashes (`at_hash`, `c_hash`, `s_hash`) and decoding
//! without verification for the debug page and the request log.

use aws_lc_rs::digest::{SHA256, SHA512, digest};
use serde_json::{Map, Value, json};

use crate::tokens::b64;
use crate::tokens::jwks::{Alg, SigningKey};

/// The standard header for `key`: `alg`, `typ` and `kid`.
pub fn header(key: &SigningKey) -> Map<String, Value> {
    let mut h = Map::new();
    h.insert("alg".into(), json!(key.alg().as_str()));
    h.insert("typ".into(), json!("JWT"));
    h.insert("kid".into(), json!(key.kid()));
    h
}

/// `base64url(header) "." base64url(claims)`.
pub fn signing_input(header: &Map<String, Value>, claims: &Map<String, Value>) -> String {
    // Serialized in place: wrapping them in a `Value` first would clone every claim.
    let json = |map: &Map<String, Value>| serde_json::to_vec(map).unwrap_or_default();
    format!("{}.{}", b64::url(&json(header)), b64::url(&json(claims)))
}

/// Signs `claims` with `key` under `header`.
pub fn encode(
    key: &SigningKey,
    header: &Map<String, Value>,
    claims: &Map<String, Value>,
) -> String {
    let input = signing_input(header, claims);
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", b64::url(&sig))
}

/// The left-most half of the hash of `value`, base64url (OpenID Connect Core §3.1.3.6,
/// §3.3.2.11). The hash follows the ID token's `alg`: SHA-256 for RS256/ES256, SHA-512 for
/// EdDSA (Ed25519).
pub fn half_hash(alg: Alg, value: &str) -> String {
    let d = match alg {
        Alg::RS256 | Alg::ES256 => digest(&SHA256, value.as_bytes()),
        Alg::EdDSA => digest(&SHA512, value.as_bytes()),
    };
    let bytes = d.as_ref();
    b64::url(&bytes[..bytes.len() / 2])
}

/// Header and claims of a compact JWS, without checking the signature.
pub fn decode_unverified(token: &str) -> Option<(Value, Value)> {
    let mut parts = token.split('.');
    let h = parts.next()?;
    let c = parts.next()?;
    let header = serde_json::from_slice(&b64::url_decode(h).ok()?).ok()?;
    let claims = serde_json::from_slice(&b64::url_decode(c).ok()?).ok()?;
    Some((header, claims))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_hash_matches_the_spec_example() {
        // OpenID Connect Core, Appendix A.4: code and c_hash of an RS256 ID token.
        let code = "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk";
        assert_eq!(half_hash(Alg::RS256, code), "LDktKdoQak3Pk0cnXxCltA");
        // Ed25519 hashes with SHA-512 and keeps 32 bytes (value from Python's hashlib).
        assert_eq!(
            half_hash(Alg::EdDSA, code),
            "E9z1C-c0Az4eTEzE0Nm3OQ3BS2BhMgxuP7x5JAQj1_4"
        );
    }

    #[test]
    fn decode_round_trips_claims() {
        let key = crate::tokens::jwks::SigningKey::generate(Alg::ES256).unwrap();
        let mut claims = Map::new();
        claims.insert("sub".into(), json!("alice"));
        let token = encode(&key, &header(&key), &claims);
        let (h, c) = decode_unverified(&token).unwrap();
        assert_eq!(h["alg"], "ES256");
        assert_eq!(c["sub"], "alice");
    }
}
