//! Why an ID token is rejected: one variant per failed check, each with a stable code.

use crate::jwks::JwksError;

/// Why an ID token was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenError {
    /// Not a compact JWS with JSON header and claims.
    #[error("expected a compact JWS (header.payload.signature), found {0}")]
    Malformed(String),
    /// `alg: none`.
    #[error("expected a signed ID token, found alg \"none\"")]
    Unsigned,
    /// An algorithm outside the allow-list.
    #[error("expected alg in {allowed}, found \"{found}\"")]
    AlgNotAllowed {
        /// The allow-list.
        allowed: String,
        /// The header's alg.
        found: String,
    },
    /// A `crit` header we do not understand (RFC 7515 §4.1.11).
    #[error("expected no crit header parameters, found {0}")]
    UnsupportedCrit(String),
    /// A `typ` that is not an ID token's.
    #[error("expected typ JWT (or none), found \"{0}\"")]
    WrongType(String),
    /// No key in the JWK Set (even after one re-fetch) has the token's `kid`.
    #[error(
        "expected a key with kid \"{0}\" in the provider's JWK Set, found none after re-fetching it"
    )]
    UnknownKey(String),
    /// The `kid` names a key published for another use than signatures (RFC 7517 §4.2).
    #[error(
        "expected the key with kid \"{kid}\" to be for signatures (use \"sig\"), found use \"{found}\""
    )]
    KeyNotForSigning {
        /// The token's kid.
        kid: String,
        /// The key's `use`.
        found: String,
    },
    /// The `kid` names a key published for another algorithm or key type than the header's
    /// `alg` (RFC 7517 §4.4).
    #[error("expected the key with kid \"{kid}\" to be for {alg}, found it published for {found}")]
    KeyAlgMismatch {
        /// The token's kid.
        kid: String,
        /// The header's alg.
        alg: String,
        /// The key's `alg` (or its key type, when it names none).
        found: String,
    },
    /// An RSA key shorter than 2048 bits (RFC 7518 §3.3).
    #[error("expected an RSA key of at least 2048 bits, found {bits} bits (kid \"{kid}\")")]
    WeakKey {
        /// The key's kid.
        kid: String,
        /// Its modulus length.
        bits: usize,
    },
    /// No `kid` and several keys fit (Core §10.1: kid MUST be given then).
    #[error("expected a kid header: {0} keys in the JWK Set fit the algorithm")]
    AmbiguousKey(usize),
    /// The signature does not verify.
    #[error("the signature does not verify with the provider's {0} key")]
    BadSignature(String),
    /// The JWK Set could not be fetched.
    #[error(transparent)]
    Jwks(#[from] JwksError),
    /// A required claim is absent.
    #[error("expected the {0} claim, found none")]
    MissingClaim(&'static str),
    /// A claim of the wrong JSON type or shape.
    #[error("expected {claim} to be {expected}")]
    InvalidClaim {
        /// The claim.
        claim: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// `iss` differs from the issuer identifier.
    #[error("expected iss \"{expected}\", found \"{found}\"")]
    WrongIssuer {
        /// Expected issuer.
        expected: String,
        /// Token's issuer.
        found: String,
    },
    /// `aud` does not contain the client id.
    #[error("expected aud to contain \"{expected}\", found {found}")]
    WrongAudience {
        /// The client id.
        expected: String,
        /// The token's aud.
        found: String,
    },
    /// `aud` names audiences we do not trust.
    #[error("expected aud to hold only this client, found also {0}")]
    UntrustedAudience(String),
    /// `azp` present and not the client id.
    #[error("expected azp \"{expected}\", found \"{found}\"")]
    WrongAzp {
        /// The client id.
        expected: String,
        /// The token's azp.
        found: String,
    },
    /// `exp` has passed.
    #[error("expired: exp {exp} is before now {now} (leeway {leeway} s)")]
    Expired {
        /// exp.
        exp: i64,
        /// now.
        now: i64,
        /// leeway.
        leeway: i64,
    },
    /// `iat` in the future.
    #[error("expected iat not after now {now} (leeway {leeway} s), found {iat}")]
    IssuedInFuture {
        /// iat.
        iat: i64,
        /// now.
        now: i64,
        /// leeway.
        leeway: i64,
    },
    /// `iat` too far in the past.
    #[error("expected iat within {window} s of now {now}, found {iat}")]
    TooOld {
        /// iat.
        iat: i64,
        /// now.
        now: i64,
        /// the window.
        window: i64,
    },
    /// `nbf` in the future.
    #[error("not valid before {nbf}; now is {now} (leeway {leeway} s)")]
    NotYetValid {
        /// nbf.
        nbf: i64,
        /// now.
        now: i64,
        /// leeway.
        leeway: i64,
    },
    /// `nonce` differs from the one sent.
    #[error("expected the nonce sent with the request, found \"{0}\"")]
    NonceMismatch(String),
    /// `auth_time` older than `max_age` allows.
    #[error("expected auth_time within max_age {max_age} s, found {auth_time} (now {now})")]
    AuthTooOld {
        /// auth_time.
        auth_time: i64,
        /// max_age.
        max_age: i64,
        /// now.
        now: i64,
    },
    /// `at_hash` does not match the access token.
    #[error("expected at_hash {expected}, found {found}")]
    BadAtHash {
        /// Computed.
        expected: String,
        /// Token's.
        found: String,
    },
    /// `c_hash` does not match the code.
    #[error("expected c_hash {expected}, found {found}")]
    BadCHash {
        /// Computed.
        expected: String,
        /// Token's.
        found: String,
    },
    /// `tid` is not a GUID (Entra).
    #[error("expected tid to be a GUID, found \"{0}\"")]
    BadTenantId(String),
    /// The Entra tenant is not allowed.
    #[error("tenant \"{0}\" is not on the allow-list")]
    TenantNotAllowed(String),
    /// A later ID token (token endpoint in the hybrid flow, or a refresh) names another
    /// issuer or subject than the first one.
    #[error(
        "expected the {why} to have the same {claim} as the first (\"{first}\"), found \"{second}\""
    )]
    SubjectChanged {
        /// Which later token.
        why: Continuity,
        /// `iss` or `sub`.
        claim: &'static str,
        /// From the first ID token.
        first: String,
        /// From the later one.
        second: String,
    },
}

/// Why a later ID token must continue an earlier one (same `iss`, same `sub`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Continuity {
    /// The token endpoint's ID token after the authorization endpoint's (Core §3.3.3.6).
    Hybrid,
    /// A refreshed ID token after the one of the sign-in (Core §12.2).
    Refresh,
}

impl std::fmt::Display for Continuity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Hybrid => "token endpoint's ID token",
            Self::Refresh => "refreshed ID token",
        })
    }
}

impl IdTokenError {
    /// The stable code tests and error pages use.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "id_token.malformed",
            Self::Unsigned => "id_token.unsigned",
            Self::AlgNotAllowed { .. } => "id_token.alg_not_allowed",
            Self::UnsupportedCrit(_) => "id_token.unsupported_crit",
            Self::WrongType(_) => "id_token.wrong_type",
            Self::UnknownKey(_) => "id_token.unknown_key",
            Self::AmbiguousKey(_) => "id_token.ambiguous_key",
            Self::KeyNotForSigning { .. } => "id_token.key_not_for_signing",
            Self::KeyAlgMismatch { .. } => "id_token.key_alg_mismatch",
            Self::WeakKey { .. } => "id_token.weak_key",
            Self::BadSignature(_) => "id_token.bad_signature",
            Self::Jwks(_) => "jwks.unavailable",
            Self::MissingClaim(c) => match *c {
                "iss" => "id_token.missing_iss",
                "sub" => "id_token.missing_sub",
                "aud" => "id_token.missing_aud",
                "exp" => "id_token.missing_exp",
                "iat" => "id_token.missing_iat",
                "nonce" => "id_token.missing_nonce",
                "auth_time" => "id_token.missing_auth_time",
                "at_hash" => "id_token.missing_at_hash",
                "c_hash" => "id_token.missing_c_hash",
                "tid" => "id_token.missing_tid",
                _ => "id_token.missing_claim",
            },
            Self::InvalidClaim { .. } => "id_token.invalid_claim",
            Self::WrongIssuer { .. } => "id_token.wrong_issuer",
            Self::WrongAudience { .. } => "id_token.wrong_audience",
            Self::UntrustedAudience(_) => "id_token.untrusted_audience",
            Self::WrongAzp { .. } => "id_token.wrong_azp",
            Self::Expired { .. } => "id_token.expired",
            Self::IssuedInFuture { .. } => "id_token.issued_in_future",
            Self::TooOld { .. } => "id_token.too_old",
            Self::NotYetValid { .. } => "id_token.not_yet_valid",
            Self::NonceMismatch(_) => "id_token.nonce_mismatch",
            Self::AuthTooOld { .. } => "id_token.auth_time_too_old",
            Self::BadAtHash { .. } => "id_token.bad_at_hash",
            Self::BadCHash { .. } => "id_token.bad_c_hash",
            Self::BadTenantId(_) => "id_token.bad_tid",
            Self::TenantNotAllowed(_) => "id_token.tenant_not_allowed",
            Self::SubjectChanged {
                why: Continuity::Hybrid,
                ..
            } => "id_token.hybrid_mismatch",
            Self::SubjectChanged {
                why: Continuity::Refresh,
                ..
            } => "id_token.refresh_mismatch",
        }
    }
}
