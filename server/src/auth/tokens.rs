//! API tokens: 32 random bytes, shown once (`csva_` + base64url), stored as their SHA-256.
//!
//! A fast hash is right here (unlike passwords): the token has 256 bits of entropy, so nobody
//! can guess one from its hash, and checking a request costs one SHA-256 and one indexed read.
//!
//! Each token has a role ([`super::Role`]); [`super::principal`] turns
//! `Authorization: Bearer <token>` into a principal with that role.

use base64::Engine;
use sha2::{Digest, Sha256};

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
