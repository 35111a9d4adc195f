//! Strict ID-token validation: every check OpenID Connect Core 1.0 (errata set 2) requires,
//! each at the line that implements it, each rejection a typed error with a stable code.

use aws_lc_rs::digest::{SHA256, SHA512, digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};

use crate::jwks::{Jwk, JwksCache};

mod error;
#[cfg(test)]
mod tests;

pub use error::{Continuity, IdTokenError};

/// The earlier ID token a new one must agree with.
#[derive(Debug, Clone, Copy)]
pub struct Earlier<'a> {
    /// Its claims (only `iss` and `sub` are read).
    pub claims: &'a Map<String, Value>,
    /// Why they must agree.
    pub why: Continuity,
}

/// Whether a hash claim must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashRule {
    /// Not applicable: no value to bind to.
    None,
    /// Check it if present (token-endpoint ID tokens, Core §3.1.3.8, §3.3.3.8).
    IfPresent,
    /// Required (implicit and hybrid authorization-endpoint ID tokens).
    Required,
}

/// What the token must match.
#[derive(Debug, Clone)]
pub struct Expectations<'a> {
    /// The issuer identifier; may hold Entra's `{tenantid}` template.
    pub issuer: &'a str,
    /// The client id.
    pub client_id: &'a str,
    /// The client secret, for HS256.
    pub client_secret: Option<&'a str>,
    /// Allowed algorithms.
    pub allowed_algs: &'a [String],
    /// The nonce sent in the request.
    pub nonce: Option<&'a str>,
    /// `max_age` sent in the request.
    pub max_age: Option<i64>,
    /// The access token delivered with the ID token, and whether `at_hash` is required.
    pub access_token: Option<&'a str>,
    /// The at_hash rule.
    pub at_hash: HashRule,
    /// The code delivered with the ID token.
    pub code: Option<&'a str>,
    /// The c_hash rule.
    pub c_hash: HashRule,
    /// Now, unix seconds.
    pub now: i64,
    /// Clock skew allowed, seconds.
    pub leeway: i64,
    /// How old `iat` may be, seconds.
    pub max_iat_age: i64,
    /// The provider's flavour, where one of its quirks is accepted.
    pub flavour: Option<crate::flavour::ProviderFlavour>,
    /// Google specifics: other clients of the project allowed in `azp`.
    pub google: Option<&'a crate::flavour::GoogleSettings>,
    /// Entra tenants allowed (when the provider is Entra ID).
    pub allowed_tenants: Option<&'a [String]>,
    /// The JWK Set location.
    pub jwks_uri: &'a str,
    /// The earlier ID token this one must continue, if any.
    pub earlier: Option<Earlier<'a>>,
}

/// A decoded compact JWS.
#[derive(Debug)]
struct Jws {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    input: String,
    /// The signature as the token carries it (base64url).
    signature: String,
}

fn decode(token: &str) -> Result<Jws, IdTokenError> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(IdTokenError::Malformed(format!("{} parts", parts.len())));
    }
    let json = |part: &str, what: &str| -> Result<Map<String, Value>, IdTokenError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| IdTokenError::Malformed(format!("{what} that is not base64url")))?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(IdTokenError::Malformed(format!(
                "{what} that is not a JSON object"
            ))),
        }
    };
    let header = json(parts[0], "a header")?;
    let claims = json(parts[1], "a payload")?;
    if URL_SAFE_NO_PAD.decode(parts[2]).is_err() {
        return Err(IdTokenError::Malformed(
            "a signature that is not base64url".into(),
        ));
    }
    Ok(Jws {
        header,
        claims,
        input: format!("{}.{}", parts[0], parts[1]),
        signature: parts[2].to_owned(),
    })
}

/// The left-most half of the hash of `value` under the hash of `alg`, base64url (Core
/// §3.1.3.6, §3.3.2.11): SHA-256 for *256, SHA-512 for EdDSA.
pub fn half_hash(alg: &str, value: &str) -> String {
    let d = if alg == "EdDSA" {
        digest(&SHA512, value.as_bytes())
    } else {
        digest(&SHA256, value.as_bytes())
    };
    let bytes = d.as_ref();
    URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() / 2])
}

fn is_guid(s: &str) -> bool {
    let lens = [8, 4, 4, 4, 12];
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip(lens)
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn int_claim(claims: &Map<String, Value>, name: &'static str) -> Result<Option<i64>, IdTokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or(IdTokenError::InvalidClaim {
            claim: name,
            expected: "a number of seconds since the epoch",
        }),
    }
}

fn str_claim<'c>(
    claims: &'c Map<String, Value>,
    name: &'static str,
) -> Result<Option<&'c str>, IdTokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(IdTokenError::InvalidClaim {
            claim: name,
            expected: "a string",
        }),
    }
}

/// Selects the key and verifies the signature (Core §3.1.3.7 steps 6–8, §10.1).
async fn verify_signature(
    jws: &Jws,
    alg: &str,
    expected: &Expectations<'_>,
    jwks: &JwksCache,
) -> Result<(), IdTokenError> {
    if alg == "HS256" {
        // §3.1.3.7 #8: the MAC key is the UTF-8 octets of the client secret, never a
        // provider public key (RFC 8725 §3.1 key confusion).
        let secret = expected
            .client_secret
            .ok_or_else(|| IdTokenError::BadSignature("HS256 (no client secret)".into()))?;
        let key = DecodingKey::from_secret(secret.as_bytes());
        return match jsonwebtoken::crypto::verify(
            &jws.signature,
            jws.input.as_bytes(),
            &key,
            Algorithm::HS256,
        ) {
            Ok(true) => Ok(()),
            _ => Err(IdTokenError::BadSignature("HS256".into())),
        };
    }
    let kid = match jws.header.get("kid") {
        None => None,
        Some(Value::String(k)) => Some(k.clone()),
        Some(_) => return Err(IdTokenError::Malformed("a kid that is not a string".into())),
    };
    let named = |keys: &[Jwk]| -> Vec<Jwk> {
        keys.iter()
            .filter(|k| kid.as_ref().is_none_or(|want| k.kid.as_ref() == Some(want)))
            .cloned()
            .collect()
    };
    let mut keys = named(&jwks.keys(expected.jwks_uri).await?);
    // §10.1.1: the provider may have rotated its keys; fetch the set again, once, when no
    // key has the token's kid (or, without a kid, not exactly one fits its algorithm: a
    // cached set may still hold a key the provider has retired since). A token's
    // `jku`/`x5u` header is never followed: keys come from the issuer's jwks_uri only
    // (RFC 8725 §3.10).
    let fitting = |keys: &[Jwk]| keys.iter().filter(|k| k.fits(alg)).count();
    if (keys.is_empty() || (kid.is_none() && fitting(&keys) != 1))
        && let Some(again) = jwks.refetch(expected.jwks_uri).await?
    {
        keys = named(&again);
    }
    // A kid naming a key published for something else: say what (RFC 7517 §4.2, §4.4).
    if let (Some(k), Some(first)) = (&kid, keys.first())
        && fitting(&keys) == 0
    {
        return Err(match first.use_.as_deref() {
            Some(u) if u != "sig" => IdTokenError::KeyNotForSigning {
                kid: k.clone(),
                found: u.to_owned(),
            },
            _ => IdTokenError::KeyAlgMismatch {
                kid: k.clone(),
                alg: alg.to_owned(),
                found: first.alg.clone().unwrap_or_else(|| first.kty.clone()),
            },
        });
    }
    let candidates: Vec<Jwk> = keys.into_iter().filter(|k| k.fits(alg)).collect();
    let key = match (candidates.as_slice(), &kid) {
        ([], Some(k)) => return Err(IdTokenError::UnknownKey(k.clone())),
        ([], None) => return Err(IdTokenError::UnknownKey(format!("(none; no {alg} key)"))),
        ([one], _) => one,
        // §10.1: with several keys the kid MUST be present.
        (many, None) => return Err(IdTokenError::AmbiguousKey(many.len())),
        (many, Some(_)) => &many[0],
    };
    // RFC 7518 §3.3, §3.5: RSA keys of 2048 bits or larger.
    if let Some(bits) = key.rsa_bits()
        && bits < 2048
    {
        return Err(IdTokenError::WeakKey {
            kid: key.kid.clone().unwrap_or_default(),
            bits,
        });
    }
    if key.verify(alg, jws.input.as_bytes(), &jws.signature) {
        Ok(())
    } else {
        Err(IdTokenError::BadSignature(alg.to_owned()))
    }
}

/// Validates `token` and returns its claims.
pub async fn validate(
    token: &str,
    expected: &Expectations<'_>,
    jwks: &JwksCache,
) -> Result<Map<String, Value>, IdTokenError> {
    let jws = decode(token)?;
    let alg = match jws.header.get("alg") {
        Some(Value::String(a)) => a.clone(),
        _ => return Err(IdTokenError::Malformed("a header without alg".into())),
    };
    // Core §2: `none` is only for code-flow tokens of clients that registered it; we never do.
    if alg == "none" {
        return Err(IdTokenError::Unsigned);
    }
    // §3.1.3.7 #7: only the algorithms this client accepts.
    if !expected.allowed_algs.iter().any(|a| a == &alg) {
        return Err(IdTokenError::AlgNotAllowed {
            allowed: expected.allowed_algs.join(", "),
            found: alg,
        });
    }
    // RFC 7515 §4.1.11: unknown critical extensions must be rejected.
    if let Some(crit) = jws.header.get("crit") {
        return Err(IdTokenError::UnsupportedCrit(crit.to_string()));
    }
    // RFC 8725 §3.11: an access token (typ at+jwt) must not pass as an ID token.
    if let Some(typ) = jws.header.get("typ").and_then(Value::as_str)
        && !typ.eq_ignore_ascii_case("JWT")
    {
        return Err(IdTokenError::WrongType(typ.to_owned()));
    }
    // §3.1.3.7 #6, §3.2.2.11: verify the signature — always, even from the token endpoint.
    verify_signature(&jws, &alg, expected, jwks).await?;
    // §3.3.3.6 (hybrid), §12.2 (refresh): a later ID token has the earlier one's iss and sub.
    // Compared before the other claims so that a changed issuer is named for what it is.
    if let Some(earlier) = expected.earlier {
        same_subject(earlier, &jws.claims)?;
    }
    check_claims(&jws.claims, &alg, expected)?;
    Ok(jws.claims)
}

fn check_claims(
    c: &Map<String, Value>,
    alg: &str,
    expected: &Expectations<'_>,
) -> Result<(), IdTokenError> {
    // §2: iss, sub, aud, exp, iat are REQUIRED.
    let iss = str_claim(c, "iss")?.ok_or(IdTokenError::MissingClaim("iss"))?;
    let sub = str_claim(c, "sub")?.ok_or(IdTokenError::MissingClaim("sub"))?;
    if sub.is_empty() || sub.len() > 255 {
        return Err(IdTokenError::InvalidClaim {
            claim: "sub",
            expected: "1 to 255 ASCII characters (§2)",
        });
    }
    // §3.1.3.7 #2: iss exactly equals the issuer identifier — for Entra's multi-tenant
    // template, after substituting the token's own tid, which must be a GUID.
    let expected_iss = if expected.issuer.contains("{tenantid}") {
        let tid = str_claim(c, "tid")?.ok_or(IdTokenError::MissingClaim("tid"))?;
        if !is_guid(tid) {
            return Err(IdTokenError::BadTenantId(tid.to_owned()));
        }
        expected.issuer.replace("{tenantid}", tid)
    } else {
        expected.issuer.to_owned()
    };
    if !crate::flavour::ProviderFlavour::accepts_issuer(expected.flavour, iss, &expected_iss) {
        return Err(IdTokenError::WrongIssuer {
            expected: expected_iss,
            found: iss.to_owned(),
        });
    }
    if let Some(allowed) = expected.allowed_tenants {
        let tid = str_claim(c, "tid")?.ok_or(IdTokenError::MissingClaim("tid"))?;
        if !allowed.iter().any(|t| t == tid) {
            return Err(IdTokenError::TenantNotAllowed(tid.to_owned()));
        }
    }
    // §3.1.3.7 #3: aud contains the client id; extra untrusted audiences are rejected.
    let auds: Vec<&str> = match c.get("aud") {
        None => return Err(IdTokenError::MissingClaim("aud")),
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        Some(_) => {
            return Err(IdTokenError::InvalidClaim {
                claim: "aud",
                expected: "a string or an array of strings",
            });
        }
    };
    if !auds.contains(&expected.client_id) {
        return Err(IdTokenError::WrongAudience {
            expected: expected.client_id.to_owned(),
            found: c.get("aud").map(Value::to_string).unwrap_or_default(),
        });
    }
    let extra: Vec<&str> = auds
        .iter()
        .copied()
        .filter(|a| *a != expected.client_id)
        .collect();
    // §3.1.3.7 #4–5: when azp is present it must be this client — or, for Google, another
    // client of the project that the settings list (see `accepts_azp`).
    if let Some(azp) = str_claim(c, "azp")?
        && !crate::flavour::ProviderFlavour::accepts_azp(
            expected.flavour,
            expected.google,
            azp,
            expected.client_id,
        )
    {
        return Err(IdTokenError::WrongAzp {
            expected: expected.client_id.to_owned(),
            found: azp.to_owned(),
        });
    }
    if !extra.is_empty() {
        return Err(IdTokenError::UntrustedAudience(extra.join(", ")));
    }
    // Times are whatever integers the token carries, i64::MIN and i64::MAX included: sums and
    // differences of two i64 are exact in i128, so no extreme value wraps around to the other
    // side of its check.
    let now = i128::from(expected.now);
    let leeway = i128::from(expected.leeway);
    // §3.1.3.7 #9: the current time is before exp (with leeway for clock skew).
    let expires_at = int_claim(c, "exp")?.ok_or(IdTokenError::MissingClaim("exp"))?;
    if now >= i128::from(expires_at) + leeway {
        return Err(IdTokenError::Expired {
            exp: expires_at,
            now: expected.now,
            leeway: expected.leeway,
        });
    }
    // §3.1.3.7 #10: iat limits how long ago (and how far ahead) the token was issued.
    let iat = int_claim(c, "iat")?.ok_or(IdTokenError::MissingClaim("iat"))?;
    if i128::from(iat) > now + leeway {
        return Err(IdTokenError::IssuedInFuture {
            iat,
            now: expected.now,
            leeway: expected.leeway,
        });
    }
    if now - i128::from(iat) > i128::from(expected.max_iat_age) + leeway {
        return Err(IdTokenError::TooOld {
            iat,
            now: expected.now,
            window: expected.max_iat_age,
        });
    }
    // RFC 7519 §4.1.5: not before nbf.
    if let Some(nbf) = int_claim(c, "nbf")?
        && i128::from(nbf) > now + leeway
    {
        return Err(IdTokenError::NotYetValid {
            nbf,
            now: expected.now,
            leeway: expected.leeway,
        });
    }
    // §3.1.3.7 #11: the nonce sent must come back, unchanged.
    if let Some(sent) = expected.nonce {
        let got = str_claim(c, "nonce")?.ok_or(IdTokenError::MissingClaim("nonce"))?;
        if got != sent {
            return Err(IdTokenError::NonceMismatch(got.to_owned()));
        }
    }
    // §3.1.2.1, §3.1.3.7 #13: with max_age, auth_time is REQUIRED and must be recent enough.
    if let Some(max_age) = expected.max_age {
        let auth_time =
            int_claim(c, "auth_time")?.ok_or(IdTokenError::MissingClaim("auth_time"))?;
        if now - i128::from(auth_time) > i128::from(max_age) + leeway {
            return Err(IdTokenError::AuthTooOld {
                auth_time,
                max_age,
                now: expected.now,
            });
        }
    }
    // §3.2.2.9–10, §3.3.2.11: at_hash binds the access token (REQUIRED for `id_token token`
    // and `code id_token token` from the authorization endpoint).
    check_hash(c, "at_hash", alg, expected.access_token, expected.at_hash)?;
    // §3.3.2.10–11: c_hash binds the code (REQUIRED for `code id_token[ token]`).
    check_hash(c, "c_hash", alg, expected.code, expected.c_hash)?;
    Ok(())
}

fn check_hash(
    c: &Map<String, Value>,
    name: &'static str,
    alg: &str,
    value: Option<&str>,
    rule: HashRule,
) -> Result<(), IdTokenError> {
    let Some(value) = value else {
        return Ok(());
    };
    let found = str_claim(c, name)?;
    let found = match (found, rule) {
        (None, HashRule::Required) => return Err(IdTokenError::MissingClaim(name)),
        (None, _) | (_, HashRule::None) => return Ok(()),
        (Some(f), _) => f,
    };
    let expected = half_hash(alg, value);
    if found == expected {
        Ok(())
    } else if name == "at_hash" {
        Err(IdTokenError::BadAtHash {
            expected,
            found: found.to_owned(),
        })
    } else {
        Err(IdTokenError::BadCHash {
            expected,
            found: found.to_owned(),
        })
    }
}

/// Core §3.3.3.6 and §12.2: `later` has the same `iss` and `sub` as `earlier` (and, for a
/// refresh, the same `auth_time` when both carry one).
pub fn same_subject(earlier: Earlier<'_>, later: &Map<String, Value>) -> Result<(), IdTokenError> {
    let changed =
        |claim: &'static str, first: String, second: String| IdTokenError::SubjectChanged {
            why: earlier.why,
            claim,
            first,
            second,
        };
    for claim in ["iss", "sub"] {
        let read = |c: &Map<String, Value>| {
            c.get(claim)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (first, second) = (read(earlier.claims), read(later));
        if first != second {
            return Err(changed(claim, first, second));
        }
    }
    // §12.2: a refreshed auth_time still names the original authentication.
    if earlier.why == Continuity::Refresh
        && let (Some(first), Some(second)) =
            (earlier.claims.get("auth_time"), later.get("auth_time"))
        && first != second
    {
        return Err(changed("auth_time", first.to_string(), second.to_string()));
    }
    Ok(())
}
