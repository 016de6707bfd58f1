//! Who may do what (docs/access.md).
//!
//! - [`roles`]: viewer < responder < commander < admin.
//! - [`passwords`]: argon2id hashes with OWASP's parameters.
//! - [`tokens`]: API tokens for probe agents and automation (`csv-analyzer token create`), stored
//!   hashed, each with a role.
//! - [`sessions`]: the session cookie (HttpOnly, SameSite=Strict, Secure behind TLS) and the
//!   CSRF token that goes with it.
//! - [`login_limit`]: failed sign-ins counted per name and per client network.
//! - [`principal`]: the middleware that turns a bearer token or a session cookie into a
//!   [`Principal`] (checking CSRF for state-changing requests made with a cookie), and the
//!   extractors handlers take to require a role: [`Viewer`], [`Responder`], [`Commander`],
//!   [`Admin`], and [`ReadAccess`] for the read-only APIs `public_read` opens.

pub mod login_limit;
pub mod passwords;
pub mod principal;
pub mod roles;
pub mod sessions;
pub mod tokens;

use serde::{Deserialize, Serialize};

pub use principal::{Admin, Commander, Principal, ReadAccess, Responder, Viewer};
pub use roles::Role;

/// `[auth]` of the configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Read-only `GET /api/alerts` (and its rules and history), `/api/probes` and the `/alerts`
    /// page without signing in. `false`: they need a viewer.
    pub public_read: bool,
    /// `/metrics` without credentials. `false`: a bearer token (any role) is needed, as
    /// Prometheus's `authorization` scrape setting sends.
    pub metrics_public: bool,
    /// Hours a session lasts at most from sign-in.
    pub session_hours: u64,
    /// Minutes a session lasts without being used.
    pub session_idle_minutes: u64,
    /// Failed sign-ins allowed per user name within `login_window_seconds` before further
    /// attempts for that name are refused (429) until the window has passed.
    pub login_failures_per_name: u32,
    /// The same per client network (/24 IPv4, /48 IPv6).
    pub login_failures_per_client: u32,
    /// The window of the two limits above.
    pub login_window_seconds: u64,
    /// `Secure` on the session cookie: `auto` (when the request came over TLS, as
    /// `X-Forwarded-Proto: https` from the proxy says), `always` or `never`.
    pub secure_cookies: SecureCookies,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecureCookies {
    Auto,
    Always,
    Never,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            public_read: true,
            metrics_public: true,
            session_hours: 12,
            session_idle_minutes: 120,
            login_failures_per_name: 5,
            login_failures_per_client: 20,
            login_window_seconds: 900,
            secure_cookies: SecureCookies::Auto,
        }
    }
}

impl AuthConfig {
    /// Checks the values; the error names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.session_hours == 0 || self.session_hours > 24 * 30 {
            return Err("session_hours is 1 to 720".to_string());
        }
        if self.session_idle_minutes == 0 {
            return Err("session_idle_minutes is at least 1".to_string());
        }
        if self.login_failures_per_name == 0 || self.login_failures_per_client == 0 {
            return Err(
                "login_failures_per_name and login_failures_per_client are at least 1".to_string(),
            );
        }
        if self.login_window_seconds == 0 {
            return Err("login_window_seconds is at least 1".to_string());
        }
        Ok(())
    }
}
