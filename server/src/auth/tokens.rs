//! API tokens: 32 random bytes, shown once (`csva_` + base64url), stored as their SHA-256.
//!
//! A fast hash is right here (unlike passwords): the token has 256 bits of entropy, so nobody
//! can guess one from its hash, and checking a request costs one SHA-256 and one indexed read.
//!
//! Handlers that change state take an [`ApiToken`] argument: the request needs
//! `Authorization: Bearer <token>` with a token that exists and is not revoked, else it is
//! answered 401 JSON (`{"error": "unauthorized", …}`) with `WWW-Authenticate: Bearer`.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::http::ApiError;

/// What every token starts with, so a leaked one is recognisable (secret scanners).
pub const TOKEN_PREFIX: &str = "csva_";
/// Random bytes in a token.
pub const TOKEN_BYTES: usize = 32;
/// Longest token name.
pub const MAX_NAME_LEN: usize = 64;

/// A new token: [`TOKEN_PREFIX`] + 32 bytes from the OS's random source, base64url.
pub fn generate() -> Result<String, String> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random bytes from the OS: {e}"))?;
    Ok(format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

/// The stored form of `token`: its SHA-256, lowercase hex.
pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// A token name: 1 to 64 characters among letters, digits, `.`, `_` and `-`.
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(format!(
            "a token name has 1 to {MAX_NAME_LEN} characters, got {}",
            name.len()
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "a token name uses letters, digits, `.`, `_` and `-` only, not {bad:?}"
        ));
    }
    Ok(())
}

/// The token a request was authenticated with. Take it as a handler argument to require one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// The token's name (never the token).
    pub name: String,
}

impl FromRequestParts<AppState> for ApiToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthorized = |why: &str| ApiError::Unauthorized(why.to_string());
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(
                "this operation needs an API token: send `Authorization: Bearer <token>`",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty())
            .ok_or_else(|| unauthorized("the Authorization header is not `Bearer <token>`"))?;
        let found = state
            .store()
            .api_tokens()
            .authenticate(&hash(token), unix_now_ms())
            .await
            .map_err(|error| {
                tracing::warn!(error = %error, "checking an API token failed");
                ApiError::Unavailable {
                    reason: "the database did not answer".to_string(),
                }
            })?;
        match found {
            Some(name) => Ok(ApiToken { name }),
            None => Err(unauthorized("the API token is unknown or revoked")),
        }
    }
}

fn unix_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hash_to_hex() {
        let a = generate().expect("token");
        let b = generate().expect("token");
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 43);
        let h = hash(&a);
        assert_eq!(h.len(), 64);
        assert!(
            h.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn names_are_checked() {
        assert!(validate_name("ci-deploy_1.x").is_ok());
        assert!(validate_name("").is_err());
        assert!(validate_name("a b").is_err());
        assert!(validate_name(&"x".repeat(65)).is_err());
    }
}
