//! Corrective actions (seed §4.2 and §4.3), with no I/O: concrete tasks from a post-mortem,
//! each with an owner and a due date, followed across every incident until done.
//!
//! - **Validation**: a title of 1 to [`MAX_ACTION_TITLE_CHARS`] characters, an owner of 1 to
//!   [`MAX_OWNER_CHARS`], a due date that is a real `YYYY-MM-DD` day.
//! - **Statuses**: open → in_progress → done, or cancelled. Any move is allowed between open
//!   and in_progress, and from either to done or cancelled; a **finished** action (done or
//!   cancelled) can only be **reopened** (back to open), so that closing one by mistake is
//!   undone in the open, and a cancelled action is never silently marked done.
//! - **Overdue**: an open or in-progress action whose due date is before today. Lists show the
//!   overdue actions first ([`listing_order`]).
//!
//! The storage is [`crate::storage::postmortems`] (`Store::postmortems()`).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::checked_text;
use super::postmortem::PostmortemError;

/// Longest action title, in characters.
pub const MAX_ACTION_TITLE_CHARS: usize = 200;
/// Longest owner name, in characters.
pub const MAX_OWNER_CHARS: usize = 64;
/// Longest ticket key (`OPS-123`, a URL), in characters.
pub const MAX_TICKET_REF_CHARS: usize = 200;

/// Where a corrective action is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Open,
    InProgress,
    Done,
    Cancelled,
}

/// Every status.
pub const ALL_ACTION_STATUSES: [ActionStatus; 4] = [
    ActionStatus::Open,
    ActionStatus::InProgress,
    ActionStatus::Done,
    ActionStatus::Cancelled,
];

impl ActionStatus {
    /// `open`, `in_progress`, `done` or `cancelled`, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }

    /// Done or cancelled: nothing left to do.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Done | Self::Cancelled)
    }

    /// Whether an action may go from `self` to `to`: any move, except that a finished action
    /// can only go back to open. Staying where it is is allowed (nothing changes).
    pub fn can_move_to(self, to: ActionStatus) -> bool {
        self == to || !self.is_finished() || to == ActionStatus::Open
    }
}

impl fmt::Display for ActionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name that is not one of the four.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action status `{0}`: expected open, in_progress, done or cancelled")]
pub struct UnknownActionStatus(pub String);

impl FromStr for ActionStatus {
    type Err = UnknownActionStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ALL_ACTION_STATUSES
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownActionStatus(text.to_string()))
    }
}

/// One corrective action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectiveAction {
    pub id: i64,
    pub incident_id: i64,
    pub title: String,
    /// Who does it.
    pub owner: String,
    pub due_date: NaiveDate,
    pub status: ActionStatus,
    /// The ticketing system's key, once a ticket exists.
    pub ticket_ref: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub created_by: String,
}

impl CorrectiveAction {
    /// Open or in progress, and due before `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        is_overdue(self.status, self.due_date, today)
    }
}

/// Open or in progress, and due before `today`.
pub fn is_overdue(status: ActionStatus, due_date: NaiveDate, today: NaiveDate) -> bool {
    !status.is_finished() && due_date < today
}

/// A corrective action to add, as typed (checked by [`NewAction::checked`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAction {
    pub title: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
}

/// A new action's checked values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAction {
    pub title: String,
    pub owner: String,
    pub due_date: NaiveDate,
}

impl NewAction {
    /// The title, owner and due date checked.
    pub fn checked(&self) -> Result<CheckedAction, PostmortemError> {
        Ok(CheckedAction {
            title: checked_title(&self.title)?,
            owner: checked_owner(&self.owner)?,
            due_date: parse_due_date(&self.due_date)?,
        })
    }
}

/// A change to a corrective action: the fields given replace the stored ones. The ticket key
/// is set with its own call (`set_ticket_ref`), by the ticketing integration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionChange {
    pub title: Option<String>,
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    pub status: Option<ActionStatus>,
}

/// Which actions a listing returns (every condition given must hold).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionFilter {
    pub status: Option<ActionStatus>,
    /// Exact owner name.
    pub owner: Option<String>,
    /// Only the overdue ones (open or in progress, due before today).
    pub overdue_only: bool,
}

/// An action in the listing across incidents, with its incident and whether it is overdue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedAction {
    pub action: CorrectiveAction,
    pub incident_title: String,
    pub overdue: bool,
}

/// The order of the listing: overdue first, then by due date, then by id.
pub fn listing_order(a: &ListedAction, b: &ListedAction) -> Ordering {
    b.overdue
        .cmp(&a.overdue)
        .then_with(|| a.action.due_date.cmp(&b.action.due_date))
        .then_with(|| a.action.id.cmp(&b.action.id))
}

/// A title of 1 to [`MAX_ACTION_TITLE_CHARS`] characters.
pub fn checked_title(title: &str) -> Result<String, PostmortemError> {
    Ok(checked_text("title", title, MAX_ACTION_TITLE_CHARS, false)?)
}

/// An owner of 1 to [`MAX_OWNER_CHARS`] characters.
pub fn checked_owner(owner: &str) -> Result<String, PostmortemError> {
    Ok(checked_text("owner", owner, MAX_OWNER_CHARS, false)?)
}

/// A ticket key of 1 to [`MAX_TICKET_REF_CHARS`] characters.
pub fn checked_ticket_ref(ticket_ref: &str) -> Result<String, PostmortemError> {
    Ok(checked_text(
        "ticket_ref",
        ticket_ref,
        MAX_TICKET_REF_CHARS,
        false,
    )?)
}

/// A due date written `YYYY-MM-DD` that is a real day (`2027-02-30` is refused).
pub fn parse_due_date(text: &str) -> Result<NaiveDate, PostmortemError> {
    let text = text.trim();
    let invalid = |reason: String| PostmortemError::Invalid {
        field: "due_date",
        reason,
    };
    let shaped = text.len() == 10
        && text.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        });
    if !shaped {
        return Err(invalid(format!(
            "`{text}` is not written YYYY-MM-DD (for example 2027-02-01)"
        )));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| invalid(format!("`{text}` is not a day of the calendar")))
}

/// Refuses moving action `id` from `from` to `to` when the status rules forbid it.
pub fn check_move(id: i64, from: ActionStatus, to: ActionStatus) -> Result<(), PostmortemError> {
    if from.can_move_to(to) {
        Ok(())
    } else {
        Err(PostmortemError::ActionFinished { id, from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn statuses_parse_and_print() {
        assert_eq!("in_progress".parse(), Ok(ActionStatus::InProgress));
        assert_eq!(" DONE ".parse(), Ok(ActionStatus::Done));
        assert!("closed".parse::<ActionStatus>().is_err());
        assert_eq!(ActionStatus::Cancelled.to_string(), "cancelled");
        assert_eq!(
            serde_json::to_string(&ActionStatus::InProgress).expect("json"),
            "\"in_progress\""
        );
    }

    #[test]
    fn finished_actions_only_reopen() {
        use ActionStatus::*;
        for from in ALL_ACTION_STATUSES {
            for to in ALL_ACTION_STATUSES {
                let allowed = from.can_move_to(to);
                let expected = from == to || matches!(from, Open | InProgress) || to == Open;
                assert_eq!(allowed, expected, "{from} → {to}");
            }
        }
        let error = check_move(4, Done, InProgress).unwrap_err();
        assert!(error.is_conflict());
        assert_eq!(
            error.to_string(),
            "corrective action 4 is done; it can only be reopened (status open), not moved to in_progress"
        );
        assert!(check_move(4, Cancelled, Open).is_ok());
    }

    #[test]
    fn due_dates_must_be_real_days() {
        assert_eq!(parse_due_date(" 2027-02-01 ").unwrap(), day(2027, 2, 1));
        for bad in [
            "2027-02-30",
            "2027-2-1",
            "01/02/2027",
            "2027-02-01T00:00",
            "",
        ] {
            let error = parse_due_date(bad).unwrap_err();
            assert!(error.is_invalid(), "{bad}");
        }
        assert_eq!(
            parse_due_date("2027-02-30").unwrap_err().to_string(),
            "invalid due_date: `2027-02-30` is not a day of the calendar"
        );
    }

    #[test]
    fn new_actions_are_checked() {
        let new = NewAction {
            title: " Alert on disk usage ".to_string(),
            owner: "bob".to_string(),
            due_date: "2027-02-01".to_string(),
        };
        let checked = new.checked().unwrap();
        assert_eq!(checked.title, "Alert on disk usage");
        let long = NewAction {
            title: "x".repeat(201),
            ..new.clone()
        };
        assert!(
            long.checked()
                .unwrap_err()
                .to_string()
                .contains("at most 200")
        );
        let owner = NewAction {
            owner: "o".repeat(65),
            ..new.clone()
        };
        assert!(owner.checked().is_err());
        let empty = NewAction {
            title: " ".to_string(),
            ..new
        };
        assert!(empty.checked().is_err());
    }

    #[test]
    fn overdue_first_then_due_date_then_id() {
        let today = day(2027, 2, 10);
        let listed = |id: i64, due: NaiveDate, status: ActionStatus| {
            let action = CorrectiveAction {
                id,
                incident_id: 1,
                title: format!("a{id}"),
                owner: "bob".to_string(),
                due_date: due,
                status,
                ticket_ref: None,
                created_ms: 0,
                updated_ms: 0,
                created_by: "alice".to_string(),
            };
            ListedAction {
                overdue: action.is_overdue(today),
                action,
                incident_title: "x".to_string(),
            }
        };
        let mut rows = [
            listed(1, day(2027, 2, 1), ActionStatus::Done),
            listed(2, day(2027, 2, 20), ActionStatus::Open),
            listed(3, day(2027, 2, 5), ActionStatus::InProgress),
            listed(4, day(2027, 2, 10), ActionStatus::Open),
            listed(5, day(2027, 2, 1), ActionStatus::Open),
            listed(6, day(2027, 2, 5), ActionStatus::Open),
        ];
        rows.sort_by(listing_order);
        let ids: Vec<i64> = rows.iter().map(|row| row.action.id).collect();
        assert_eq!(ids, [5, 3, 6, 1, 4, 2]);
        assert!(!rows[3].overdue, "a done action is never overdue");
        assert!(!rows[4].overdue, "due today is not overdue");
    }
}
