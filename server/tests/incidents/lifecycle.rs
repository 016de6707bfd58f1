//! The lifecycle stored: each state's first entry time, the reopen, illegal moves, the
//! acknowledgement, roles, status updates and list filters.

use server::incidents::{IncidentError, LifecycleError, Role, Severity, State, Visibility};
use server::storage::incidents::{IncidentFilter, NewIncident};

use crate::{HOUR, MINUTE, T0, kinds, on_both_engines, open_incident};

on_both_engines! {
    /// detected → triaged (skipping notified) → diagnosing → resolved → reopened → resolved →
    /// closed, with the time of each first entry; backward moves and moves of a closed
    /// incident are refused with messages that say what to do.
    async fn lifecycle_keeps_first_entry_times_and_refuses_illegal_moves(store) {
        let incidents = store.incidents();
        let opened = open_incident(&store, "Uploads fail", Severity::Sev2, &["api"], "alice", T0).await;
        assert_eq!(opened.state(), State::Detected);
        assert_eq!(opened.lifecycle.detected_ms, T0);
        assert_eq!(opened.created_by, "alice");
        let id = opened.id;

        let triaged = incidents.transition(id, State::Triaged, "bob", T0 + MINUTE).await.unwrap();
        assert_eq!(triaged.lifecycle.triaged_ms, Some(T0 + MINUTE));
        assert_eq!(triaged.lifecycle.notified_ms, None, "skipped: no time");

        let error = incidents.transition(id, State::Notified, "bob", T0 + 2 * MINUTE).await.unwrap_err();
        assert!(matches!(error, IncidentError::Lifecycle(LifecycleError::Backwards { .. })), "{error}");
        assert!(error.is_conflict());
        assert_eq!(
            error.to_string(),
            format!("incident {id} is triaged; it cannot go back to notified (only a resolved incident may reopen, to diagnosing)")
        );

        incidents.transition(id, State::Diagnosing, "bob", T0 + 5 * MINUTE).await.unwrap();
        let resolved = incidents.transition(id, State::Resolved, "bob", T0 + 30 * MINUTE).await.unwrap();
        assert_eq!(resolved.lifecycle.resolved_ms, Some(T0 + 30 * MINUTE));
        assert_eq!(resolved.time_to_resolve_ms(), Some(30 * MINUTE));

        let reopened = incidents.transition(id, State::Diagnosing, "carol", T0 + 40 * MINUTE).await.unwrap();
        assert_eq!(reopened.state(), State::Diagnosing);
        assert_eq!(reopened.lifecycle.resolved_ms, None, "a reopen clears the resolution");
        assert_eq!(reopened.lifecycle.diagnosing_ms, Some(T0 + 5 * MINUTE), "first entry kept");
        assert_eq!(reopened.lifecycle.reopened_count, 1);

        incidents.transition(id, State::Resolved, "carol", T0 + HOUR).await.unwrap();
        let closed = incidents.transition(id, State::Closed, "alice", T0 + 2 * HOUR).await.unwrap();
        assert_eq!(closed.lifecycle.closed_ms, Some(T0 + 2 * HOUR));
        assert_eq!(closed.lifecycle.resolved_ms, Some(T0 + HOUR));
        assert_eq!(closed.time_to_resolve_ms(), Some(HOUR));

        let error = incidents.transition(id, State::Diagnosing, "carol", T0 + 3 * HOUR).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("incident {id} is closed; it cannot move to diagnosing (open a new incident instead)")
        );
        let error = incidents.acknowledge(id, "carol", T0 + 3 * HOUR).await.unwrap_err();
        assert!(matches!(error, IncidentError::Closed { .. }), "{error}");

        // What was stored is what was returned, and every move is on the timeline.
        let stored = incidents.require(id).await.unwrap();
        assert_eq!(stored, closed);
        assert_eq!(
            kinds(&store, id).await,
            ["created", "state_changed", "state_changed", "state_changed", "reopened", "state_changed", "state_changed"]
        );

        let error = incidents.transition(id + 1000, State::Triaged, "bob", T0).await.unwrap_err();
        assert_eq!(error.to_string(), format!("there is no incident {}", id + 1000));
    }
}

on_both_engines! {
    /// The acknowledgement is an event of its own, once, and does not change the state.
    async fn acknowledgement_is_separate_from_the_state(store) {
        let incidents = store.incidents();
        let id = open_incident(&store, "Slow", Severity::Sev3, &[], "alice", T0).await.id;
        let acked = incidents.acknowledge(id, "bob", T0 + 3 * MINUTE).await.unwrap();
        assert_eq!(acked.state(), State::Detected);
        let ack = acked.acknowledged.clone().expect("acknowledged");
        assert_eq!((ack.by.as_str(), ack.at_ms), ("bob", T0 + 3 * MINUTE));
        assert_eq!(acked.time_to_acknowledge_ms(), Some(3 * MINUTE));
        let error = incidents.acknowledge(id, "carol", T0 + 4 * MINUTE).await.unwrap_err();
        assert_eq!(error.to_string(), format!("incident {id} was already acknowledged by bob"));

        let raised = incidents.change_severity(id, Severity::Sev1, "bob", T0 + 5 * MINUTE).await.unwrap();
        assert_eq!(raised.severity, Severity::Sev1);
        assert!(matches!(
            incidents.change_severity(id, Severity::Sev1, "bob", T0 + 6 * MINUTE).await,
            Err(IncidentError::SameSeverity { .. })
        ));
    }
}

on_both_engines! {
    /// One on-call engineer and one commander at a time; any number of SMEs.
    async fn roles_replace_single_holders_and_keep_history(store) {
        let incidents = store.incidents();
        let id = open_incident(&store, "Down", Severity::Sev1, &[], "alice", T0).await.id;
        incidents.assign_role(id, Role::OnCall, "alice", "alice", T0 + 1).await.unwrap();
        incidents.assign_role(id, Role::OnCall, "bob", "alice", T0 + 2).await.unwrap();
        incidents.assign_role(id, Role::Commander, "carol", "bob", T0 + 3).await.unwrap();
        incidents.assign_role(id, Role::Sme, "dave", "carol", T0 + 4).await.unwrap();
        incidents.assign_role(id, Role::Sme, "erin", "carol", T0 + 5).await.unwrap();
        assert!(matches!(
            incidents.assign_role(id, Role::Sme, "erin", "carol", T0 + 6).await,
            Err(IncidentError::AlreadyAssigned { .. })
        ));
        incidents.unassign_role(id, Role::Sme, "dave", "carol", T0 + 7).await.unwrap();
        let error = incidents.unassign_role(id, Role::Sme, "dave", "carol", T0 + 8).await.unwrap_err();
        assert_eq!(error.to_string(), format!("dave is not sme of incident {id}"));

        let current: Vec<(Role, String)> = incidents
            .roles(id, false)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.role, r.person))
            .collect();
        assert_eq!(
            current,
            [
                (Role::OnCall, "bob".to_string()),
                (Role::Commander, "carol".to_string()),
                (Role::Sme, "erin".to_string())
            ]
        );
        let all = incidents.roles(id, true).await.unwrap();
        assert_eq!(all.len(), 5);
        assert_eq!(all[0].person, "alice");
        assert_eq!(all[0].unassigned_ms, Some(T0 + 2), "replaced by bob");
        let timeline = incidents.timeline(id).await.unwrap();
        let replaced = timeline.iter().find(|e| e.detail.get("replaced").is_some()).expect("replacement event");
        assert_eq!(replaced.detail["person"], "bob");
        assert_eq!(replaced.detail["replaced"], "alice");
    }
}

on_both_engines! {
    /// Public updates reach the status page with their incident; internal ones never do.
    async fn status_updates_public_and_internal(store) {
        let incidents = store.incidents();
        let id = open_incident(&store, "Uploads fail", Severity::Sev2, &["api"], "alice", T0).await.id;
        incidents.add_status_update(id, Visibility::Internal, "DB failover in progress", "bob", T0 + MINUTE).await.unwrap();
        incidents.add_status_update(id, Visibility::Public, "We are investigating failed uploads.", "bob", T0 + 2 * MINUTE).await.unwrap();
        incidents.add_status_update(id, Visibility::Public, "Fixed.", "bob", T0 + 9 * MINUTE).await.unwrap();
        let error = incidents.add_status_update(id, Visibility::Public, "  ", "bob", T0).await.unwrap_err();
        assert_eq!(error.to_string(), "invalid body: must not be empty");

        assert_eq!(incidents.status_updates(id).await.unwrap().len(), 3);
        let public = incidents.public_updates(T0, 10).await.unwrap();
        let bodies: Vec<&str> = public.iter().map(|u| u.body.as_str()).collect();
        assert_eq!(bodies, ["Fixed.", "We are investigating failed uploads."], "newest first");
        assert_eq!(public[0].title, "Uploads fail");
        assert_eq!(public[0].components, ["api"]);
        assert_eq!(public[0].state, State::Detected);
        assert_eq!(incidents.public_updates(T0 + 5 * MINUTE, 10).await.unwrap().len(), 1);
    }
}

on_both_engines! {
    /// Filters by state, severity, exact component and openness; the newest first.
    async fn list_filters(store) {
        let incidents = store.incidents();
        let a = open_incident(&store, "A", Severity::Sev2, &["api"], "x", T0).await.id;
        let b = open_incident(&store, "B", Severity::Sev3, &["api-gateway", "db"], "x", T0 + 1).await.id;
        let c = open_incident(&store, "C", Severity::Sev2, &["db"], "x", T0 + 2).await.id;
        incidents.transition(c, State::Resolved, "x", T0 + 3).await.unwrap();
        let ids = |list: Vec<server::storage::incidents::Incident>| list.into_iter().map(|i| i.id).collect::<Vec<_>>();

        assert_eq!(ids(incidents.list(&IncidentFilter::default()).await.unwrap()), [c, b, a]);
        let api = IncidentFilter { component: Some("api".into()), ..IncidentFilter::default() };
        assert_eq!(ids(incidents.list(&api).await.unwrap()), [a], "`api` is not `api-gateway`");
        let db = IncidentFilter { component: Some("db".into()), ..IncidentFilter::default() };
        assert_eq!(ids(incidents.list(&db).await.unwrap()), [c, b]);
        let open = IncidentFilter { open_only: true, ..IncidentFilter::default() };
        assert_eq!(ids(incidents.list(&open).await.unwrap()), [b, a]);
        let sev2 = IncidentFilter { severity: Some(Severity::Sev2), ..IncidentFilter::default() };
        assert_eq!(ids(incidents.list(&sev2).await.unwrap()), [c, a]);
        let resolved = IncidentFilter { state: Some(State::Resolved), ..IncidentFilter::default() };
        assert_eq!(ids(incidents.list(&resolved).await.unwrap()), [c]);
        let one = IncidentFilter { limit: 1, ..IncidentFilter::default() };
        assert_eq!(ids(incidents.list(&one).await.unwrap()), [c]);
    }
}

on_both_engines! {
    /// Bad input is refused before anything is written, naming the field.
    async fn invalid_values_are_refused(store) {
        let incidents = store.incidents();
        let new = NewIncident {
            title: " ".into(),
            severity: Severity::Sev4,
            components: vec![],
            playbook: None,
            actor: "alice".into(),
            detected_ms: T0,
        };
        let error = incidents.create(&new, T0).await.unwrap_err();
        assert_eq!(error.to_string(), "invalid title: must not be empty");
        let error = incidents
            .create(&NewIncident { title: "ok".into(), components: vec!["a\u{0}b".into()], ..new }, T0)
            .await
            .unwrap_err();
        assert_eq!(error.to_string(), "invalid component: must not contain control characters");
        assert!(incidents.list(&IncidentFilter::default()).await.unwrap().is_empty());
    }
}

on_both_engines! {
    /// An alert belongs to at most one open incident.
    async fn an_alert_links_to_one_open_incident(store) {
        let incidents = store.incidents();
        let a = open_incident(&store, "A", Severity::Sev2, &[], "x", T0).await.id;
        let b = open_incident(&store, "B", Severity::Sev2, &[], "x", T0).await.id;
        assert!(incidents.link_alert(a, "fp1", "HighErrorRate", "x", T0 + 1).await.unwrap());
        assert!(!incidents.link_alert(a, "fp1", "HighErrorRate", "x", T0 + 2).await.unwrap(), "already linked");
        let error = incidents.link_alert(b, "fp1", "HighErrorRate", "x", T0 + 3).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("alert fp1 is already linked to open incident {a}; resolve that one first or work on it")
        );
        assert_eq!(incidents.open_for_fingerprint("fp1").await.unwrap().map(|i| i.id), Some(a));
        incidents.transition(a, State::Resolved, "x", T0 + 4).await.unwrap();
        assert_eq!(incidents.open_for_fingerprint("fp1").await.unwrap(), None);
        assert!(incidents.link_alert(b, "fp1", "HighErrorRate", "x", T0 + 5).await.unwrap());
        // `a` cannot reopen while its alert belongs to the open `b`.
        let error = incidents.transition(a, State::Diagnosing, "x", T0 + 6).await.unwrap_err();
        assert!(matches!(error, IncidentError::AlertLinkedElsewhere { incident_id, .. } if incident_id == b), "{error}");
        let links = incidents.linked_alerts(b).await.unwrap();
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].rule, "HighErrorRate");
    }
}
