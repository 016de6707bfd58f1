//! Who is on call (seed §3.2, the on-call engineer): a weekly rotation in a time zone, with
//! overrides (docs/incidents.md, "On call, escalation, ticketing").
//!
//! - [`RotationSettings`]: the `[incidents.oncall]` table, checked by
//!   [`RotationSettings::validate`] (or [`RotationSettings::compile`]) at start-up.
//! - [`on_call_at`]: who is on call at an instant, a pure function of the settings, the
//!   overrides and the instant. Handoffs happen at a local time of day (`handoff_time` on
//!   `handoff_day`), so they stay at 09:00 local across DST changes: the week that contains a
//!   change is 167 h or 169 h long.
//! - [`next_in_line`]: who comes after someone in the rotation (escalation level 1).
//!
//! Overrides are stored by [`crate::storage::oncall`]; the latest-created override that covers
//! an instant wins over the rotation and over older overrides.

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Weekday,
};
use chrono_tz::Tz;
use serde::Deserialize;

/// The `[incidents.oncall]` settings.
///
/// ```toml
/// [incidents.oncall]
/// time_zone = "Europe/Paris"     # IANA name; handoffs happen at this zone's local time
/// handoff_day = "monday"
/// handoff_time = "09:00"
/// people = ["alice", "bob", "carol"]   # rotation order, one week each
/// start_date = "2027-01-04"      # local date of alice's first handoff (a handoff_day)
/// commander = "dana"             # escalation level 2
/// escalate_after_minutes = 15    # unacknowledged for this long: level 1; twice as long: level 2
/// channel = "oncall-slack"       # an [[alerting.channels]] name escalations are sent to
///
/// [incidents.oncall.contacts]      # a person's own channel: escalations to them go there too
/// bob = "bob-email"               # an [[alerting.channels]] name (an email to bob, a pager)
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RotationSettings {
    /// IANA time zone name (default `UTC`).
    pub time_zone: String,
    /// The weekday of the handoff, in English (`monday`, `mon`, any case; default monday).
    pub handoff_day: String,
    /// The local time of the handoff, `HH:MM` (default `09:00`).
    pub handoff_time: String,
    /// The people, in rotation order, one week each (empty: no rotation).
    pub people: Vec<String>,
    /// `YYYY-MM-DD`: the local date of the first handoff (to `people[0]`); must be a
    /// `handoff_day`. Required when `people` is set.
    pub start_date: Option<String>,
    /// The incident commander escalations reach at level 2.
    pub commander: Option<String>,
    /// Minutes an incident may stay unacknowledged before it escalates (default 15).
    pub escalate_after_minutes: u64,
    /// The name of an `[[alerting.channels]]` channel escalations are sent to (none: they are
    /// only recorded on the timeline).
    pub channel: Option<String>,
    /// Person → the name of an `[[alerting.channels]]` channel that reaches them: an escalation
    /// to that person is also sent there.
    pub contacts: BTreeMap<String, String>,
}

impl Default for RotationSettings {
    fn default() -> Self {
        RotationSettings {
            time_zone: "UTC".to_string(),
            handoff_day: "monday".to_string(),
            handoff_time: "09:00".to_string(),
            people: Vec::new(),
            start_date: None,
            commander: None,
            escalate_after_minutes: 15,
            channel: None,
            contacts: BTreeMap::new(),
        }
    }
}

/// A checked rotation (see [`RotationSettings::compile`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Rotation {
    pub zone: Tz,
    pub handoff_day: Weekday,
    pub handoff_time: NaiveTime,
    pub people: Vec<String>,
    /// The local date of the first handoff; `None` when there is no rotation (no people).
    pub start_date: Option<NaiveDate>,
}

/// An override: `person` is on call in `[starts_ms, ends_ms)`, whatever the rotation says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub id: i64,
    pub person: String,
    pub starts_ms: i64,
    pub ends_ms: i64,
    pub created_by: String,
    pub created_ms: i64,
    pub reason: Option<String>,
}

/// Who is on call at an instant, and the bounds of their shift (the rotation's week, or the
/// override's interval).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnCall {
    pub person: String,
    pub from_ms: i64,
    pub until_ms: i64,
    /// Whether an override put them there.
    pub overridden: bool,
}

/// Longest person name, in characters (as incident roles).
const MAX_PERSON_CHARS: usize = super::MAX_NAME_CHARS;

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

fn parse_weekday(text: &str) -> Result<Weekday, String> {
    text.trim().parse::<Weekday>().map_err(|_| {
        format!("`incidents.oncall.handoff_day`: `{text}` is not a weekday (use monday … sunday)")
    })
}

fn parse_time(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
        format!(
            "`incidents.oncall.handoff_time`: `{text}` is not a time of day as HH:MM (e.g. 09:00)"
        )
    })
}

/// Checks a person's name (trimmed, not empty, no control characters, at most 100 characters).
pub fn checked_person(field: &str, name: &str) -> Result<String, String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(format!("`{field}`: a name must not be empty"));
    }
    if trimmed.chars().count() > MAX_PERSON_CHARS {
        return Err(format!(
            "`{field}`: `{trimmed}` is longer than {MAX_PERSON_CHARS} characters"
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(format!(
            "`{field}`: a name must not contain control characters"
        ));
    }
    Ok(trimmed.to_string())
}

impl RotationSettings {
    /// Checks the settings; the message names the key and says what to write instead.
    pub fn validate(&self) -> Result<(), String> {
        self.compile().map(drop)
    }

    /// The checked rotation.
    pub fn compile(&self) -> Result<Rotation, String> {
        let zone: Tz = self.time_zone.trim().parse().map_err(|_| {
            format!(
                "`incidents.oncall.time_zone`: `{}` is not an IANA time zone name (e.g. UTC, \
                 Europe/Paris, America/New_York)",
                self.time_zone
            )
        })?;
        let handoff_day = parse_weekday(&self.handoff_day)?;
        let handoff_time = parse_time(&self.handoff_time)?;
        let mut people = Vec::with_capacity(self.people.len());
        for name in &self.people {
            let name = checked_person("incidents.oncall.people", name)?;
            if people.contains(&name) {
                return Err(format!(
                    "`incidents.oncall.people`: `{name}` is listed twice (each person once, in \
                     rotation order)"
                ));
            }
            people.push(name);
        }
        if let Some(commander) = &self.commander {
            checked_person("incidents.oncall.commander", commander)?;
        }
        if let Some(channel) = &self.channel
            && channel.trim().is_empty()
        {
            return Err("`incidents.oncall.channel`: must name a channel, or be left out".into());
        }
        for (person, channel) in &self.contacts {
            checked_person("incidents.oncall.contacts", person)?;
            if channel.trim().is_empty() {
                return Err(format!(
                    "`incidents.oncall.contacts.{person}`: must name an [[alerting.channels]] channel"
                ));
            }
        }
        if self.escalate_after_minutes == 0 || self.escalate_after_minutes > 24 * 60 {
            return Err(format!(
                "`incidents.oncall.escalate_after_minutes`: {} is out of range (1 to 1440)",
                self.escalate_after_minutes
            ));
        }
        let start_date = match (&self.start_date, people.is_empty()) {
            (None, true) => None,
            (None, false) => {
                return Err(
                    "`incidents.oncall.start_date`: required when `people` is set (the \
                            local date of the first handoff, YYYY-MM-DD)"
                        .into(),
                );
            }
            (Some(_), true) => {
                return Err(
                    "`incidents.oncall.people`: empty, but `start_date` is set (list \
                            the people in rotation order, or remove start_date)"
                        .into(),
                );
            }
            (Some(text), false) => {
                let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
                    format!("`incidents.oncall.start_date`: `{text}` is not a date as YYYY-MM-DD")
                })?;
                if date.weekday() != handoff_day {
                    let back = (7 + date.weekday().num_days_from_monday()
                        - handoff_day.num_days_from_monday())
                        % 7;
                    let before = date - Duration::days(i64::from(back));
                    let after = before + Duration::days(7);
                    return Err(format!(
                        "`incidents.oncall.start_date`: {date} is a {}, not the handoff day \
                         ({}); use {before} or {after}",
                        weekday_name(date.weekday()),
                        weekday_name(handoff_day)
                    ));
                }
                Some(date)
            }
        };
        Ok(Rotation {
            zone,
            handoff_day,
            handoff_time,
            people,
            start_date,
        })
    }

    /// How long an incident may stay unacknowledged before escalation level 1, ms.
    pub fn escalate_after_ms(&self) -> i64 {
        i64::try_from(self.escalate_after_minutes)
            .unwrap_or(i64::MAX / 120_000)
            .saturating_mul(60_000)
    }
}

/// The instant of `local` in `zone`: the earlier one when the clock goes back (the hour is
/// repeated), the first instant after the gap when it goes forward (the hour does not exist).
fn instant_of(zone: Tz, local: NaiveDateTime) -> i64 {
    let mut candidate = local;
    // A gap is at most a few hours; look minute by minute past it.
    for _ in 0..(24 * 60) {
        match zone.from_local_datetime(&candidate) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => {
                return at.timestamp_millis();
            }
            LocalResult::None => candidate += Duration::minutes(1),
        }
    }
    local.and_utc().timestamp_millis()
}

impl Rotation {
    /// The instant of handoff number `week` (0: the first, to `people[0]`).
    fn handoff_ms(&self, start: NaiveDate, week: i64) -> i64 {
        let date = start + Duration::days(7 * week);
        instant_of(self.zone, date.and_time(self.handoff_time))
    }

    /// Who the rotation alone (no overrides) puts on call at `at_ms`; `None` before the first
    /// handoff or without people.
    pub fn scheduled_at(&self, at_ms: i64) -> Option<OnCall> {
        let start = self.start_date?;
        if self.people.is_empty() {
            return None;
        }
        let local = DateTime::from_timestamp_millis(at_ms)?
            .with_timezone(&self.zone)
            .date_naive();
        let mut week = (local - start).num_days().div_euclid(7);
        // The local date's week, corrected when the instant is before that week's handoff
        // (e.g. Monday 08:00 belongs to the previous week).
        if at_ms < self.handoff_ms(start, week) {
            week -= 1;
        } else if at_ms >= self.handoff_ms(start, week + 1) {
            week += 1;
        }
        if week < 0 {
            return None;
        }
        let count = i64::try_from(self.people.len()).ok()?;
        let index = usize::try_from(week.rem_euclid(count)).ok()?;
        Some(OnCall {
            person: self.people.get(index)?.clone(),
            from_ms: self.handoff_ms(start, week),
            until_ms: self.handoff_ms(start, week + 1),
            overridden: false,
        })
    }

    /// Who is on call at `at_ms`: the latest-created override covering it, else the rotation.
    pub fn on_call_at(&self, overrides: &[Override], at_ms: i64) -> Option<OnCall> {
        let covering = overrides
            .iter()
            .filter(|o| o.starts_ms <= at_ms && at_ms < o.ends_ms)
            .max_by_key(|o| (o.created_ms, o.id));
        match covering {
            Some(o) => Some(OnCall {
                person: o.person.clone(),
                from_ms: o.starts_ms,
                until_ms: o.ends_ms,
                overridden: true,
            }),
            None => self.scheduled_at(at_ms),
        }
    }

    /// The person after `person` in the rotation (wrapping), if `person` is in it and is not
    /// alone.
    pub fn next_in_line(&self, person: &str) -> Option<String> {
        let at = self.people.iter().position(|p| p == person)?;
        let next = self.people.get((at + 1) % self.people.len())?;
        (next != person).then(|| next.clone())
    }
}

/// Who is on call at `at_ms` under `settings` and `overrides` (see [`Rotation::on_call_at`]);
/// with invalid settings only the overrides count.
pub fn on_call_at(
    settings: &RotationSettings,
    overrides: &[Override],
    at_ms: i64,
) -> Option<OnCall> {
    match settings.compile() {
        Ok(rotation) => rotation.on_call_at(overrides, at_ms),
        Err(_) => Rotation {
            zone: Tz::UTC,
            handoff_day: Weekday::Mon,
            handoff_time: NaiveTime::MIN,
            people: Vec::new(),
            start_date: None,
        }
        .on_call_at(overrides, at_ms),
    }
}

/// The person after `person` in the rotation of `settings` (see [`Rotation::next_in_line`]).
pub fn next_in_line(settings: &RotationSettings, person: &str) -> Option<String> {
    settings.compile().ok()?.next_in_line(person)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text)
            .expect("RFC 3339")
            .timestamp_millis()
    }

    fn paris() -> RotationSettings {
        RotationSettings {
            time_zone: "Europe/Paris".into(),
            people: vec!["alice".into(), "bob".into(), "carol".into()],
            start_date: Some("2027-03-01".into()),
            commander: Some("dana".into()),
            ..RotationSettings::default()
        }
    }

    #[test]
    fn defaults_and_parse() {
        let settings: RotationSettings =
            toml::from_str("people = [\"a\"]\nstart_date = \"2027-01-04\"").expect("parses");
        assert_eq!(settings.time_zone, "UTC");
        assert_eq!(settings.escalate_after_minutes, 15);
        settings.validate().expect("valid");
        assert!(toml::from_str::<RotationSettings>("peoples = []").is_err());
        RotationSettings::default()
            .validate()
            .expect("default is valid");
    }

    #[test]
    fn validation_messages() {
        let bad = |change: fn(&mut RotationSettings)| {
            let mut settings = paris();
            change(&mut settings);
            settings.validate().expect_err("invalid")
        };
        assert!(bad(|s| s.time_zone = "Mars/Olympus".into()).contains("IANA"));
        assert!(bad(|s| s.handoff_time = "9h".into()).contains("HH:MM"));
        assert!(bad(|s| s.handoff_day = "someday".into()).contains("weekday"));
        assert!(bad(|s| s.people.clear()).contains("empty"));
        assert!(bad(|s| s.start_date = None).contains("required"));
        assert!(bad(|s| s.people.push("bob".into())).contains("twice"));
        assert!(bad(|s| s.escalate_after_minutes = 0).contains("out of range"));
        assert_eq!(
            bad(|s| s.start_date = Some("2027-03-03".into())),
            "`incidents.oncall.start_date`: 2027-03-03 is a wednesday, not the handoff day (monday); \
             use 2027-03-01 or 2027-03-08"
        );
    }

    #[test]
    fn weeks_and_handoffs() {
        let rotation = paris().compile().expect("valid");
        // Before the first handoff: nobody.
        assert_eq!(rotation.scheduled_at(ms("2027-03-01T07:59:59Z")), None);
        // Paris is UTC+1 in winter: 09:00 local is 08:00Z.
        let first = rotation
            .scheduled_at(ms("2027-03-01T08:00:00Z"))
            .expect("on call");
        assert_eq!(first.person, "alice");
        assert_eq!(first.from_ms, ms("2027-03-01T08:00:00Z"));
        assert_eq!(first.until_ms, ms("2027-03-08T08:00:00Z"));
        // Monday before 09:00 still belongs to the previous week.
        let monday_early = rotation
            .scheduled_at(ms("2027-03-08T07:30:00Z"))
            .expect("on call");
        assert_eq!(monday_early.person, "alice");
        assert_eq!(
            rotation
                .scheduled_at(ms("2027-03-22T08:00:00Z"))
                .expect("on call")
                .person,
            "alice"
        );
        assert_eq!(rotation.next_in_line("carol").as_deref(), Some("alice"));
        assert_eq!(rotation.next_in_line("zoe"), None);
    }

    #[test]
    fn dst_weeks_are_167_and_169_hours() {
        let rotation = paris().compile().expect("valid");
        // Summer time starts on 2027-03-28 (Sunday): the week of 2027-03-22 is 167 h long.
        let spring = rotation
            .scheduled_at(ms("2027-03-27T12:00:00Z"))
            .expect("on call");
        assert_eq!(spring.until_ms - spring.from_ms, 167 * 3_600_000);
        assert_eq!(spring.until_ms, ms("2027-03-29T07:00:00Z")); // 09:00 CEST
        // Winter time comes back on 2027-10-31: the week of 2027-10-25 is 169 h long.
        let autumn = rotation
            .scheduled_at(ms("2027-10-30T12:00:00Z"))
            .expect("on call");
        assert_eq!(autumn.until_ms - autumn.from_ms, 169 * 3_600_000);
        assert_eq!(autumn.until_ms, ms("2027-11-01T08:00:00Z")); // 09:00 CET
    }

    #[test]
    fn gap_and_overlap_local_times() {
        // 02:30 does not exist on 2027-03-28 in Paris; 02:30 happens twice on 2027-10-31.
        let zone: Tz = "Europe/Paris".parse().expect("zone");
        let gap = NaiveDate::from_ymd_opt(2027, 3, 28)
            .and_then(|d| d.and_hms_opt(2, 30, 0))
            .expect("date");
        assert_eq!(instant_of(zone, gap), ms("2027-03-28T01:00:00Z"));
        let twice = NaiveDate::from_ymd_opt(2027, 10, 31)
            .and_then(|d| d.and_hms_opt(2, 30, 0))
            .expect("date");
        assert_eq!(instant_of(zone, twice), ms("2027-10-31T00:30:00Z"));
    }

    #[test]
    fn latest_created_override_wins() {
        let settings = paris();
        let at = ms("2027-03-02T12:00:00Z");
        let o = |id, person: &str, created_ms| Override {
            id,
            person: person.into(),
            starts_ms: at - 3_600_000,
            ends_ms: at + 3_600_000,
            created_by: "admin".into(),
            created_ms,
            reason: None,
        };
        let overrides = [o(1, "erin", 10), o(2, "frank", 20), o(3, "gus", 5)];
        let now = on_call_at(&settings, &overrides, at).expect("on call");
        assert_eq!(now.person, "frank");
        assert!(now.overridden);
        let after = on_call_at(&settings, &overrides, at + 3_600_000).expect("on call");
        assert_eq!(after.person, "alice");
        assert!(!after.overridden);
        assert_eq!(next_in_line(&settings, "alice").as_deref(), Some("bob"));
    }
}
