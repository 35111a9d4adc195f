//! Signing keys and the JWK Set: RS256 (2048-bit), ES256 and EdDSA keys, each with a `kid`
//! that is its RFC 7638 thumbprint, rotation with a grace period for retired keys, and the
//! keys that signature faults publish beside them (or keep out of the set).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RSA_PKCS1_SHA256,
    RsaKeyPair,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::tokens::b64;

/// A JOSE signing algorithm the mock IdP signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256, 2048-bit keys.
    RS256,
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// Ed25519.
    EdDSA,
}

impl Alg {
    /// Every algorithm, in the order discovery lists them.
    pub const ALL: [Alg; 3] = [Alg::RS256, Alg::ES256, Alg::EdDSA];

    /// The JOSE `alg` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::RS256 => "RS256",
            Alg::ES256 => "ES256",
            Alg::EdDSA => "EdDSA",
        }
    }
}

/// Why a key could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file could not be read.
    #[error("cannot read key file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The PEM text is not a PKCS#8 private key.
    #[error("expected a PEM \"PRIVATE KEY\" (PKCS#8) block, found {found}")]
    NotPem {
        /// What was found instead.
        found: String,
    },
    /// The key does not fit the algorithm.
    #[error("expected a PKCS#8 {alg} private key, found a key the {alg} signer rejects: {reason}")]
    Rejected {
        /// The algorithm asked for.
        alg: &'static str,
        /// The library's reason.
        reason: String,
    },
    /// Key generation failed.
    #[error("{alg} key generation failed")]
    Generate {
        /// The algorithm asked for.
        alg: &'static str,
    },
}

enum Inner {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
    /// The 1024-bit test key of the `weak_rsa_key` fault: AWS-LC refuses RSA keys under
    /// 2048 bits, so it signs by hand (RSASSA-PKCS1-v1_5, RFC 8017 §8.2.1).
    WeakRsa(WeakRsa),
}

/// A short RSA private key as its modulus and private exponent.
struct WeakRsa {
    n: num_bigint::BigUint,
    e: num_bigint::BigUint,
    d: num_bigint::BigUint,
}

impl WeakRsa {
    /// `EMSA-PKCS1-v1_5(SHA-256(message))^d mod n`, as many bytes as the modulus.
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        // RFC 8017 §9.2, note 1: the DER prefix of a SHA-256 DigestInfo.
        const SHA256_INFO: [u8; 19] = [
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ];
        let len = self.n.bits().div_ceil(8) as usize;
        let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, message);
        let fill = len.saturating_sub(3 + SHA256_INFO.len() + hash.as_ref().len());
        let mut em = vec![0x00, 0x01];
        em.extend(std::iter::repeat_n(0xff, fill));
        em.push(0x00);
        em.extend_from_slice(&SHA256_INFO);
        em.extend_from_slice(hash.as_ref());
        let s = num_bigint::BigUint::from_bytes_be(&em)
            .modpow(&self.d, &self.n)
            .to_bytes_be();
        let mut out = vec![0; len.saturating_sub(s.len())];
        out.extend(s);
        out
    }
}

/// A private signing key, parsed once and kept parsed: re-parsing per token halves throughput.
pub struct SigningKey {
    alg: Alg,
    kid: String,
    jwk: Value,
    inner: Inner,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The largest key file read: a PEM RSA-4096 key is about 3.3 KB.
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

fn pem_to_der(pem: &str) -> Result<Vec<u8>, KeyError> {
    let begin = "-----BEGIN PRIVATE KEY-----";
    let end = "-----END PRIVATE KEY-----";
    // Never quote the text: a mistaken path may name a file full of secrets.
    let start = pem.find(begin).ok_or_else(|| KeyError::NotPem {
        found: format!("{} bytes without a \"{begin}\" line", pem.len()),
    })?;
    let body = &pem[start + begin.len()..];
    let stop = body.find(end).ok_or_else(|| KeyError::NotPem {
        found: "a PRIVATE KEY block without its END line".to_owned(),
    })?;
    let text: String = body[..stop].split_whitespace().collect();
    b64::std_decode(&text).map_err(|e| KeyError::NotPem {
        found: format!("invalid base64 ({e})"),
    })
}

/// RFC 7638 thumbprint: the required members, lexicographically ordered, no whitespace.
/// Written out by hand so it does not depend on serde_json's map ordering feature.
fn thumbprint(members: &[(&str, &str)]) -> String {
    let body: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{}:{}", json!(k), json!(v)))
        .collect();
    let text = format!("{{{}}}", body.join(","));
    b64::url(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes()).as_ref())
}

/// An ES256 or Ed25519 key from 32 bytes of operating-system entropy (`/dev/urandom`), or
/// `None` (RSA, or no such device) to let AWS-LC generate it.
///
/// Why: AWS-LC seeds its random generator from CPU-jitter entropy on first use, which costs
/// about 40 ms of CPU. Generating the start-up keys without it keeps that off the start-up
/// path; [`warm_random_generator`] pays it on a background thread instead.
fn from_os_entropy(alg: Alg) -> Option<Inner> {
    use std::io::Read;
    if alg == Alg::RS256 {
        return None;
    }
    let mut urandom = std::fs::File::open("/dev/urandom").ok()?;
    let mut secret = [0u8; 32];
    // A few tries: a P-256 scalar must be non-zero and below the group order (p ≈ 2⁻³²).
    for _ in 0..4 {
        urandom.read_exact(&mut secret).ok()?;
        let inner = if alg == Alg::EdDSA {
            Ed25519KeyPair::from_seed_unchecked(&secret)
                .ok()
                .map(Inner::Ed)
        } else {
            // RFC 5915 ECPrivateKey { version 1, privateKey, [0] prime256v1 }; AWS-LC
            // derives the public key.
            let mut der = vec![0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20];
            der.extend_from_slice(&secret);
            der.extend_from_slice(&[
                0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
            ]);
            EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                .ok()
                .map(Inner::Ec)
        };
        if inner.is_some() {
            return inner;
        }
    }
    None
}

/// Seeds AWS-LC's random generator once per process on a background thread, so the ~40 ms
/// of CPU-jitter entropy collection it does on first use falls neither on start-up nor on
/// the first request. For a long-running server (the `mock-idp` binary calls it once it
/// listens). A process that ends soon after starting a [`crate::MockIdp`], such as a test,
/// should not: with this thread started by every `MockIdp`, a doctest process that exited
/// right after starting one was killed by a signal about once in 25 runs under load.
pub fn warm_random_generator() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = std::thread::Builder::new()
            .name("mock-idp-rng-warmup".into())
            .spawn(|| {
                let mut byte = [0u8; 1];
                let _ = aws_lc_rs::rand::fill(&mut byte);
            });
    });
}

impl SigningKey {
    fn from_inner(alg: Alg, inner: Inner) -> Self {
        let members: Vec<(&str, String)> = match &inner {
            Inner::Rsa(k) => {
                let public = k.public_key();
                vec![
                    (
                        "e",
                        b64::url(public.exponent().big_endian_without_leading_zero()),
                    ),
                    ("kty", "RSA".into()),
                    (
                        "n",
                        b64::url(public.modulus().big_endian_without_leading_zero()),
                    ),
                ]
            }
            Inner::Ec(k) => {
                let point = k.public_key().as_ref();
                vec![
                    ("crv", "P-256".into()),
                    ("kty", "EC".into()),
                    ("x", b64::url(&point[1..33])),
                    ("y", b64::url(&point[33..65])),
                ]
            }
            Inner::Ed(k) => vec![
                ("crv", "Ed25519".into()),
                ("kty", "OKP".into()),
                ("x", b64::url(k.public_key().as_ref())),
            ],
            Inner::WeakRsa(k) => vec![
                ("e", b64::url(&k.e.to_bytes_be())),
                ("kty", "RSA".into()),
                ("n", b64::url(&k.n.to_bytes_be())),
            ],
        };
        let pairs: Vec<(&str, &str)> = members.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let kid = thumbprint(&pairs);
        let mut jwk = json!({});
        for (k, v) in &members {
            jwk[*k] = json!(v);
        }
        jwk["kid"] = json!(kid);
        jwk["use"] = json!("sig");
        jwk["alg"] = json!(alg.as_str());
        Self {
            alg,
            kid,
            jwk,
            inner,
        }
    }

    /// Parses a PKCS#8 PEM private key for `alg`.
    pub fn from_pem(alg: Alg, pem: &str) -> Result<Self, KeyError> {
        let der = pem_to_der(pem)?;
        let rejected = |e: aws_lc_rs::error::KeyRejected| KeyError::Rejected {
            alg: alg.as_str(),
            reason: e.to_string(),
        };
        let inner = match alg {
            Alg::RS256 => Inner::Rsa(RsaKeyPair::from_pkcs8(&der).map_err(rejected)?),
            Alg::ES256 => Inner::Ec(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                    .map_err(rejected)?,
            ),
            Alg::EdDSA => Inner::Ed(Ed25519KeyPair::from_pkcs8(&der).map_err(rejected)?),
        };
        Ok(Self::from_inner(alg, inner))
    }

    /// Loads a PKCS#8 PEM private key file: a regular file of at most [`MAX_KEY_FILE_BYTES`].
    pub fn from_pem_file(alg: Alg, path: &Path) -> Result<Self, KeyError> {
        use std::io::Read;
        let read_error = |source| KeyError::Read {
            path: path.display().to_string(),
            source,
        };
        let refuse =
            |why: String| read_error(std::io::Error::new(std::io::ErrorKind::InvalidInput, why));
        let file = std::fs::File::open(path).map_err(read_error)?;
        let meta = file.metadata().map_err(read_error)?;
        if !meta.is_file() {
            return Err(refuse("expected a regular file".into()));
        }
        let mut bytes = Vec::new();
        file.take(MAX_KEY_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read_error)?;
        if bytes.len() as u64 > MAX_KEY_FILE_BYTES {
            return Err(refuse(format!(
                "expected a key file of at most {MAX_KEY_FILE_BYTES} bytes"
            )));
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| refuse("expected PEM text, found bytes that are not UTF-8".into()))?;
        Self::from_pem(alg, &text)
    }

    /// Makes a fresh key. RSA generation takes 70–700 ms, so keep it off start-up paths.
    pub fn generate(alg: Alg) -> Result<Self, KeyError> {
        let failed = |_| KeyError::Generate { alg: alg.as_str() };
        if let Some(inner) = from_os_entropy(alg) {
            return Ok(Self::from_inner(alg, inner));
        }
        let inner = match alg {
            Alg::RS256 => Inner::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).map_err(failed)?),
            Alg::ES256 => {
                Inner::Ec(EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).map_err(failed)?)
            }
            Alg::EdDSA => Inner::Ed(Ed25519KeyPair::generate().map_err(failed)?),
        };
        Ok(Self::from_inner(alg, inner))
    }

    /// The 1024-bit RS256 test key of the `weak_rsa_key` fault (`keys/rsa-1024-weak.json`),
    /// parsed on first use so that start-up never pays for it.
    pub(crate) fn weak_rsa() -> Result<Arc<Self>, KeyError> {
        static WEAK: OnceLock<Arc<SigningKey>> = OnceLock::new();
        if let Some(k) = WEAK.get() {
            return Ok(k.clone());
        }
        let jwk: Value = serde_json::from_str(include_str!("../../keys/rsa-1024-weak.json"))
            .map_err(|e| KeyError::NotPem {
                found: format!("keys/rsa-1024-weak.json that is not JSON ({e})"),
            })?;
        let member = |name: &str| {
            jwk[name]
                .as_str()
                .and_then(|v| b64::url_decode(v).ok())
                .map(|b| num_bigint::BigUint::from_bytes_be(&b))
                .ok_or_else(|| KeyError::NotPem {
                    found: format!("keys/rsa-1024-weak.json without a base64url \"{name}\""),
                })
        };
        let inner = Inner::WeakRsa(WeakRsa {
            n: member("n")?,
            e: member("e")?,
            d: member("d")?,
        });
        Ok(WEAK
            .get_or_init(|| Arc::new(Self::from_inner(Alg::RS256, inner)))
            .clone())
    }

    /// The private key as PKCS#8 DER, for RSA keys AWS-LC holds: what a certificate for the
    /// key is made from.
    pub(crate) fn rsa_pkcs8_der(&self) -> Option<Vec<u8>> {
        use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
        let Inner::Rsa(k) = &self.inner else {
            return None;
        };
        let der: Pkcs8V1Der<'static> = k.as_der().ok()?;
        Some(der.as_ref().to_vec())
    }

    /// The JOSE algorithm.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The key id (RFC 7638 thumbprint).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK, with `kid`, `use` and `alg`.
    pub fn public_jwk(&self) -> &Value {
        &self.jwk
    }

    /// The public key as PEM text (`BEGIN PUBLIC KEY`, SubjectPublicKeyInfo) for RSA keys:
    /// what a key-confusion attacker feeds an HMAC verifier.
    pub fn rsa_public_pem(&self) -> Option<String> {
        use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
        let Inner::Rsa(k) = &self.inner else {
            return None;
        };
        let der: PublicKeyX509Der<'_> = k.public_key().as_der().ok()?;
        let text = b64::std_encode(der.as_ref());
        let lines: Vec<&str> = text
            .as_bytes()
            .chunks(64)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        Some(format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            lines.join("\n")
        ))
    }

    /// Signs `message` (the JWS signing input).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.inner {
            Inner::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                // Signing with a valid parsed key and a correctly sized buffer cannot fail.
                let _ = k.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig);
                sig
            }
            Inner::Ec(k) => k
                .sign(&SystemRandom::new(), message)
                .map(|s| s.as_ref().to_vec())
                .unwrap_or_default(),
            Inner::Ed(k) => k.sign(message).as_ref().to_vec(),
            Inner::WeakRsa(k) => k.sign(message),
        }
    }
}

const EMBEDDED_RSA: [&str; 8] = [
    include_str!("../../keys/rsa-0.pem"),
    include_str!("../../keys/rsa-1.pem"),
    include_str!("../../keys/rsa-2.pem"),
    include_str!("../../keys/rsa-3.pem"),
    include_str!("../../keys/rsa-4.pem"),
    include_str!("../../keys/rsa-5.pem"),
    include_str!("../../keys/rsa-6.pem"),
    include_str!("../../keys/rsa-7.pem"),
];

static POOL: [OnceLock<Arc<SigningKey>>; 8] = [const { OnceLock::new() }; 8];
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// An RSA key from the embedded test-only pool, other than any in `avoid`; a freshly
/// generated one when every pooled key is already in use.
fn pooled_rsa(avoid: &[&str]) -> Result<Arc<SigningKey>, KeyError> {
    for _ in 0..EMBEDDED_RSA.len() {
        let i = NEXT.fetch_add(1, Ordering::Relaxed) % EMBEDDED_RSA.len();
        let key = match POOL[i].get() {
            Some(k) => k.clone(),
            None => {
                let parsed = Arc::new(SigningKey::from_pem(Alg::RS256, EMBEDDED_RSA[i])?);
                POOL[i].get_or_init(|| parsed).clone()
            }
        };
        if !avoid.contains(&key.kid()) {
            return Ok(key);
        }
    }
    SigningKey::generate(Alg::RS256).map(Arc::new)
}

/// A new key for `alg` whose `kid` is not in `avoid`.
pub(crate) fn fresh_key(alg: Alg, avoid: &[&str]) -> Result<Arc<SigningKey>, KeyError> {
    match alg {
        Alg::RS256 => pooled_rsa(avoid),
        _ => SigningKey::generate(alg).map(Arc::new),
    }
}

#[derive(Debug)]
struct Retired {
    key: Arc<SigningKey>,
    until: i64,
}

/// Why a key is published beside the active key of its algorithm: each signature fault
/// about the JWK Set publishes its own, with the JWK members that fault is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extra {
    /// A second signing key for the algorithm (`kid_absent_multiple_keys`).
    Second,
    /// A key whose JWK says `"use": "enc"` (`key_use_enc`).
    UseEnc,
    /// A key whose JWK's `alg` is not the one it signs with (`key_alg_mismatch`).
    AlgMismatch,
    /// A 1024-bit RSA key (`weak_rsa_key`).
    Weak,
}

impl Extra {
    /// The JWK Set entry for `key` published as this kind of extra key.
    fn jwk(self, key: &SigningKey) -> Value {
        let mut jwk = key.public_jwk().clone();
        match self {
            Self::Second | Self::Weak => {}
            Self::UseEnc => jwk["use"] = json!("enc"),
            // Same key type and size, another algorithm (RFC 7517 §4.4).
            Self::AlgMismatch => jwk["alg"] = json!("PS256"),
        }
        jwk
    }
}

#[derive(Debug)]
struct Published {
    kind: Extra,
    key: Arc<SigningKey>,
    jwk: Value,
}

/// The key a `key_rotated` fault installed for one sign-in, so that every ID token of that
/// sign-in (both of a hybrid flow) names the same new key.
#[derive(Debug)]
struct FaultRotation {
    sign_in: String,
    key: Arc<SigningKey>,
}

/// One tenant's keys: one active key per algorithm, the retired ones still published, extra
/// keys published without signing anything by default (for signature faults about the JWK
/// Set), and a foreign key that is never published (for `jku` and `x5u` faults).
#[derive(Debug)]
pub struct KeySet {
    active: Vec<Arc<SigningKey>>,
    retired: Vec<Retired>,
    extra: Vec<Published>,
    foreign: Vec<Arc<SigningKey>>,
    rotations: Vec<FaultRotation>,
}

/// Sign-ins whose `key_rotated` key is remembered: a hybrid flow's two ID tokens follow each
/// other within one sign-in, so a few suffice, and the list cannot grow.
const REMEMBERED_ROTATIONS: usize = 8;

impl KeySet {
    /// A key set with the given active keys (at most one per algorithm; later ones win).
    pub fn new(keys: Vec<Arc<SigningKey>>) -> Self {
        let mut set = Self {
            active: Vec::new(),
            retired: Vec::new(),
            extra: Vec::new(),
            foreign: Vec::new(),
            rotations: Vec::new(),
        };
        for key in keys {
            set.active.retain(|k| k.alg() != key.alg());
            set.active.push(key);
        }
        set
    }

    /// The active key for `alg`.
    pub fn active(&self, alg: Alg) -> Option<Arc<SigningKey>> {
        self.active.iter().find(|k| k.alg() == alg).cloned()
    }

    /// Every key id in use: published ones and the foreign key, so that no new key takes
    /// the `kid` of one of them.
    pub fn kids(&self) -> Vec<&str> {
        self.active
            .iter()
            .chain(self.extra.iter().map(|p| &p.key))
            .chain(self.foreign.iter())
            .map(|k| k.kid())
            .chain(self.retired.iter().map(|r| r.key.kid()))
            .collect()
    }

    /// Publishes `key` as `kind` beside the active key of its algorithm, replacing an
    /// earlier extra key of that kind and algorithm.
    pub(crate) fn publish_extra(&mut self, kind: Extra, key: Arc<SigningKey>) {
        self.extra
            .retain(|p| !(p.kind == kind && p.key.alg() == key.alg()));
        let jwk = kind.jwk(&key);
        self.extra.push(Published { kind, key, jwk });
    }

    /// The extra key published as `kind` for `alg`, if any.
    pub(crate) fn extra(&self, kind: Extra, alg: Alg) -> Option<Arc<SigningKey>> {
        self.extra
            .iter()
            .find(|p| p.kind == kind && p.key.alg() == alg)
            .map(|p| p.key.clone())
    }

    /// Whether any extra key is published.
    pub fn has_extra(&self) -> bool {
        !self.extra.is_empty()
    }

    /// Withdraws every extra key.
    pub fn clear_extra(&mut self) {
        self.extra.clear();
    }

    /// The key that signs `jku` and `x5u` faults for `alg`: in no JWK Set of the tenant.
    pub(crate) fn foreign(&self, alg: Alg) -> Option<Arc<SigningKey>> {
        self.foreign.iter().find(|k| k.alg() == alg).cloned()
    }

    /// Keeps `key` as the foreign key of its algorithm, unless there is one already; returns
    /// the one kept.
    pub(crate) fn set_foreign(&mut self, key: Arc<SigningKey>) -> Arc<SigningKey> {
        if let Some(kept) = self.foreign(key.alg()) {
            return kept;
        }
        self.foreign.push(key.clone());
        key
    }

    /// The key a `key_rotated` fault installed for `sign_in` and `alg`, if it did.
    pub(crate) fn rotated_for(&self, sign_in: &str, alg: Alg) -> Option<Arc<SigningKey>> {
        self.rotations
            .iter()
            .find(|r| r.sign_in == sign_in && r.key.alg() == alg)
            .map(|r| r.key.clone())
    }

    /// Installs `key` as [`KeySet::install`] does and remembers it for `sign_in`.
    pub(crate) fn install_for(&mut self, sign_in: &str, key: Arc<SigningKey>, retire_until: i64) {
        self.install(key.clone(), retire_until);
        if self.rotations.len() >= REMEMBERED_ROTATIONS {
            self.rotations.remove(0);
        }
        self.rotations.push(FaultRotation {
            sign_in: sign_in.to_owned(),
            key,
        });
    }

    /// Makes `key` the active key for its algorithm; the previous one stays published until
    /// `retire_until` (unix seconds).
    pub fn install(&mut self, key: Arc<SigningKey>, retire_until: i64) {
        if let Some(pos) = self.active.iter().position(|k| k.alg() == key.alg()) {
            let old = self.active.remove(pos);
            self.retired.push(Retired {
                key: old,
                until: retire_until,
            });
        }
        self.active.push(key);
    }

    /// Withdraws the retired keys of `alg` now, grace or not: `kid_absent` promises a JWK
    /// Set with a single key for the algorithm.
    pub(crate) fn withdraw_retired(&mut self, alg: Alg) {
        self.retired.retain(|r| r.key.alg() != alg);
    }

    /// Drops retired keys whose grace period has passed.
    pub fn prune(&mut self, now: i64) {
        self.retired.retain(|r| r.until > now);
    }

    /// When [`Self::jwks`] next changes by the clock alone: the first end of a grace period
    /// after `now`, `i64::MAX` when none is pending.
    pub fn next_expiry(&self, now: i64) -> i64 {
        self.retired
            .iter()
            .map(|r| r.until)
            .filter(|&until| until > now)
            .min()
            .unwrap_or(i64::MAX)
    }

    /// The JWK Set document: active keys first, then extra keys, then retired keys still in
    /// their grace period.
    pub fn jwks(&self, now: i64) -> Value {
        let keys: Vec<Value> = self
            .active
            .iter()
            .map(|k| k.public_jwk().clone())
            .chain(self.extra.iter().map(|p| p.jwk.clone()))
            .chain(
                self.retired
                    .iter()
                    .filter(|r| r.until > now)
                    .map(|r| r.key.public_jwk().clone()),
            )
            .collect();
        json!({ "keys": keys })
    }

    /// The JWK Set a `jku` fault points at: the foreign keys alone, once there are any.
    pub(crate) fn foreign_jwks(&self) -> Option<Value> {
        let keys: Vec<&Value> = self.foreign.iter().map(|k| k.public_jwk()).collect();
        (!keys.is_empty()).then(|| json!({ "keys": keys }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED, ED25519, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents,
        UnparsedPublicKey,
    };

    fn verifies(key: &SigningKey) -> bool {
        let msg = b"header.payload";
        let sig = key.sign(msg);
        let jwk = key.public_jwk();
        let field = |name: &str| b64::url_decode(jwk[name].as_str().unwrap_or_default()).unwrap();
        match key.alg() {
            Alg::RS256 => RsaPublicKeyComponents {
                n: field("n"),
                e: field("e"),
            }
            .verify(&RSA_PKCS1_2048_8192_SHA256, msg, &sig)
            .is_ok(),
            Alg::ES256 => {
                let mut point = vec![4];
                point.extend(field("x"));
                point.extend(field("y"));
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                    .verify(msg, &sig)
                    .is_ok()
            }
            Alg::EdDSA => UnparsedPublicKey::new(&ED25519, field("x"))
                .verify(msg, &sig)
                .is_ok(),
        }
    }

    #[test]
    fn every_algorithm_signs_what_its_jwk_verifies() {
        let keys = Alg::ALL
            .iter()
            .map(|a| fresh_key(*a, &[]).unwrap())
            .collect();
        let set = KeySet::new(keys);
        for alg in Alg::ALL {
            let key = set.active(alg).unwrap();
            assert!(verifies(&key), "{alg:?}");
            assert_eq!(key.public_jwk()["kid"], key.kid());
        }
    }

    #[test]
    fn generated_keys_are_fresh() {
        for alg in [Alg::ES256, Alg::EdDSA] {
            let a = SigningKey::generate(alg).unwrap();
            let b = SigningKey::generate(alg).unwrap();
            assert_ne!(a.kid(), b.kid(), "{alg:?}");
            assert!(verifies(&a), "{alg:?}");
        }
    }

    #[test]
    fn rotation_keeps_the_retired_key_for_the_grace_period() {
        let mut set = KeySet::new(vec![fresh_key(Alg::RS256, &[]).unwrap()]);
        let old = set.active(Alg::RS256).unwrap().kid().to_owned();
        let new = fresh_key(Alg::RS256, &set.kids()).unwrap();
        assert_ne!(new.kid(), old);
        set.install(new, 100);
        assert_eq!(set.jwks(99)["keys"].as_array().unwrap().len(), 2);
        assert_eq!(set.next_expiry(99), 100);
        assert_eq!(set.jwks(100)["keys"].as_array().unwrap().len(), 1);
        assert_eq!(set.next_expiry(100), i64::MAX);
    }

    #[test]
    fn extra_keys_are_published_until_withdrawn() {
        let mut set = KeySet::new(vec![fresh_key(Alg::RS256, &[]).unwrap()]);
        let extra = fresh_key(Alg::RS256, &set.kids()).unwrap();
        set.publish_extra(Extra::Second, extra.clone());
        assert!(set.has_extra());
        assert_eq!(
            set.extra(Extra::Second, Alg::RS256).unwrap().kid(),
            extra.kid()
        );
        assert!(set.extra(Extra::UseEnc, Alg::RS256).is_none());
        assert_eq!(set.jwks(0)["keys"].as_array().unwrap().len(), 2);
        assert!(set.kids().contains(&extra.kid()));
        set.clear_extra();
        assert_eq!(set.jwks(0)["keys"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn the_rsa_public_pem_holds_the_published_key() {
        let key = fresh_key(Alg::RS256, &[]).unwrap();
        let pem = key.rsa_public_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64));
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = b64::std_decode(&body).unwrap();
        let msg = b"header.payload";
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der)
            .verify(msg, &key.sign(msg))
            .unwrap();
        assert!(
            fresh_key(Alg::ES256, &[])
                .unwrap()
                .rsa_public_pem()
                .is_none()
        );
    }

    #[test]
    fn a_pem_that_is_not_a_private_key_is_refused_without_quoting_it() {
        let text = "root:x:0:0:root:/root:/bin/bash\n";
        let err = SigningKey::from_pem(Alg::RS256, text)
            .unwrap_err()
            .to_string();
        assert!(
            !err.contains("root"),
            "the file's text must not be echoed: {err}"
        );
        assert!(err.contains("32 bytes without"), "{err}");
        let dev_zero = SigningKey::from_pem_file(Alg::RS256, Path::new("/dev/zero")).unwrap_err();
        assert!(dev_zero.to_string().contains("regular file"), "{dev_zero}");
        let err = SigningKey::from_pem(Alg::ES256, EMBEDDED_RSA[0]).unwrap_err();
        assert!(err.to_string().contains("ES256"), "{err}");
    }
}
