//! The session cookie and its CSRF token.
//!
//! A session is 32 random bytes in the cookie [`COOKIE`]; the database keeps their SHA-256
//! (as for API tokens), the user, the expiry and a CSRF token. The cookie is `HttpOnly` (no
//! script reads it), `SameSite=Strict` (no other site's page sends it), `Path=/`, and `Secure`
//! when the request came over TLS (see [`super::SecureCookies`]).
//!
//! CSRF: every state-changing request made with the cookie carries the session's CSRF token,
//! as the `X-CSRF-Token` header (API calls) or a `csrf` form field (the pages' forms), checked
//! in [`super::principal`] before any handler runs. Sign-in forms, made before any session,
//! use a double-submit token instead: a random [`LOGIN_COOKIE`] whose value the form repeats.

use axum::http::{HeaderMap, HeaderValue, header};

use super::SecureCookies;

/// The session cookie's name.
pub const COOKIE: &str = "csva_session";
/// The sign-in form's double-submit cookie.
pub const LOGIN_COOKIE: &str = "csva_login";
/// The header API calls made with a session send the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field forms send the CSRF token in.
pub const CSRF_FIELD: &str = "csrf";

/// 32 random bytes, base64url: a session id, a CSRF token.
pub fn random_token() -> Result<String, String> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random bytes from the OS: {e}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// Whether the request came over TLS: `X-Forwarded-Proto: https` from the proxy in front.
pub fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value for `name=value` lasting `max_age_seconds` (0: deletes the cookie).
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_seconds: u64,
    secure: SecureCookies,
    request_headers: &HeaderMap,
) -> HeaderValue {
    let secure = match secure {
        SecureCookies::Always => true,
        SecureCookies::Never => false,
        SecureCookies::Auto => over_tls(request_headers),
    };
    let text = format!(
        "{name}={value}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    );
    // Names and values are base64url or fixed ASCII, always valid header text.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_and_written() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; csva_session=abc ; b=2"),
        );
        assert_eq!(cookie(&headers, COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "c"), None);
        let plain = set_cookie(COOKIE, "x", 60, SecureCookies::Auto, &headers);
        assert_eq!(
            plain,
            "csva_session=x; Path=/; Max-Age=60; HttpOnly; SameSite=Strict"
        );
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let secure = set_cookie(COOKIE, "x", 60, SecureCookies::Auto, &headers);
        assert!(secure.to_str().unwrap_or("").ends_with("; Secure"));
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
