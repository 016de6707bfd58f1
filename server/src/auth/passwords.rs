//! Passwords: argon2id with OWASP's recommended parameters (Password Storage Cheat Sheet:
//! m = 19 MiB, t = 2, p = 1), stored as PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$…`), so the
//! parameters travel with each hash and can be raised later without breaking old ones.
//!
//! Hashing costs tens of milliseconds of one core on purpose: callers in async code run it on
//! the blocking pool ([`hash_blocking`], [`verify_blocking`]).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Memory cost in KiB (19 MiB).
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Passes over the memory.
pub const ITERATIONS: u32 = 2;
/// Lanes.
pub const PARALLELISM: u32 = 1;
/// Shortest password accepted.
pub const MIN_LEN: usize = 12;
/// Longest password accepted (argon2 takes more, but a bound keeps requests cheap to refuse).
pub const MAX_LEN: usize = 256;

fn hasher() -> Argon2<'static> {
    // The constants are valid argon2 parameters (checked by a test), so this never falls back.
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Whether `password` is acceptable: 12 to 256 characters.
pub fn check_strength(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err(format!(
            "a password has at least {MIN_LEN} characters, this one has {chars}"
        ));
    }
    if chars > MAX_LEN {
        return Err(format!("a password has at most {MAX_LEN} characters"));
    }
    Ok(())
}

/// The PHC string of `password` with a fresh random salt.
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| format!("hashing the password failed: {error}"))
}

/// Whether `password` matches `phc` (a stored hash). A malformed stored hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    password.len() <= MAX_LEN * 4
        && hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
}

/// A hash of nothing anyone knows, verified against when the user does not exist, so that an
/// unknown name costs as much time as a wrong password (no user enumeration by timing).
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password nobody has").unwrap_or_default())
}

/// [`hash`] on the blocking pool.
pub async fn hash_blocking(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|error| format!("hashing the password failed: {error}"))?
}

/// [`verify`] on the blocking pool; `None` checks against [`decoy_hash`] and returns false.
pub async fn verify_blocking(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify(&password, &phc),
        None => {
            let _ = verify(&password, decoy_hash());
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        assert!(Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).is_ok());
        let phc = hash("correct horse battery staple").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery staple", &phc));
        assert!(!verify("correct horse battery stapl", &phc));
        assert!(!verify("anything", "not a phc string"));
        let again = hash("correct horse battery staple").expect("hash");
        assert_ne!(phc, again, "each hash has its own salt");
    }

    #[test]
    fn strength_is_checked() {
        assert!(check_strength("short").is_err());
        assert!(check_strength("twelve chars").is_ok());
        assert!(check_strength(&"x".repeat(257)).is_err());
    }
}
