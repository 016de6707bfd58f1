//! Post-mortems (seed §4, issue 9), with no I/O: which incidents get a draft when they are
//! resolved, the template (summary, impact, timeline, "5 whys" root cause, corrective
//! actions), the timeline events a post-mortem writes, and the Markdown export.
//!
//! - **Blameless**: a post-mortem is about what happened and why, to learn from it (§4.1).
//! - **A draft on resolution**: when an incident whose severity is in
//!   [`PostmortemSettings::severities`] (SEV1 and SEV2 by default) is resolved, a draft is
//!   created once, with the summary and the impact prefilled from the incident
//!   ([`draft_summary`], [`draft_impact`]).
//! - **The timeline is not copied**: it is the incident's timeline, read when the post-mortem
//!   is shown or exported, so it stays complete.
//! - **The root cause by "5 whys"**: up to [`MAX_WHYS`] why/answer pairs in order; the last
//!   answer is the root cause.
//! - **Corrective actions** are in [`super::actions`].
//!
//! The storage is [`crate::storage::postmortems`] (`Store::postmortems()`).

use std::fmt;
use std::str::FromStr;

use chrono::DateTime;
use serde::{Deserialize, Serialize};

use super::actions::CorrectiveAction;
use super::severity::Severity;
use super::{IncidentError, MAX_TEXT_CHARS, checked_text};
use crate::storage::StorageError;
use crate::storage::incidents::{Incident, RoleAssignment, TimelineEvent};

/// The `[incidents.postmortem]` settings.
///
/// ```toml
/// [incidents.postmortem]
/// severities = ["SEV1", "SEV2"]   # resolving an incident of these severities drafts its post-mortem
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostmortemSettings {
    /// The severities whose incidents get a post-mortem draft when they are resolved (default
    /// SEV1 and SEV2: the incidents with a significant impact on users, seed §4.2). People can
    /// still write one for any incident.
    pub severities: Vec<Severity>,
}

impl Default for PostmortemSettings {
    fn default() -> Self {
        PostmortemSettings {
            severities: vec![Severity::Sev1, Severity::Sev2],
        }
    }
}

/// Whether resolving an incident of `severity` drafts its post-mortem.
pub fn drafts_for(severity: Severity, settings: &PostmortemSettings) -> bool {
    settings.severities.contains(&severity)
}

/// At most this many why/answer pairs.
pub const MAX_WHYS: usize = 5;
/// Longest question or answer of the 5 whys, in characters.
pub const MAX_WHY_CHARS: usize = 2_000;
/// Who writes the drafts created on resolution.
pub const DRAFT_AUTHOR: &str = "incidents";

/// `{author}`: the post-mortem draft was created.
pub const POSTMORTEM_DRAFTED: &str = "postmortem_drafted";
/// `{fields}`: the summary, impact or whys changed (`fields` names which).
pub const POSTMORTEM_UPDATED: &str = "postmortem_updated";
/// `{}`: the post-mortem was published.
pub const POSTMORTEM_PUBLISHED: &str = "postmortem_published";
/// `{action_id, title, owner, due_date}`: a corrective action was added.
pub const ACTION_ADDED: &str = "action_added";
/// `{action_id, title, fields, from_status?, to_status?, ticket_ref?}`: a corrective action
/// changed (`fields` names what).
pub const ACTION_UPDATED: &str = "action_updated";

/// Whether a post-mortem is still being written or was published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PostmortemStatus {
    Draft,
    Published,
}

impl PostmortemStatus {
    /// `draft` or `published`, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
        }
    }
}

impl fmt::Display for PostmortemStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PostmortemStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "draft" => Ok(Self::Draft),
            "published" => Ok(Self::Published),
            _ => Err(format!(
                "unknown post-mortem status `{text}`: expected draft or published"
            )),
        }
    }
}

/// One step of the "5 whys": a question and its answer. Stored as a JSON array of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Why {
    pub why: String,
    pub answer: String,
}

/// An incident's post-mortem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postmortem {
    pub incident_id: i64,
    /// What happened, and its impact in a sentence.
    pub summary: String,
    /// Who and what was affected, from when to when.
    pub impact: String,
    /// The "5 whys", in order; the last answer is the root cause.
    pub whys: Vec<Why>,
    pub status: PostmortemStatus,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// The first publication, Unix ms.
    pub published_ms: Option<i64>,
    /// Who created it ([`DRAFT_AUTHOR`] for the drafts created on resolution).
    pub author: String,
}

impl Postmortem {
    /// The root cause: the last answer of the 5 whys, once there is one.
    pub fn root_cause(&self) -> Option<&str> {
        self.whys.last().map(|why| why.answer.as_str())
    }
}

/// A change to a post-mortem: the fields given replace the stored ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostmortemChange {
    pub summary: Option<String>,
    pub impact: Option<String>,
    /// The whole list (at most [`MAX_WHYS`]), in order.
    pub whys: Option<Vec<Why>>,
}

/// What can go wrong with a post-mortem or a corrective action, in words a user can act on.
/// The HTTP layer maps [`PostmortemError::is_not_found`] to 404, [`PostmortemError::is_conflict`]
/// to 409, [`PostmortemError::is_invalid`] to 400, and the rest (storage, corrupt rows) to 5xx.
#[derive(Debug, thiserror::Error)]
pub enum PostmortemError {
    #[error("there is no incident {id}")]
    IncidentNotFound { id: i64 },
    #[error("incident {incident_id} has no post-mortem yet (create its draft first)")]
    NoPostmortem { incident_id: i64 },
    #[error("there is no corrective action {id}")]
    ActionNotFound { id: i64 },
    #[error("incident {incident_id} already has a post-mortem (edit it instead)")]
    AlreadyExists { incident_id: i64 },
    #[error("the post-mortem of incident {incident_id} is already published")]
    AlreadyPublished { incident_id: i64 },
    #[error(
        "incident {incident_id} is still {state}; resolve it before publishing its post-mortem"
    )]
    IncidentOpen {
        incident_id: i64,
        state: super::State,
    },
    #[error(
        "the post-mortem of incident {incident_id} has no root cause yet; add at least one why and its answer before publishing"
    )]
    NoRootCause { incident_id: i64 },
    #[error(
        "corrective action {id} is {from}; it can only be reopened (status open), not moved to {to}"
    )]
    ActionFinished {
        id: i64,
        from: super::actions::ActionStatus,
        to: super::actions::ActionStatus,
    },
    /// A value refused before anything is written.
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// A stored value that does not parse (a bug or a hand-edited database).
    #[error("incident {incident_id} is stored with an unreadable {column}: {reason}")]
    Corrupt {
        incident_id: i64,
        column: &'static str,
        reason: String,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for PostmortemError {
    fn from(error: sqlx::Error) -> Self {
        PostmortemError::Storage(StorageError::Database(error))
    }
}

impl From<IncidentError> for PostmortemError {
    fn from(error: IncidentError) -> Self {
        match error {
            IncidentError::NotFound { id } => PostmortemError::IncidentNotFound { id },
            IncidentError::Invalid { field, reason } => PostmortemError::Invalid { field, reason },
            IncidentError::Storage(error) => PostmortemError::Storage(error),
            IncidentError::Corrupt { id, column, reason } => PostmortemError::Corrupt {
                incident_id: id,
                column,
                reason,
            },
            // The post-mortem code never asks for a lifecycle move or a role change.
            other => PostmortemError::Invalid {
                field: "incident",
                reason: other.to_string(),
            },
        }
    }
}

impl PostmortemError {
    /// The incident, the post-mortem or the action does not exist (HTTP 404).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Self::IncidentNotFound { .. } | Self::NoPostmortem { .. } | Self::ActionNotFound { .. }
        )
    }

    /// The request was fine but the current state forbids it (HTTP 409).
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            Self::AlreadyExists { .. }
                | Self::AlreadyPublished { .. }
                | Self::IncidentOpen { .. }
                | Self::NoRootCause { .. }
                | Self::ActionFinished { .. }
        )
    }

    /// A value was refused (HTTP 400).
    pub fn is_invalid(&self) -> bool {
        matches!(self, Self::Invalid { .. })
    }
}

/// A free text of the post-mortem (summary, impact): trimmed, at most [`MAX_TEXT_CHARS`]
/// characters, line breaks allowed; it may be empty while the draft is being written.
pub fn checked_body(field: &'static str, text: &str) -> Result<String, PostmortemError> {
    if text.trim().is_empty() {
        return Ok(String::new());
    }
    Ok(checked_text(field, text, MAX_TEXT_CHARS, true)?)
}

/// The 5 whys, each question and answer checked (not empty, at most [`MAX_WHY_CHARS`]
/// characters), at most [`MAX_WHYS`] of them.
pub fn checked_whys(whys: &[Why]) -> Result<Vec<Why>, PostmortemError> {
    if whys.len() > MAX_WHYS {
        return Err(PostmortemError::Invalid {
            field: "whys",
            reason: format!(
                "{} whys; at most {MAX_WHYS} are allowed (the last answer is the root cause)",
                whys.len()
            ),
        });
    }
    whys.iter()
        .map(|why| {
            Ok(Why {
                why: checked_text("why", &why.why, MAX_WHY_CHARS, true)?,
                answer: checked_text("answer", &why.answer, MAX_WHY_CHARS, true)?,
            })
        })
        .collect()
}

/// The summary a draft starts with: the severity, the title and the components.
pub fn draft_summary(incident: &Incident) -> String {
    let mut summary = format!("{} incident: {}.", incident.severity, incident.title);
    if !incident.components.is_empty() {
        summary.push_str(&format!(
            " Affected components: {}.",
            incident.components.join(", ")
        ));
    }
    summary
}

/// The impact a draft starts with: from detection to resolution, and how long that took.
pub fn draft_impact(incident: &Incident) -> String {
    let detected = utc(incident.lifecycle.detected_ms);
    match incident.lifecycle.resolved_ms {
        Some(resolved_ms) => format!(
            "Detected {detected}, resolved {} ({} later).",
            utc(resolved_ms),
            duration(resolved_ms - incident.lifecycle.detected_ms)
        ),
        None => format!("Detected {detected}, not resolved yet."),
    }
}

/// `2027-01-15 08:00:00 UTC` (the Unix ms themselves when out of chrono's range).
pub fn utc(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map_or_else(
        || format!("{ms} ms"),
        |time| time.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// A duration for people: `45s`, `5m 0s`, `1h 2m 3s`, `2d 0h 5m 0s` (negative durations, from
/// clocks set back, are 0s).
pub fn duration(ms: i64) -> String {
    let total = ms.max(0) / 1000;
    let (days, hours, minutes, seconds) = (
        total / 86_400,
        total % 86_400 / 3_600,
        total % 3_600 / 60,
        total % 60,
    );
    if days > 0 {
        format!("{days}d {hours}h {minutes}m {seconds}s")
    } else if hours > 0 {
        format!("{hours}h {minutes}m {seconds}s")
    } else if minutes > 0 {
        format!("{minutes}m {seconds}s")
    } else {
        format!("{seconds}s")
    }
}

/// One line for people for the post-mortem and corrective-action events, `None` for the other
/// kinds (see [`super::timeline::describe`]).
pub fn describe(kind: &str, detail: &serde_json::Value) -> Option<String> {
    let text = |key: &str| {
        detail
            .get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("?")
            .to_string()
    };
    let number = |key: &str| {
        detail
            .get(key)
            .and_then(serde_json::Value::as_i64)
            .map_or_else(|| "?".to_string(), |n| n.to_string())
    };
    let fields = || {
        detail
            .get("fields")
            .and_then(serde_json::Value::as_array)
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(serde_json::Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    Some(match kind {
        POSTMORTEM_DRAFTED => "post-mortem drafted".to_string(),
        POSTMORTEM_UPDATED => format!("post-mortem updated ({})", fields()),
        POSTMORTEM_PUBLISHED => "post-mortem published".to_string(),
        ACTION_ADDED => format!(
            "corrective action #{} added: {} (owner {}, due {})",
            number("action_id"),
            text("title"),
            text("owner"),
            text("due_date")
        ),
        ACTION_UPDATED => {
            let mut line = format!(
                "corrective action #{} updated ({})",
                number("action_id"),
                fields()
            );
            if detail.get("to_status").is_some() {
                line.push_str(&format!(
                    ": {} → {}",
                    text("from_status"),
                    text("to_status")
                ));
            }
            line
        }
        _ => return None,
    })
}

/// [`TimelineEvent::describe`], knowing the post-mortem kinds too.
pub fn describe_event(event: &TimelineEvent) -> String {
    describe(&event.kind, &event.detail).unwrap_or_else(|| event.describe())
}

/// User text on one Markdown line: trimmed, line breaks as `<br>`.
fn inline(text: &str) -> String {
    text.trim()
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "<br>")
}

/// User text in a Markdown table cell: on one line, with its pipes escaped.
fn cell(text: &str) -> String {
    inline(text).replace('|', "\\|")
}

/// The post-mortem as a Markdown document: the incident's figures (severity, components,
/// people, MTTA and MTTR), then Summary, Impact, Timeline (every event of `timeline`, in the
/// order given, with its UTC time and actor), Root cause (the 5 whys, numbered) and
/// Corrective actions (a table).
pub fn to_markdown(
    incident: &Incident,
    postmortem: &Postmortem,
    timeline: &[TimelineEvent],
    roles: &[RoleAssignment],
    actions: &[CorrectiveAction],
) -> String {
    let mut out = String::new();
    let mut line = |text: &str| {
        out.push_str(text);
        out.push('\n');
    };
    line(&format!(
        "# Post-mortem: incident {} — {}",
        incident.id,
        inline(&incident.title)
    ));
    line("");
    line(&format!("- Severity: {}", incident.severity));
    line(&format!("- State: {}", incident.state()));
    let components = if incident.components.is_empty() {
        "—".to_string()
    } else {
        inline(&incident.components.join(", "))
    };
    line(&format!("- Components: {components}"));
    let people: Vec<String> = roles
        .iter()
        .map(|role| {
            let past = if role.unassigned_ms.is_some() {
                ", until replaced"
            } else {
                ""
            };
            format!("{} ({}{past})", inline(&role.person), role.role)
        })
        .collect();
    let people = if people.is_empty() {
        "—".to_string()
    } else {
        people.join(", ")
    };
    line(&format!("- Responders: {people}"));
    line(&format!(
        "- Detected: {}",
        utc(incident.lifecycle.detected_ms)
    ));
    let figure = |ms: Option<i64>| ms.map_or_else(|| "—".to_string(), duration);
    line(&format!(
        "- Time to acknowledge (MTTA): {}",
        figure(incident.time_to_acknowledge_ms())
    ));
    line(&format!(
        "- Time to resolve (MTTR): {}",
        figure(incident.time_to_resolve_ms())
    ));
    let published = postmortem
        .published_ms
        .map(|ms| format!(", published {}", utc(ms)))
        .unwrap_or_default();
    line(&format!(
        "- Post-mortem: {} (by {}{published})",
        postmortem.status,
        inline(&postmortem.author)
    ));
    line("");
    line("## Summary");
    line("");
    line(placeholder(&postmortem.summary));
    line("");
    line("## Impact");
    line("");
    line(placeholder(&postmortem.impact));
    line("");
    line("## Timeline");
    line("");
    if timeline.is_empty() {
        line("_No events._");
    }
    for event in timeline {
        line(&format!(
            "- {} — {} — {}",
            utc(event.at_ms),
            inline(&event.actor),
            inline(&describe_event(event))
        ));
    }
    line("");
    line("## Root cause");
    line("");
    if postmortem.whys.is_empty() {
        line("_Not analysed yet._");
    }
    for (n, why) in postmortem.whys.iter().enumerate() {
        line(&format!(
            "{}. {} — {}",
            n + 1,
            inline(&why.why),
            inline(&why.answer)
        ));
    }
    if let Some(root_cause) = postmortem.root_cause() {
        line("");
        line(&format!("Root cause: {}", inline(root_cause)));
    }
    line("");
    line("## Corrective actions");
    line("");
    if actions.is_empty() {
        line("_None yet._");
    } else {
        line("| Title | Owner | Due | Status | Ticket |");
        line("|---|---|---|---|---|");
        for action in actions {
            line(&format!(
                "| {} | {} | {} | {} | {} |",
                cell(&action.title),
                cell(&action.owner),
                action.due_date.format("%Y-%m-%d"),
                action.status,
                action
                    .ticket_ref
                    .as_deref()
                    .map_or_else(|| "—".to_string(), cell)
            ));
        }
    }
    out
}

/// A free text as it stands in the document, or "_To be written._" when empty.
fn placeholder(text: &str) -> &str {
    if text.trim().is_empty() {
        "_To be written._"
    } else {
        text.trim()
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::json;

    use super::super::actions::ActionStatus;
    use super::super::lifecycle::{Lifecycle, State};
    use super::super::roles::Role;
    use super::*;
    use crate::storage::incidents::Acknowledgement;

    /// 2027-01-15T08:00:00Z.
    const T0: i64 = 1_800_000_000_000;
    const MINUTE: i64 = 60_000;

    fn incident() -> Incident {
        Incident {
            id: 7,
            title: "API down".to_string(),
            severity: Severity::Sev2,
            components: vec!["api".to_string(), "db".to_string()],
            playbook: None,
            created_by: "alerting".to_string(),
            lifecycle: Lifecycle {
                state: State::Closed,
                detected_ms: T0,
                notified_ms: None,
                triaged_ms: None,
                diagnosing_ms: None,
                resolved_ms: Some(T0 + 62 * MINUTE),
                closed_ms: Some(T0 + 90 * MINUTE),
                reopened_count: 0,
            },
            acknowledged: Some(Acknowledgement {
                by: "alice".to_string(),
                at_ms: T0 + 5 * MINUTE,
            }),
            updated_ms: T0 + 90 * MINUTE,
        }
    }

    fn event(
        id: i64,
        at_ms: i64,
        actor: &str,
        kind: &str,
        detail: serde_json::Value,
    ) -> TimelineEvent {
        TimelineEvent {
            id,
            incident_id: 7,
            at_ms,
            actor: actor.to_string(),
            kind: kind.to_string(),
            detail,
        }
    }

    #[test]
    fn settings_default_to_sev1_and_sev2() {
        let settings = PostmortemSettings::default();
        assert!(drafts_for(Severity::Sev1, &settings));
        assert!(drafts_for(Severity::Sev2, &settings));
        assert!(!drafts_for(Severity::Sev3, &settings));
        assert!(!drafts_for(Severity::Sev4, &settings));
        let settings: PostmortemSettings =
            toml::from_str("severities = [\"sev3\"]").expect("parses");
        assert!(drafts_for(Severity::Sev3, &settings));
        assert!(!drafts_for(Severity::Sev1, &settings));
        let empty: PostmortemSettings = toml::from_str("").expect("parses");
        assert_eq!(empty, PostmortemSettings::default());
        assert!(toml::from_str::<PostmortemSettings>("severity = []").is_err());
    }

    #[test]
    fn drafts_are_prefilled_from_the_incident() {
        let incident = incident();
        assert_eq!(
            draft_summary(&incident),
            "SEV2 incident: API down. Affected components: api, db."
        );
        assert_eq!(
            draft_impact(&incident),
            "Detected 2027-01-15 08:00:00 UTC, resolved 2027-01-15 09:02:00 UTC (1h 2m 0s later)."
        );
        let mut open = incident.clone();
        open.lifecycle.resolved_ms = None;
        open.components.clear();
        assert_eq!(draft_summary(&open), "SEV2 incident: API down.");
        assert_eq!(
            draft_impact(&open),
            "Detected 2027-01-15 08:00:00 UTC, not resolved yet."
        );
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(45_000), "45s");
        assert_eq!(duration(5 * MINUTE), "5m 0s");
        assert_eq!(duration(62 * MINUTE + 3_000), "1h 2m 3s");
        assert_eq!(duration(2 * 86_400_000 + 5 * MINUTE), "2d 0h 5m 0s");
        assert_eq!(duration(-5), "0s");
    }

    #[test]
    fn whys_are_checked() {
        let why = |q: &str, a: &str| Why {
            why: q.to_string(),
            answer: a.to_string(),
        };
        assert_eq!(
            checked_whys(&[why(" Why down? ", " disk full ")]).unwrap(),
            [why("Why down?", "disk full")]
        );
        let six = vec![why("q", "a"); 6];
        let error = checked_whys(&six).unwrap_err();
        assert!(error.is_invalid());
        assert!(error.to_string().contains("at most 5"), "{error}");
        assert!(checked_whys(&[why("q", " ")]).is_err());
        assert_eq!(checked_body("summary", "  ").unwrap(), "");
        assert!(checked_body("summary", "a\u{7}").is_err());
    }

    #[test]
    fn postmortem_events_are_described() {
        assert_eq!(
            describe(POSTMORTEM_UPDATED, &json!({"fields": ["summary", "whys"]})).as_deref(),
            Some("post-mortem updated (summary, whys)")
        );
        assert_eq!(
            describe(
                ACTION_UPDATED,
                &json!({"action_id": 3, "title": "x", "fields": ["status"], "from_status": "open", "to_status": "done"})
            )
            .as_deref(),
            Some("corrective action #3 updated (status): open → done")
        );
        assert_eq!(describe("note", &json!({"text": "x"})), None);
        let note = event(1, T0, "bob", "note", json!({"text": "x"}));
        assert_eq!(describe_event(&note), "x");
    }

    #[test]
    fn markdown_export_matches_the_template() {
        let incident = incident();
        let postmortem = Postmortem {
            incident_id: 7,
            summary: "The API answered 503 for an hour.".to_string(),
            impact: "All uploads failed.\nNo data was lost.".to_string(),
            whys: vec![
                Why {
                    why: "Why did the API fail?".to_string(),
                    answer: "The database refused connections.".to_string(),
                },
                Why {
                    why: "Why did it refuse them?".to_string(),
                    answer: "Its disk was full | no alert on disk usage.".to_string(),
                },
            ],
            status: PostmortemStatus::Published,
            created_ms: T0 + 62 * MINUTE,
            updated_ms: T0 + 120 * MINUTE,
            published_ms: Some(T0 + 120 * MINUTE),
            author: "incidents".to_string(),
        };
        let timeline = vec![
            event(1, T0, "alerting", "created", json!({"title": "API down"})),
            event(2, T0 + 5 * MINUTE, "alice", "acknowledged", json!({})),
            event(
                3,
                T0 + 10 * MINUTE,
                "alice",
                "note",
                json!({"text": "db full\ncleaning"}),
            ),
            event(
                4,
                T0 + 62 * MINUTE,
                "alice",
                "state_changed",
                json!({"from": "diagnosing", "to": "resolved"}),
            ),
            event(
                5,
                T0 + 62 * MINUTE,
                "incidents",
                POSTMORTEM_DRAFTED,
                json!({}),
            ),
        ];
        let roles = vec![RoleAssignment {
            id: 1,
            incident_id: 7,
            role: Role::OnCall,
            person: "alice".to_string(),
            assigned_ms: T0,
            assigned_by: "alice".to_string(),
            unassigned_ms: None,
        }];
        let actions = vec![
            CorrectiveAction {
                id: 1,
                incident_id: 7,
                title: "Alert on disk | usage".to_string(),
                owner: "bob".to_string(),
                due_date: NaiveDate::from_ymd_opt(2027, 2, 1).expect("date"),
                status: ActionStatus::InProgress,
                ticket_ref: Some("OPS-12".to_string()),
                created_ms: T0,
                updated_ms: T0,
                created_by: "alice".to_string(),
            },
            CorrectiveAction {
                id: 2,
                incident_id: 7,
                title: "Runbook\nfor full disks".to_string(),
                owner: "carol".to_string(),
                due_date: NaiveDate::from_ymd_opt(2027, 2, 15).expect("date"),
                status: ActionStatus::Open,
                ticket_ref: None,
                created_ms: T0,
                updated_ms: T0,
                created_by: "alice".to_string(),
            },
        ];
        let expected = "\
# Post-mortem: incident 7 — API down

- Severity: SEV2
- State: closed
- Components: api, db
- Responders: alice (on_call)
- Detected: 2027-01-15 08:00:00 UTC
- Time to acknowledge (MTTA): 5m 0s
- Time to resolve (MTTR): 1h 2m 0s
- Post-mortem: published (by incidents, published 2027-01-15 10:00:00 UTC)

## Summary

The API answered 503 for an hour.

## Impact

All uploads failed.
No data was lost.

## Timeline

- 2027-01-15 08:00:00 UTC — alerting — opened: API down
- 2027-01-15 08:05:00 UTC — alice — acknowledged
- 2027-01-15 08:10:00 UTC — alice — db full<br>cleaning
- 2027-01-15 09:02:00 UTC — alice — diagnosing → resolved
- 2027-01-15 09:02:00 UTC — incidents — post-mortem drafted

## Root cause

1. Why did the API fail? — The database refused connections.
2. Why did it refuse them? — Its disk was full | no alert on disk usage.

Root cause: Its disk was full | no alert on disk usage.

## Corrective actions

| Title | Owner | Due | Status | Ticket |
|---|---|---|---|---|
| Alert on disk \\| usage | bob | 2027-02-01 | in_progress | OPS-12 |
| Runbook<br>for full disks | carol | 2027-02-15 | open | — |
";
        assert_eq!(
            to_markdown(&incident, &postmortem, &timeline, &roles, &actions),
            expected
        );
    }
}
