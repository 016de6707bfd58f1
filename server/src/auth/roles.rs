//! The four roles, each allowed what the ones below it are (see docs/access.md for the table of
//! routes):
//!
//! - **viewer**: reads the internal pages and APIs (incidents, actions, alerts when
//!   `public_read = false`);
//! - **responder**: works alerts and incidents: acknowledges, notes, moves states, ticks playbook
//!   steps, silences, maintenance windows, probes;
//! - **commander**: leads incidents: assigns roles, publishes public status updates, closes
//!   incidents, writes post-mortems and corrective actions;
//! - **admin**: people and access: users, API tokens, the audit trail.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
#[schema(as = AccessRole)]
pub enum Role {
    Viewer,
    Responder,
    Commander,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Responder, Role::Commander, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Responder => "responder",
            Role::Commander => "commander",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                format!("unknown role {text:?}: expected viewer, responder, commander or admin")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_parsed() {
        assert!(Role::Admin.allows(Role::Commander));
        assert!(Role::Responder.allows(Role::Viewer));
        assert!(!Role::Viewer.allows(Role::Responder));
        assert_eq!("Commander".parse::<Role>(), Ok(Role::Commander));
        assert!("root".parse::<Role>().is_err());
    }
}
