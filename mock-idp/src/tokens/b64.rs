//! Base64 helpers: base64url without padding for JOSE, standard alphabet for PEM and Basic.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// Base64url without padding.
pub fn url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding.
pub fn url_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    URL_SAFE_NO_PAD.decode(text)
}

/// Standard base64 (with padding).
pub fn std_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard base64 (with padding).
pub fn std_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    STANDARD.decode(text)
}

/// `n` random bytes as base64url: ids, codes and opaque tokens.
pub fn random_token(n: usize) -> String {
    let mut buf = vec![0u8; n];
    // The system RNG does not fail on supported platforms; an all-zero token would still be
    // rejected by every later lookup that expects a unique value.
    let _ = aws_lc_rs::rand::fill(&mut buf);
    url(&buf)
}
