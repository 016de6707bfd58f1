//! The weekly rotation, week by week across DST changes, and stored overrides.

use chrono::{Datelike, TimeZone, Timelike, Weekday};
use chrono_tz::Tz;
use server::incidents::oncall::{RotationSettings, next_in_line, on_call_at};
use server::storage::oncall::NewOverride;

use super::*;

fn paris() -> RotationSettings {
    RotationSettings {
        time_zone: "Europe/Paris".into(),
        handoff_day: "monday".into(),
        handoff_time: "09:00".into(),
        people: vec!["alice".into(), "bob".into(), "carol".into()],
        start_date: Some("2027-03-01".into()),
        commander: Some("dana".into()),
        ..RotationSettings::default()
    }
}

/// Every handoff from 2027-03-01 for `weeks` weeks: (person, from, until, length in hours).
fn shifts(settings: &RotationSettings, first_ms: i64, weeks: usize) -> Vec<(String, i64, i64)> {
    let mut out = Vec::new();
    let mut at = first_ms;
    for _ in 0..weeks {
        let shift = on_call_at(settings, &[], at).expect("someone is on call");
        assert!(!shift.overridden);
        out.push((shift.person.clone(), shift.from_ms, shift.until_ms));
        at = shift.until_ms;
    }
    out
}

#[test]
fn paris_week_by_week_across_both_dst_changes() {
    let settings = paris();
    settings.validate().expect("valid");
    let zone: Tz = "Europe/Paris".parse().expect("zone");
    let weeks = shifts(&settings, ms("2027-03-01T08:00:00Z"), 40);
    let names = ["alice", "bob", "carol"];
    for (week, (person, from, until)) in weeks.iter().enumerate() {
        assert_eq!(person, names[week % 3], "week {week}");
        // Every handoff is at Monday 09:00, Paris time.
        let local = zone.timestamp_millis_opt(*from).single().expect("instant");
        assert_eq!(local.weekday(), Weekday::Mon, "week {week}");
        assert_eq!((local.hour(), local.minute()), (9, 0), "week {week}");
        // Consecutive shifts touch.
        if let Some((_, next_from, _)) = weeks.get(week + 1) {
            assert_eq!(until, next_from);
        }
    }
    let hours: Vec<i64> = weeks.iter().map(|(_, f, u)| (u - f) / HOUR).collect();
    // Week 3 (2027-03-22) contains the spring change (03-28): 167 h. Week 34 (2027-10-25)
    // contains the autumn change (10-31): 169 h. Every other week: 168 h.
    for (week, length) in hours.iter().enumerate() {
        let expected = match week {
            3 => 167,
            34 => 169,
            _ => 168,
        };
        assert_eq!(*length, expected, "week {week}");
    }
    assert_eq!(weeks[3].2, ms("2027-03-29T07:00:00Z"));
    assert_eq!(weeks[34].2, ms("2027-11-01T08:00:00Z"));
    // Instants inside the short week, on each side of the change.
    assert_eq!(
        on_call_at(&settings, &[], ms("2027-03-28T00:59:59Z"))
            .expect("on call")
            .person,
        "alice"
    );
    assert_eq!(
        on_call_at(&settings, &[], ms("2027-03-29T06:59:59Z"))
            .expect("on call")
            .person,
        "alice"
    );
    assert_eq!(
        on_call_at(&settings, &[], ms("2027-03-29T07:00:00Z"))
            .expect("on call")
            .person,
        "bob"
    );
    // Before the first handoff nobody is on call.
    assert_eq!(on_call_at(&settings, &[], ms("2027-03-01T07:59:59Z")), None);
    assert_eq!(next_in_line(&settings, "carol").as_deref(), Some("alice"));
}

#[test]
fn new_york_friday_evening_handoffs() {
    let settings = RotationSettings {
        time_zone: "America/New_York".into(),
        handoff_day: "friday".into(),
        handoff_time: "17:30".into(),
        people: vec!["ann".into(), "ben".into()],
        start_date: Some("2027-10-29".into()),
        ..RotationSettings::default()
    };
    settings.validate().expect("valid");
    // EDT (UTC-4) until 2027-11-07, then EST (UTC-5).
    let weeks = shifts(&settings, ms("2027-10-29T21:30:00Z"), 3);
    assert_eq!(
        weeks[0],
        (
            "ann".into(),
            ms("2027-10-29T21:30:00Z"),
            ms("2027-11-05T21:30:00Z")
        )
    );
    assert_eq!(
        weeks[1],
        (
            "ben".into(),
            ms("2027-11-05T21:30:00Z"),
            ms("2027-11-12T22:30:00Z")
        )
    );
    assert_eq!(weeks[1].2 - weeks[1].1, 169 * HOUR);
    assert_eq!(weeks[2].0, "ann");
}

on_both_engines! {
    /// Overrides are stored, listed by interval, win over the rotation while they cover the
    /// instant (latest created first), and can be deleted.
    async fn overrides_take_precedence(store) {
        let settings = paris();
        let oncall = store.oncall();
        let day = ms("2027-03-02T00:00:00Z");
        let first = oncall
            .add_override(
                &NewOverride {
                    person: " erin ".into(),
                    starts_ms: day,
                    ends_ms: day + 24 * HOUR,
                    reason: Some("alice at the dentist".into()),
                },
                "alice",
                day - HOUR,
            )
            .await
            .expect("add");
        assert_eq!(first.person, "erin");
        assert_eq!(first.created_by, "alice");
        assert_eq!(first.reason.as_deref(), Some("alice at the dentist"));
        let second = oncall
            .add_override(
                &NewOverride {
                    person: "frank".into(),
                    starts_ms: day + 12 * HOUR,
                    ends_ms: day + 36 * HOUR,
                    reason: None,
                },
                "admin",
                day - 30 * MINUTE,
            )
            .await
            .expect("add");
        // An empty interval and an empty person are refused.
        let refused = oncall
            .add_override(
                &NewOverride { person: "x".into(), starts_ms: day, ends_ms: day, reason: None },
                "admin",
                day,
            )
            .await
            .expect_err("empty interval");
        assert!(refused.to_string().contains("end after it starts"), "{refused}");
        assert!(oncall
            .add_override(
                &NewOverride { person: " ".into(), starts_ms: day, ends_ms: day + 1, reason: None },
                "admin",
                day,
            )
            .await
            .is_err());

        let listed = oncall.overrides(day - 7 * 24 * HOUR, day + 7 * 24 * HOUR).await.expect("list");
        assert_eq!(listed, vec![first.clone(), second.clone()]);
        assert_eq!(oncall.overrides(day + 25 * HOUR, day + 26 * HOUR).await.expect("list"), vec![second.clone()]);
        assert!(oncall.overrides(day + 36 * HOUR, day + 40 * HOUR).await.expect("list").is_empty());

        let who = |at: i64| {
            let listed = listed.clone();
            let settings = settings.clone();
            move || on_call_at(&settings, &listed, at).expect("on call")
        };
        let morning = who(day + 6 * HOUR)();
        assert_eq!((morning.person.as_str(), morning.overridden), ("erin", true));
        assert_eq!((morning.from_ms, morning.until_ms), (day, day + 24 * HOUR));
        // Both cover noon + 1 h: the later-created one wins.
        assert_eq!(who(day + 13 * HOUR)().person, "frank");
        assert_eq!(who(day + 35 * HOUR)().person, "frank");
        let after = who(day + 36 * HOUR)();
        assert_eq!((after.person.as_str(), after.overridden), ("alice", false));

        assert!(oncall.delete_override(second.id).await.expect("delete"));
        assert!(!oncall.delete_override(second.id).await.expect("delete again"));
        let listed = oncall.overrides(day, day + 48 * HOUR).await.expect("list");
        assert_eq!(listed, vec![first]);
        assert_eq!(on_call_at(&settings, &listed, day + 13 * HOUR).expect("on call").person, "erin");
        assert_eq!(on_call_at(&settings, &listed, day + 25 * HOUR).expect("on call").person, "alice");
    }
}
