//! How bad an incident is: SEV1 (the worst) to SEV4, and the one table that turns an alert's
//! `severity` label into an incident's severity.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An incident's severity, SEV1 (the whole service down, or data at risk) to SEV4 (minor).
/// Written `"SEV1"` … `"SEV4"`; read without regard to case (`sev2` is SEV2).
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
#[schema(as = IncidentSeverity)]
pub enum Severity {
    #[serde(rename = "SEV1", alias = "sev1")]
    Sev1,
    #[serde(rename = "SEV2", alias = "sev2")]
    Sev2,
    #[serde(rename = "SEV3", alias = "sev3")]
    Sev3,
    #[serde(rename = "SEV4", alias = "sev4")]
    Sev4,
}

/// Every severity, the worst first.
pub const ALL_SEVERITIES: [Severity; 4] = [
    Severity::Sev1,
    Severity::Sev2,
    Severity::Sev3,
    Severity::Sev4,
];

/// An alert `severity` label → the severity of the incident it opens. Labels not listed here
/// (and alerts without the label) open a [`Severity::Sev4`] incident. SEV1 is never chosen by
/// a machine: people raise an incident to SEV1 when they see the whole picture.
pub const ALERT_SEVERITY_MAPPING: [(&str, Severity); 3] = [
    ("critical", Severity::Sev2),
    ("warning", Severity::Sev3),
    ("info", Severity::Sev4),
];

/// The incident severity for an alert's `severity` label (see [`ALERT_SEVERITY_MAPPING`]); the
/// label is compared without regard to case.
pub fn severity_of_alert(label: Option<&str>) -> Severity {
    label
        .and_then(|label| {
            ALERT_SEVERITY_MAPPING
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(label.trim()))
                .map(|(_, severity)| *severity)
        })
        .unwrap_or(Severity::Sev4)
}

impl Severity {
    /// `"SEV1"` … `"SEV4"`, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sev1 => "SEV1",
            Self::Sev2 => "SEV2",
            Self::Sev3 => "SEV3",
            Self::Sev4 => "SEV4",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity that is not one of SEV1 … SEV4.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity `{0}`: expected SEV1, SEV2, SEV3 or SEV4 (SEV1 is the most severe)")]
pub struct UnknownSeverity(pub String);

impl FromStr for Severity {
    type Err = UnknownSeverity;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ALL_SEVERITIES
            .into_iter()
            .find(|severity| severity.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownSeverity(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_parse_without_regard_to_case_and_print_upper_case() {
        assert_eq!("sev2".parse::<Severity>(), Ok(Severity::Sev2));
        assert_eq!(" SEV1 ".parse::<Severity>(), Ok(Severity::Sev1));
        assert_eq!(Severity::Sev3.to_string(), "SEV3");
        let error = "SEV5".parse::<Severity>().unwrap_err();
        assert!(
            error
                .to_string()
                .contains("expected SEV1, SEV2, SEV3 or SEV4")
        );
        assert_eq!(serde_json::to_string(&Severity::Sev4).unwrap(), "\"SEV4\"");
        assert_eq!(
            serde_json::from_str::<Severity>("\"sev2\"").unwrap(),
            Severity::Sev2
        );
    }

    #[test]
    fn alert_severities_map_through_the_table() {
        assert_eq!(severity_of_alert(Some("critical")), Severity::Sev2);
        assert_eq!(severity_of_alert(Some("Warning")), Severity::Sev3);
        assert_eq!(severity_of_alert(Some("info")), Severity::Sev4);
        assert_eq!(severity_of_alert(Some("page")), Severity::Sev4);
        assert_eq!(severity_of_alert(None), Severity::Sev4);
    }
}
