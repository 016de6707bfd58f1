//! Who works on an incident (seed §3.2): the on-call engineer, the incident commander and the
//! subject-matter experts (SMEs). An incident has at most one on-call engineer and one
//! commander at a time (assigning another replaces the previous one); it may have any number
//! of SMEs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A role on an incident.
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
#[serde(rename_all = "snake_case")]
#[schema(as = IncidentRole)]
pub enum Role {
    /// First contact for the alert; triages and takes the first actions.
    OnCall,
    /// Coordinates the response to a major incident and its communication.
    Commander,
    /// A subject-matter expert called in (developer, data scientist, database expert, …).
    Sme,
}

/// Every role.
pub const ALL_ROLES: [Role; 3] = [Role::OnCall, Role::Commander, Role::Sme];

impl Role {
    /// `on_call`, `commander` or `sme`, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnCall => "on_call",
            Self::Commander => "commander",
            Self::Sme => "sme",
        }
    }

    /// Whether one person at a time holds it (on-call, commander).
    pub fn is_single_holder(self) -> bool {
        !matches!(self, Self::Sme)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of the three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown incident role `{0}`: expected on_call, commander or sme")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ALL_ROLES
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownRole(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_and_only_smes_are_many() {
        assert_eq!("commander".parse::<Role>(), Ok(Role::Commander));
        assert_eq!("ON_CALL".parse::<Role>(), Ok(Role::OnCall));
        assert!(
            "boss"
                .parse::<Role>()
                .unwrap_err()
                .to_string()
                .contains("on_call, commander or sme")
        );
        assert!(Role::OnCall.is_single_holder());
        assert!(!Role::Sme.is_single_holder());
    }
}
