//! The Markdown export of a stored incident's post-mortem.

use server::incidents::actions::NewAction;
use server::incidents::postmortem::{PostmortemChange, PostmortemError, Why};
use server::incidents::{Role, Severity, State};

use super::{MINUTE, T0, on_both_engines, open_incident};

on_both_engines! {
    /// The export has the timeline in order (UTC time, actor, description), the 5 whys and
    /// the actions table, with MTTA and MTTR.
    async fn markdown_export_of_a_stored_incident(store) {
        let incidents = store.incidents();
        let postmortems = store.postmortems();
        let incident = open_incident(&store, "API down", Severity::Sev2, &["api"], "alerting", T0).await;
        let id = incident.id;
        let missing = postmortems.export_markdown(id).await.unwrap_err();
        assert!(matches!(missing, PostmortemError::NoPostmortem { .. }), "{missing}");

        incidents.acknowledge(id, "alice", T0 + 5 * MINUTE).await.expect("ack");
        incidents.assign_role(id, Role::OnCall, "alice", "alice", T0 + 5 * MINUTE).await.expect("role");
        incidents.add_note(id, "disk | full\nclearing logs", "alice", T0 + 10 * MINUTE).await.expect("note");
        incidents.transition(id, State::Resolved, "alice", T0 + 62 * MINUTE).await.expect("resolve");
        postmortems.ensure_draft(id, T0 + 62 * MINUTE).await.expect("draft").expect("created");
        postmortems
            .update(
                id,
                &PostmortemChange {
                    whys: Some(vec![
                        Why { why: "Why did the API fail?".into(), answer: "The disk was full.".into() },
                        Why { why: "Why was it full?".into(), answer: "Logs are never rotated.".into() },
                    ]),
                    ..PostmortemChange::default()
                },
                "bob",
                T0 + 70 * MINUTE,
            )
            .await
            .expect("whys");
        let action = postmortems
            .add_action(
                id,
                &NewAction {
                    title: "Rotate | compress logs".into(),
                    owner: "bob".into(),
                    due_date: "2027-02-01".into(),
                },
                "bob",
                T0 + 80 * MINUTE,
            )
            .await
            .expect("action");
        postmortems.set_ticket_ref(action.id, "OPS-7", "ticketing", T0 + 81 * MINUTE).await.expect("ticket");

        let markdown = postmortems.export_markdown(id).await.expect("export");
        let expected_timeline = "\
## Timeline

- 2027-01-15 08:00:00 UTC — alerting — opened: API down
- 2027-01-15 08:05:00 UTC — alice — acknowledged
- 2027-01-15 08:05:00 UTC — alice — alice is on_call
- 2027-01-15 08:10:00 UTC — alice — disk | full<br>clearing logs
- 2027-01-15 09:02:00 UTC — alice — detected → resolved
- 2027-01-15 09:02:00 UTC — incidents — post-mortem drafted
- 2027-01-15 09:10:00 UTC — bob — post-mortem updated (whys)
- 2027-01-15 09:20:00 UTC — bob — corrective action #";
        assert!(markdown.contains(expected_timeline), "{markdown}");
        assert!(markdown.contains(" — ticketing — corrective action #"), "{markdown}");
        assert!(markdown.contains("- Time to acknowledge (MTTA): 5m 0s\n"), "{markdown}");
        assert!(markdown.contains("- Time to resolve (MTTR): 1h 2m 0s\n"), "{markdown}");
        assert!(markdown.contains("- Responders: alice (on_call)\n"), "{markdown}");
        assert!(
            markdown.contains(
                "## Root cause\n\n1. Why did the API fail? — The disk was full.\n\
                 2. Why was it full? — Logs are never rotated.\n\n\
                 Root cause: Logs are never rotated.\n"
            ),
            "{markdown}"
        );
        assert!(
            markdown.ends_with(
                "## Corrective actions\n\n| Title | Owner | Due | Status | Ticket |\n\
                 |---|---|---|---|---|\n\
                 | Rotate \\| compress logs | bob | 2027-02-01 | open | OPS-7 |\n"
            ),
            "{markdown}"
        );
        let sections: Vec<usize> = ["## Summary", "## Impact", "## Timeline", "## Root cause", "## Corrective actions"]
            .iter()
            .map(|heading| markdown.find(heading).expect(heading))
            .collect();
        assert!(sections.windows(2).all(|pair| pair[0] < pair[1]), "{markdown}");
    }
}
