//! The on-call engineers' server-rendered pages: sign-in, incidents, corrective actions, the
//! audit trail. Like `/status` and `/alerts`: no JavaScript, readable on a phone, every text
//! escaped ([`escape`]), one stylesheet at `/pages/pages.css` (the CSP allows styles from
//! `'self'` only), and every form posting the session's CSRF token.
//!
//! - [`layout`]: the page frame (navigation, who is signed in, the sign-out form).
//! - [`login`]: the sign-in form.
//! - [`incidents`]: the incident list and the incident page (with its post-mortem).
//! - [`actions`]: every incident's corrective actions, overdue first.
//! - [`audit`]: the audit trail with its filters.

pub mod actions;
pub mod audit;
pub mod incidents;
pub mod layout;
pub mod login;

pub use crate::status::page::escape;

/// The stylesheet of these pages.
pub const STYLESHEET: &str = include_str!("pages.css");

/// Milliseconds since the epoch as RFC 3339 (UTC, seconds).
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
