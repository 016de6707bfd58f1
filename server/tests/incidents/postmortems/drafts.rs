//! The draft created once on resolution, its edits and its publication.

use server::incidents::postmortem::{
    DRAFT_AUTHOR, POSTMORTEM_DRAFTED, POSTMORTEM_PUBLISHED, POSTMORTEM_UPDATED, PostmortemChange,
    PostmortemError, PostmortemSettings, PostmortemStatus, Why,
};
use server::incidents::{Severity, State};

use super::{HOUR, MINUTE, T0, kinds, on_both_engines, open_incident, resolved_incident};

fn why(question: &str, answer: &str) -> Why {
    Why {
        why: question.to_string(),
        answer: answer.to_string(),
    }
}

on_both_engines! {
    /// A resolved SEV2 gets its draft once, prefilled from the incident; a SEV3 gets none by
    /// default; an open incident gets none.
    async fn resolution_drafts_once_for_sev1_and_sev2(store) {
        let postmortems = store.postmortems();
        let settings = PostmortemSettings::default();
        let sev2 = resolved_incident(&store, "API down", Severity::Sev2, T0, 62 * MINUTE).await;
        let now = T0 + 62 * MINUTE;

        let draft = postmortems
            .draft_on_resolution(sev2.id, &settings, now)
            .await
            .expect("draft")
            .expect("created");
        assert_eq!(draft.status, PostmortemStatus::Draft);
        assert_eq!(draft.author, DRAFT_AUTHOR);
        assert_eq!(draft.summary, "SEV2 incident: API down. Affected components: api.");
        assert_eq!(
            draft.impact,
            "Detected 2027-01-15 08:00:00 UTC, resolved 2027-01-15 09:02:00 UTC (1h 2m 0s later)."
        );
        assert!(draft.whys.is_empty());
        assert_eq!(postmortems.get(sev2.id).await.expect("get"), Some(draft.clone()));

        // Idempotent: neither path creates a second draft or a second event.
        assert_eq!(
            postmortems.draft_on_resolution(sev2.id, &settings, now + MINUTE).await.expect("again"),
            None
        );
        assert_eq!(postmortems.ensure_draft(sev2.id, now + MINUTE).await.expect("ensure"), None);
        let drafted = kinds(&store, sev2.id)
            .await
            .into_iter()
            .filter(|kind| kind == POSTMORTEM_DRAFTED)
            .count();
        assert_eq!(drafted, 1);
        assert_eq!(postmortems.require(sev2.id).await.expect("stored"), draft);

        let sev3 = resolved_incident(&store, "Slow page", Severity::Sev3, T0, HOUR).await;
        assert_eq!(
            postmortems.draft_on_resolution(sev3.id, &settings, now).await.expect("sev3"),
            None
        );
        assert_eq!(postmortems.get(sev3.id).await.expect("get"), None);
        let with_sev3 = PostmortemSettings { severities: vec![Severity::Sev3] };
        assert!(
            postmortems
                .draft_on_resolution(sev3.id, &with_sev3, now)
                .await
                .expect("sev3 configured")
                .is_some()
        );

        let open = open_incident(&store, "Still down", Severity::Sev1, &[], "bob", T0).await;
        assert_eq!(
            postmortems.draft_on_resolution(open.id, &settings, now).await.expect("open"),
            None
        );
        let missing = postmortems.draft_on_resolution(9_999, &settings, now).await.unwrap_err();
        assert!(missing.is_not_found(), "{missing}");
    }
}

on_both_engines! {
    /// The sweep drafts every recently resolved SEV1/SEV2 incident that has none, once.
    async fn the_sweep_drafts_what_is_missing(store) {
        let postmortems = store.postmortems();
        let settings = PostmortemSettings::default();
        let old = resolved_incident(&store, "Old", Severity::Sev1, T0 - 48 * HOUR, HOUR).await;
        let a = resolved_incident(&store, "A", Severity::Sev1, T0, HOUR).await;
        let b = resolved_incident(&store, "B", Severity::Sev2, T0, HOUR).await;
        let _minor = resolved_incident(&store, "Minor", Severity::Sev4, T0, HOUR).await;
        let _open = open_incident(&store, "Open", Severity::Sev1, &[], "bob", T0).await;
        postmortems.ensure_draft(b.id, T0 + HOUR).await.expect("b drafted");

        let drafts = postmortems.draft_missing(&settings, T0, T0 + 2 * HOUR).await.expect("sweep");
        let ids: Vec<i64> = drafts.iter().map(|draft| draft.incident_id).collect();
        assert_eq!(ids, [a.id]);
        assert!(postmortems.get(old.id).await.expect("old").is_none());
        assert!(
            postmortems.draft_missing(&settings, T0, T0 + 3 * HOUR).await.expect("again").is_empty()
        );
    }
}

on_both_engines! {
    /// Edits of the summary and of the 5 whys land on the timeline, naming what changed.
    async fn edits_write_timeline_events(store) {
        let postmortems = store.postmortems();
        let incident = resolved_incident(&store, "API down", Severity::Sev2, T0, HOUR).await;
        let id = incident.id;
        let absent = postmortems
            .update(id, &PostmortemChange::default(), "alice", T0 + HOUR)
            .await
            .unwrap_err();
        assert!(matches!(absent, PostmortemError::NoPostmortem { .. }), "{absent}");
        assert!(absent.is_not_found());
        postmortems.ensure_draft(id, T0 + HOUR).await.expect("draft");

        let whys = vec![
            why("Why did the API fail?", "The database refused connections."),
            why("Why did it refuse them?", "Its disk was full."),
        ];
        let edited = postmortems
            .update(
                id,
                &PostmortemChange {
                    summary: Some("  The API answered 503 for an hour. ".to_string()),
                    impact: None,
                    whys: Some(whys.clone()),
                },
                "alice",
                T0 + 2 * HOUR,
            )
            .await
            .expect("edit");
        assert_eq!(edited.summary, "The API answered 503 for an hour.");
        assert_eq!(edited.whys, whys);
        assert_eq!(edited.root_cause(), Some("Its disk was full."));
        assert_eq!(edited.updated_ms, T0 + 2 * HOUR);
        assert_eq!(postmortems.require(id).await.expect("stored"), edited);

        let timeline = store.incidents().timeline(id).await.expect("timeline");
        let event = timeline.last().expect("an event");
        assert_eq!(event.kind, POSTMORTEM_UPDATED);
        assert_eq!(event.actor, "alice");
        assert_eq!(event.at_ms, T0 + 2 * HOUR);
        assert_eq!(event.detail["fields"], serde_json::json!(["summary", "whys"]));
        assert_eq!(
            server::incidents::postmortem::describe_event(event),
            "post-mortem updated (summary, whys)"
        );
        let incident = store.incidents().require(id).await.expect("incident");
        assert_eq!(incident.updated_ms, T0 + 2 * HOUR);

        // The same values again: nothing changes, no event.
        let count = timeline.len();
        postmortems
            .update(
                id,
                &PostmortemChange { whys: Some(whys.clone()), ..PostmortemChange::default() },
                "alice",
                T0 + 3 * HOUR,
            )
            .await
            .expect("no-op");
        assert_eq!(kinds(&store, id).await.len(), count);

        let six = PostmortemChange { whys: Some(vec![why("q", "a"); 6]), ..PostmortemChange::default() };
        let error = postmortems.update(id, &six, "alice", T0 + 3 * HOUR).await.unwrap_err();
        assert!(error.is_invalid(), "{error}");
        assert_eq!(postmortems.require(id).await.expect("unchanged").whys, whys);
    }
}

on_both_engines! {
    /// Publishing needs a resolved incident and a root cause, happens once, and leaves the
    /// post-mortem amendable.
    async fn publishing_needs_a_root_cause_and_a_resolved_incident(store) {
        let postmortems = store.postmortems();
        let open = open_incident(&store, "Down", Severity::Sev3, &[], "bob", T0).await;
        let draft = postmortems.create_draft(open.id, "bob", T0 + MINUTE).await.expect("draft");
        assert_eq!(draft.author, "bob");
        let twice = postmortems.create_draft(open.id, "bob", T0 + MINUTE).await.unwrap_err();
        assert!(twice.is_conflict(), "{twice}");

        let error = postmortems.publish(open.id, "bob", T0 + HOUR).await.unwrap_err();
        assert!(matches!(error, PostmortemError::IncidentOpen { state: State::Detected, .. }), "{error}");
        assert!(error.is_conflict());
        store.incidents().transition(open.id, State::Closed, "bob", T0 + HOUR).await.expect("close");

        let error = postmortems.publish(open.id, "bob", T0 + HOUR).await.unwrap_err();
        assert!(matches!(error, PostmortemError::NoRootCause { .. }), "{error}");
        postmortems
            .update(
                open.id,
                &PostmortemChange {
                    whys: Some(vec![why("Why?", "A bad deploy.")]),
                    ..PostmortemChange::default()
                },
                "bob",
                T0 + 2 * HOUR,
            )
            .await
            .expect("closed incidents still take their post-mortem");
        let published = postmortems.publish(open.id, "carol", T0 + 3 * HOUR).await.expect("publish");
        assert_eq!(published.status, PostmortemStatus::Published);
        assert_eq!(published.published_ms, Some(T0 + 3 * HOUR));
        assert_eq!(kinds(&store, open.id).await.last().map(String::as_str), Some(POSTMORTEM_PUBLISHED));
        let again = postmortems.publish(open.id, "carol", T0 + 4 * HOUR).await.unwrap_err();
        assert!(matches!(again, PostmortemError::AlreadyPublished { .. }), "{again}");

        let amended = postmortems
            .update(
                open.id,
                &PostmortemChange { impact: Some("None.".to_string()), ..PostmortemChange::default() },
                "carol",
                T0 + 5 * HOUR,
            )
            .await
            .expect("amend");
        assert_eq!(amended.status, PostmortemStatus::Published);
        assert_eq!(amended.published_ms, Some(T0 + 3 * HOUR));
    }
}
