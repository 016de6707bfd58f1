//! The audit trail (seed §11.2, §9.1): who did what, when, to what — sign-ins (successes and
//! failures), tokens, users, configuration changes (probes, maintenance windows, silences),
//! alert acknowledgements, incidents, roles and corrective actions.
//!
//! Rows are append-only and hash-chained ([`chain`]): `csv-analyzer audit verify` recomputes
//! the chain and names the first row that was changed, removed or reordered. The chain cannot
//! show that the *last* rows were cut off; `audit verify` prints the head (id and hash) so it
//! can be compared with a copy kept elsewhere.
//!
//! Actions are dotted names, the first part being the kind of thing acted on
//! (`login.failure`, `token.create`, `incident.transition`); [`actions`] lists them.

pub mod chain;

use serde_json::Value;

use crate::storage::{StorageError, Store};

/// The action names written to the trail.
pub mod actions {
    pub const LOGIN_SUCCESS: &str = "login.success";
    pub const LOGIN_FAILURE: &str = "login.failure";
    pub const LOGOUT: &str = "logout";
    pub const USER_CREATE: &str = "user.create";
    pub const USER_ROLE: &str = "user.role";
    pub const USER_PASSWORD: &str = "user.password";
    pub const USER_DISABLE: &str = "user.disable";
    pub const TOKEN_CREATE: &str = "token.create";
    pub const TOKEN_REVOKE: &str = "token.revoke";
    pub const PROBE_CREATE: &str = "probe.create";
    pub const PROBE_REPLACE: &str = "probe.replace";
    pub const PROBE_DELETE: &str = "probe.delete";
    pub const MAINTENANCE_CREATE: &str = "maintenance.create";
    pub const MAINTENANCE_DELETE: &str = "maintenance.delete";
    pub const SILENCE_CREATE: &str = "silence.create";
    pub const SILENCE_EXPIRE: &str = "silence.expire";
    pub const ALERT_ACK: &str = "alert.acknowledge";
}

/// Appends one entry to the trail. `detail` is a JSON object of what else matters (never a
/// secret: no password, token or probe header value).
pub async fn record(
    store: &Store,
    actor: &str,
    action: &str,
    target: &str,
    detail: Value,
) -> Result<i64, StorageError> {
    let now = crate::probes::unix_now_ms();
    store
        .audit()
        .append(now, actor, action, target, &detail.to_string())
        .await
        .map(|row| row.id)
}

/// [`record`] for handlers: a failure to write the trail is logged and answered 503 (the
/// action itself is already done; the log line names it so it can be re-entered by hand).
pub async fn record_or_unavailable(
    store: &Store,
    actor: &str,
    action: &str,
    target: &str,
    detail: Value,
) -> Result<(), crate::http::ApiError> {
    record(store, actor, action, target, detail)
        .await
        .map(drop)
        .map_err(|error| {
            tracing::error!(%error, actor, action, target, "writing the audit trail failed");
            crate::http::ApiError::Unavailable {
                reason: "the action was done but the audit trail could not be written".to_string(),
            }
        })
}
