//! The provider's keys: fetches and caches the JWK Set, re-fetches once on an unknown `kid`
//! (OpenID Connect Core §10.1.1; rate-limited so forged `kid`s cannot make us hammer the
//! provider), and verifies JWS signatures with the selected key through `jsonwebtoken`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

/// One public key from a JWK Set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Jwk {
    /// Key type: `RSA`, `EC`, `OKP`.
    pub kty: String,
    /// Key id.
    #[serde(default)]
    pub kid: Option<String>,
    /// Intended algorithm.
    #[serde(default)]
    pub alg: Option<String>,
    /// `sig` or `enc`.
    #[serde(default, rename = "use")]
    pub use_: Option<String>,
    /// Curve (EC, OKP).
    #[serde(default)]
    pub crv: Option<String>,
    /// RSA modulus.
    #[serde(default)]
    pub n: Option<String>,
    /// RSA exponent.
    #[serde(default)]
    pub e: Option<String>,
    /// EC x / OKP public key.
    #[serde(default)]
    pub x: Option<String>,
    /// EC y.
    #[serde(default)]
    pub y: Option<String>,
}

#[derive(Debug, Deserialize)]
struct JwkSet {
    keys: Vec<serde_json::Value>,
}

impl Jwk {
    /// Whether this key can verify `alg` (kty and curve must fit the algorithm: an RSA key is
    /// never used for HS256 or ES256 — the key-confusion defence of RFC 8725 §3.1).
    pub fn fits(&self, alg: &str) -> bool {
        let kty_ok = match alg {
            "RS256" | "PS256" => self.kty == "RSA",
            "ES256" => self.kty == "EC" && self.crv.as_deref() == Some("P-256"),
            "EdDSA" => self.kty == "OKP" && self.crv.as_deref() == Some("Ed25519"),
            _ => false,
        };
        kty_ok
            && self.use_.as_deref().is_none_or(|u| u == "sig")
            && self.alg.as_deref().is_none_or(|a| a == alg)
    }

    /// The modulus length in bits of an RSA key.
    pub fn rsa_bits(&self) -> Option<usize> {
        if self.kty != "RSA" {
            return None;
        }
        let n = URL_SAFE_NO_PAD.decode(self.n.as_deref()?).ok()?;
        let n = n.strip_prefix(&[0u8]).unwrap_or(&n);
        let lead = n.first().map_or(0, |b| 8 - b.leading_zeros() as usize);
        Some(n.len().saturating_sub(1) * 8 + lead)
    }

    /// The key as `jsonwebtoken` verifies with it, when its members are there and decode.
    fn decoding_key(&self, alg: Algorithm) -> Option<DecodingKey> {
        let key = match alg {
            Algorithm::RS256 | Algorithm::PS256 => {
                DecodingKey::from_rsa_components(self.n.as_deref()?, self.e.as_deref()?)
            }
            Algorithm::ES256 => {
                DecodingKey::from_ec_components(self.x.as_deref()?, self.y.as_deref()?)
            }
            Algorithm::EdDSA => DecodingKey::from_ed_components(self.x.as_deref()?),
            _ => return None,
        };
        key.ok()
    }

    /// Verifies `signature` (base64url, as in the token) over `input` with this key under
    /// `alg`; a key that does not fit `alg` verifies nothing.
    pub fn verify(&self, alg: &str, input: &[u8], signature: &str) -> bool {
        if !self.fits(alg) {
            return false;
        }
        let Ok(algorithm) = alg.parse::<Algorithm>() else {
            return false;
        };
        self.decoding_key(algorithm).is_some_and(|key| {
            jsonwebtoken::crypto::verify(signature, input, &key, algorithm).unwrap_or(false)
        })
    }
}

/// Why keys could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("JWK Set at {uri}: {problem}")]
pub struct JwksError {
    /// The JWK Set location.
    pub uri: String,
    /// What went wrong.
    pub problem: String,
}

#[derive(Debug)]
struct Entry {
    keys: Vec<Jwk>,
    fetched: Instant,
    forced: Vec<Instant>,
}

/// A cache of JWK Sets by location.
#[derive(Debug)]
pub struct JwksCache {
    http: reqwest::Client,
    entries: Mutex<HashMap<String, Entry>>,
    forced_per_minute: AtomicUsize,
}

/// How long a fetched set is used before it is fetched again.
const TTL: Duration = Duration::from_secs(300);
/// At most this many forced re-fetches per location per minute, unless set otherwise.
pub const FORCED_PER_MINUTE: usize = 10;

impl JwksCache {
    /// A cache that fetches with `http`.
    pub fn new(http: reqwest::Client) -> Self {
        Self {
            http,
            entries: Mutex::new(HashMap::new()),
            forced_per_minute: AtomicUsize::new(FORCED_PER_MINUTE),
        }
    }

    /// Allows `n` forced re-fetches per location per minute instead of
    /// [`FORCED_PER_MINUTE`] (at least one): e.g. for a conformance run that rotates keys
    /// in every cell and should not wait for the limit.
    pub fn set_forced_per_minute(&self, n: usize) {
        self.forced_per_minute.store(n.max(1), Ordering::Relaxed);
    }

    async fn fetch(&self, uri: &str) -> Result<Vec<Jwk>, JwksError> {
        let fail = |problem: String| JwksError {
            uri: uri.to_owned(),
            problem,
        };
        let res = self
            .http
            .get(uri)
            .send()
            .await
            .map_err(|e| fail(format!("cannot be fetched ({e})")))?;
        if !res.status().is_success() {
            return Err(fail(format!("expected status 200, found {}", res.status())));
        }
        let set: JwkSet = res
            .json()
            .await
            .map_err(|e| fail(format!("expected a JWK Set document ({e})")))?;
        // Keys of types we cannot use are skipped rather than failing the whole set.
        Ok(set
            .keys
            .into_iter()
            .filter_map(|k| serde_json::from_value::<Jwk>(k).ok())
            .collect())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The keys at `uri`, from the cache while fresh.
    pub async fn keys(&self, uri: &str) -> Result<Vec<Jwk>, JwksError> {
        if let Some(e) = self.lock().get(uri).filter(|e| e.fetched.elapsed() < TTL) {
            return Ok(e.keys.clone());
        }
        let keys = self.fetch(uri).await?;
        self.lock().insert(
            uri.to_owned(),
            Entry {
                keys: keys.clone(),
                fetched: Instant::now(),
                forced: Vec::new(),
            },
        );
        Ok(keys)
    }

    /// Fetches `uri` again because a token named a `kid` we do not know; `None` when the rate
    /// limit says no.
    pub async fn refetch(&self, uri: &str) -> Result<Option<Vec<Jwk>>, JwksError> {
        {
            let mut entries = self.lock();
            if let Some(e) = entries.get_mut(uri) {
                e.forced.retain(|t| t.elapsed() < Duration::from_secs(60));
                if e.forced.len() >= self.forced_per_minute.load(Ordering::Relaxed) {
                    tracing::warn!(uri, "JWK Set re-fetch refused by the rate limit");
                    return Ok(None);
                }
                e.forced.push(Instant::now());
            }
        }
        let keys = self.fetch(uri).await?;
        let mut entries = self.lock();
        let forced = entries.remove(uri).map(|e| e.forced).unwrap_or_default();
        entries.insert(
            uri.to_owned(),
            Entry {
                keys: keys.clone(),
                fetched: Instant::now(),
                forced,
            },
        );
        Ok(Some(keys))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::rsa::KeySize;
    use aws_lc_rs::signature::{
        KeyPair, RSA_PKCS1_SHA256, RSA_PSS_SHA256, RsaKeyPair, RsaPublicKeyComponents,
    };

    /// PS256 (RSASSA-PSS) and RS256 (PKCS #1 v1.5) use the same RSA key, each only with
    /// its own padding.
    #[test]
    fn an_rsa_key_verifies_ps256_and_rs256_each_with_its_padding() {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("an RSA key");
        let public = pair.public_key();
        let components: RsaPublicKeyComponents<Vec<u8>> = public.into();
        let jwk: Jwk = serde_json::from_value(serde_json::json!({
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(&components.n),
            "e": URL_SAFE_NO_PAD.encode(&components.e),
        }))
        .expect("a JWK");
        let input = b"header.payload";
        let sign = |padding| {
            let mut signature = vec![0; pair.public_modulus_len()];
            pair.sign(padding, &SystemRandom::new(), input, &mut signature)
                .expect("signed");
            URL_SAFE_NO_PAD.encode(signature)
        };
        let (pss, pkcs1) = (sign(&RSA_PSS_SHA256), sign(&RSA_PKCS1_SHA256));
        assert!(jwk.verify("PS256", input, &pss));
        assert!(jwk.verify("RS256", input, &pkcs1));
        assert!(!jwk.verify("RS256", input, &pss), "PSS is not PKCS #1 v1.5");
        assert!(!jwk.verify("PS256", input, &pkcs1));
        assert!(!jwk.verify("PS256", b"tampered", &pss));
        assert_eq!(jwk.rsa_bits(), Some(2048));
    }
}
