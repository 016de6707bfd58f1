//! Corrective actions: added, changed, and listed across incidents with the overdue first.

use chrono::NaiveDate;
use server::incidents::Severity;
use server::incidents::actions::{
    ActionChange, ActionFilter, ActionStatus, ListedAction, NewAction,
};
use server::incidents::postmortem::{ACTION_ADDED, ACTION_UPDATED, PostmortemError};

use super::{HOUR, T0, kinds, on_both_engines, open_incident, resolved_incident};

fn new(title: &str, owner: &str, due: &str) -> NewAction {
    NewAction {
        title: title.to_string(),
        owner: owner.to_string(),
        due_date: due.to_string(),
    }
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

fn ids(rows: &[ListedAction]) -> Vec<i64> {
    rows.iter().map(|row| row.action.id).collect()
}

on_both_engines! {
    /// Adding and changing an action write `action_added` and `action_updated`; a finished
    /// action only reopens; bad values are refused before anything is written.
    async fn actions_are_added_and_updated(store) {
        let postmortems = store.postmortems();
        let incident = resolved_incident(&store, "API down", Severity::Sev2, T0, HOUR).await;
        let id = incident.id;
        let action = postmortems
            .add_action(id, &new(" Alert on disk usage ", "bob", "2027-02-01"), "alice", T0 + 2 * HOUR)
            .await
            .expect("add");
        assert_eq!(action.title, "Alert on disk usage");
        assert_eq!(action.status, ActionStatus::Open);
        assert_eq!(action.due_date, day("2027-02-01"));
        assert_eq!(action.ticket_ref, None);
        assert_eq!(action.created_by, "alice");
        assert_eq!(postmortems.action(action.id).await.expect("read"), Some(action.clone()));
        let timeline = store.incidents().timeline(id).await.expect("timeline");
        let added = timeline.last().expect("event");
        assert_eq!(added.kind, ACTION_ADDED);
        assert_eq!(added.detail["action_id"], serde_json::json!(action.id));
        assert_eq!(added.detail["due_date"], "2027-02-01");

        let moved = postmortems
            .update_action(
                action.id,
                &ActionChange {
                    status: Some(ActionStatus::InProgress),
                    owner: Some("carol".to_string()),
                    ..ActionChange::default()
                },
                "carol",
                T0 + 3 * HOUR,
            )
            .await
            .expect("update");
        assert_eq!(moved.status, ActionStatus::InProgress);
        assert_eq!(moved.owner, "carol");
        assert_eq!(moved.updated_ms, T0 + 3 * HOUR);
        let event = store.incidents().timeline(id).await.expect("timeline").pop().expect("event");
        assert_eq!(event.kind, ACTION_UPDATED);
        assert_eq!(event.detail["fields"], serde_json::json!(["status", "owner"]));
        assert_eq!(event.detail["from_status"], "open");
        assert_eq!(event.detail["to_status"], "in_progress");

        let done = postmortems
            .update_action(
                action.id,
                &ActionChange { status: Some(ActionStatus::Done), ..ActionChange::default() },
                "carol",
                T0 + 4 * HOUR,
            )
            .await
            .expect("done");
        assert_eq!(done.status, ActionStatus::Done);
        let back = postmortems
            .update_action(
                action.id,
                &ActionChange { status: Some(ActionStatus::InProgress), ..ActionChange::default() },
                "carol",
                T0 + 5 * HOUR,
            )
            .await
            .unwrap_err();
        assert!(matches!(back, PostmortemError::ActionFinished { .. }), "{back}");
        assert!(back.is_conflict());
        let reopened = postmortems
            .update_action(
                action.id,
                &ActionChange { status: Some(ActionStatus::Open), ..ActionChange::default() },
                "carol",
                T0 + 5 * HOUR,
            )
            .await
            .expect("reopen");
        assert_eq!(reopened.status, ActionStatus::Open);

        let ticketed = postmortems
            .set_ticket_ref(action.id, "OPS-12", "ticketing", T0 + 6 * HOUR)
            .await
            .expect("ticket");
        assert_eq!(ticketed.ticket_ref.as_deref(), Some("OPS-12"));
        let count = kinds(&store, id).await.len();
        postmortems
            .set_ticket_ref(action.id, "OPS-12", "ticketing", T0 + 7 * HOUR)
            .await
            .expect("same ticket");
        assert_eq!(kinds(&store, id).await.len(), count, "no event when nothing changes");

        for bad in [
            new("", "bob", "2027-02-01"),
            new(&"x".repeat(201), "bob", "2027-02-01"),
            new("t", &"o".repeat(65), "2027-02-01"),
            new("t", "bob", "2027-02-30"),
            new("t", "bob", "1/2/2027"),
        ] {
            let error = postmortems.add_action(id, &bad, "alice", T0).await.unwrap_err();
            assert!(error.is_invalid(), "{error}");
        }
        assert_eq!(postmortems.actions(id).await.expect("actions").len(), 1);
        let missing = postmortems
            .update_action(9_999, &ActionChange::default(), "alice", T0)
            .await
            .unwrap_err();
        assert!(missing.is_not_found(), "{missing}");
        let no_incident = postmortems
            .add_action(9_999, &new("t", "bob", "2027-02-01"), "alice", T0)
            .await
            .unwrap_err();
        assert!(matches!(no_incident, PostmortemError::IncidentNotFound { id: 9_999 }), "{no_incident}");
    }
}

on_both_engines! {
    /// Across incidents: overdue first (open or in progress, due before today), then by due
    /// date, then by id; filters by status, owner and overdue.
    async fn actions_list_overdue_first(store) {
        let postmortems = store.postmortems();
        let today = day("2027-02-10");
        let first = resolved_incident(&store, "API down", Severity::Sev2, T0, HOUR).await;
        let second = open_incident(&store, "DB slow", Severity::Sev3, &["db"], "bob", T0).await;
        let add = |incident: i64, title: &'static str, owner: &'static str, due: &'static str| {
            let postmortems = postmortems.clone();
            async move {
                postmortems
                    .add_action(incident, &new(title, owner, due), "alice", T0)
                    .await
                    .expect("add")
            }
        };
        let later = add(first.id, "later", "bob", "2027-02-20").await;
        let late_open = add(second.id, "late open", "carol", "2027-02-05").await;
        let due_today = add(first.id, "due today", "bob", "2027-02-10").await;
        let late_done = add(first.id, "late done", "bob", "2027-02-01").await;
        let very_late = add(second.id, "very late", "bob", "2027-01-20").await;
        let late_started = add(first.id, "late started", "bob", "2027-02-05").await;
        let set = |id: i64, status: ActionStatus| {
            let postmortems = postmortems.clone();
            async move {
                postmortems
                    .update_action(
                        id,
                        &ActionChange { status: Some(status), ..ActionChange::default() },
                        "bob",
                        T0 + HOUR,
                    )
                    .await
                    .expect("status")
            }
        };
        set(late_done.id, ActionStatus::Done).await;
        set(late_started.id, ActionStatus::InProgress).await;

        let all = postmortems.list_actions(&ActionFilter::default(), today).await.expect("list");
        assert_eq!(
            ids(&all),
            [very_late.id, late_open.id, late_started.id, late_done.id, due_today.id, later.id]
        );
        let overdue: Vec<bool> = all.iter().map(|row| row.overdue).collect();
        assert_eq!(overdue, [true, true, true, false, false, false]);
        assert_eq!(all[0].incident_title, "DB slow");
        assert_eq!(all[0].action.incident_id, second.id);
        assert_eq!(all[2].incident_title, "API down");

        let only_overdue = ActionFilter { overdue_only: true, ..ActionFilter::default() };
        let rows = postmortems.list_actions(&only_overdue, today).await.expect("overdue");
        assert_eq!(ids(&rows), [very_late.id, late_open.id, late_started.id]);

        let bobs = ActionFilter { owner: Some("bob".to_string()), ..ActionFilter::default() };
        let rows = postmortems.list_actions(&bobs, today).await.expect("bob");
        assert_eq!(ids(&rows), [very_late.id, late_started.id, late_done.id, due_today.id, later.id]);

        let open = ActionFilter { status: Some(ActionStatus::Open), ..ActionFilter::default() };
        let rows = postmortems.list_actions(&open, today).await.expect("open");
        assert_eq!(ids(&rows), [very_late.id, late_open.id, due_today.id, later.id]);

        // A later "today" makes more of them overdue.
        let rows = postmortems.list_actions(&only_overdue, day("2027-03-01")).await.expect("later");
        assert_eq!(
            ids(&rows),
            [very_late.id, late_open.id, late_started.id, due_today.id, later.id]
        );

        let per_incident = postmortems.actions(first.id).await.expect("per incident");
        let titles: Vec<&str> = per_incident.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, ["later", "due today", "late done", "late started"]);
    }
}
