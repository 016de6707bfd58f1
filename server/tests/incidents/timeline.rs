//! The timeline: every change, in order, with its author; playbook ticks replayed from it.

use server::incidents::{IncidentError, Role, Severity, State, Visibility};
use server::storage::incidents::NewIncident;

use crate::{MINUTE, T0, on_both_engines, open_incident};

on_both_engines! {
    /// Each change writes one event with its actor and instant; the timeline is in the order
    /// of the instants (then of writing).
    async fn timeline_order_and_authors(store) {
        let incidents = store.incidents();
        let id = incidents
            .create(
                &NewIncident {
                    title: "Uploads fail".into(),
                    severity: Severity::Sev2,
                    components: vec!["api".into()],
                    playbook: Some("application-down".into()),
                    actor: "alice".into(),
                    detected_ms: T0,
                },
                T0,
            )
            .await
            .unwrap()
            .id;
        incidents.acknowledge(id, "bob", T0 + MINUTE).await.unwrap();
        incidents.assign_role(id, Role::Commander, "carol", "bob", T0 + 2 * MINUTE).await.unwrap();
        incidents.transition(id, State::Triaged, "bob", T0 + 3 * MINUTE).await.unwrap();
        incidents.add_note(id, "5xx on /api/model-reports only", "dave", T0 + 4 * MINUTE).await.unwrap();
        incidents.tick_playbook_step(id, "diagnosis-2", true, "bob", T0 + 5 * MINUTE).await.unwrap();
        incidents.add_status_update(id, Visibility::Public, "Investigating", "carol", T0 + 6 * MINUTE).await.unwrap();
        incidents.tick_playbook_step(id, "diagnosis-3", true, "bob", T0 + 7 * MINUTE).await.unwrap();
        incidents.tick_playbook_step(id, "diagnosis-2", false, "bob", T0 + 8 * MINUTE).await.unwrap();
        incidents.transition(id, State::Resolved, "bob", T0 + 9 * MINUTE).await.unwrap();

        let timeline = incidents.timeline(id).await.unwrap();
        let seen: Vec<(&str, &str, i64)> = timeline
            .iter()
            .map(|e| (e.kind.as_str(), e.actor.as_str(), (e.at_ms - T0) / MINUTE))
            .collect();
        assert_eq!(
            seen,
            [
                ("created", "alice", 0),
                ("acknowledged", "bob", 1),
                ("role_assigned", "bob", 2),
                ("state_changed", "bob", 3),
                ("note", "dave", 4),
                ("playbook_step", "bob", 5),
                ("status_update", "carol", 6),
                ("playbook_step", "bob", 7),
                ("playbook_step", "bob", 8),
                ("state_changed", "bob", 9),
            ]
        );
        let described: Vec<String> = timeline.iter().map(|e| e.describe()).collect();
        assert_eq!(described[0], "opened: Uploads fail");
        assert_eq!(described[2], "carol is commander");
        assert_eq!(described[3], "detected → triaged");
        assert_eq!(described[4], "5xx on /api/model-reports only");
        assert_eq!(timeline[6].detail["visibility"], "public");

        let ticks = incidents.playbook_ticks(id).await.unwrap();
        assert_eq!(ticks.get("diagnosis-2"), Some(&false), "the latest tick wins");
        assert_eq!(ticks.get("diagnosis-3"), Some(&true));
        assert_eq!(ticks.get("resolution-1"), None);

        // Notes stay possible after closure; the rest does not.
        incidents.transition(id, State::Closed, "carol", T0 + 10 * MINUTE).await.unwrap();
        incidents.add_note(id, "post-mortem on Monday", "carol", T0 + 11 * MINUTE).await.unwrap();
        assert!(matches!(
            incidents.tick_playbook_step(id, "diagnosis-1", true, "bob", T0 + 12 * MINUTE).await,
            Err(IncidentError::Closed { .. })
        ));
        let updated = incidents.require(id).await.unwrap().updated_ms;
        assert_eq!(updated, T0 + 11 * MINUTE);
    }
}

on_both_engines! {
    /// Ticks name a step of the incident's playbook.
    async fn playbook_steps_must_exist(store) {
        let incidents = store.incidents();
        let without = open_incident(&store, "No playbook", Severity::Sev4, &[], "alice", T0).await.id;
        let error = incidents.tick_playbook_step(without, "diagnosis-1", true, "bob", T0).await.unwrap_err();
        assert_eq!(error.to_string(), format!("incident {without} has no playbook, so it has no steps to tick"));
        let with = incidents
            .create(
                &NewIncident {
                    title: "Disk".into(),
                    severity: Severity::Sev3,
                    components: vec![],
                    playbook: Some("disk-almost-full".into()),
                    actor: "alice".into(),
                    detected_ms: T0,
                },
                T0,
            )
            .await
            .unwrap()
            .id;
        let error = incidents.tick_playbook_step(with, "diagnosis-99", true, "bob", T0).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("playbook `disk-almost-full` of incident {with} has no step `diagnosis-99`")
        );
        assert!(incidents.timeline(with).await.unwrap().len() == 1, "only `created`");
    }
}
