//! The auto-open task: one incident per firing episode, the reopen window, alert resolutions
//! on the timeline, "notified" from the outbox, Alertmanager's alerts, the ignored Watchdog.

use server::incidents::auto::step;
use server::incidents::{IncidentSettings, Severity, State};
use server::storage::incidents::IncidentFilter;
use server::storage::{OutboxRow, Store};

use crate::{HOUR, MINUTE, SECOND, T0, alert, kinds, on_both_engines};

fn settings() -> IncidentSettings {
    IncidentSettings::default()
}

async fn all_incidents(store: &Store) -> Vec<server::storage::incidents::Incident> {
    store
        .incidents()
        .list(&IncidentFilter::default())
        .await
        .expect("list")
}

on_both_engines! {
    /// The same firing alert seen at two evaluations opens one incident, with the alert's
    /// title, severity (critical → SEV2), components, playbook and firing time.
    async fn a_firing_alert_opens_one_incident(store) {
        let firing = alert("ProbeFailing", &[("probe", "app")], T0, None);
        let first = step(&store, std::slice::from_ref(&firing), &settings(), T0 + 5 * SECOND).await.unwrap();
        assert_eq!(first.opened.len(), 1);
        assert_eq!(first.errors, 0);
        let again = step(&store, std::slice::from_ref(&firing), &settings(), T0 + 20 * SECOND).await.unwrap();
        assert!(again.opened.is_empty() && again.reopened.is_empty(), "{again:?}");

        let incidents = all_incidents(&store).await;
        assert_eq!(incidents.len(), 1);
        let incident = &incidents[0];
        assert_eq!(incident.title, "ProbeFailing fires");
        assert_eq!(incident.severity, Severity::Sev2);
        assert_eq!(incident.components, ["app"]);
        assert_eq!(incident.playbook.as_deref(), Some("application-down"));
        assert_eq!(incident.created_by, "alerting");
        assert_eq!(incident.state(), State::Detected);
        assert_eq!(incident.lifecycle.detected_ms, T0, "detected when the alert fired");
        let links = store.incidents().linked_alerts(incident.id).await.unwrap();
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].fingerprint, firing.fingerprint);
        assert_eq!(kinds(&store, incident.id).await, ["created", "alert_linked"]);

        // Its resolution is noted once; the incident stays where it is.
        let resolved = alert("ProbeFailing", &[("probe", "app")], T0, Some(T0 + 10 * MINUTE));
        let report = step(&store, std::slice::from_ref(&resolved), &settings(), T0 + 10 * MINUTE).await.unwrap();
        assert_eq!(report.alert_events, 1);
        step(&store, &[resolved], &settings(), T0 + 11 * MINUTE).await.unwrap();
        let incident = store.incidents().require(incident.id).await.unwrap();
        assert_eq!(incident.state(), State::Detected, "people resolve incidents");
        assert_eq!(kinds(&store, incident.id).await, ["created", "alert_linked", "alert_resolved"]);

        // Firing again while the incident is open: the same incident, an `alert_refired` event.
        let refired = alert("ProbeFailing", &[("probe", "app")], T0 + 20 * MINUTE, None);
        let report = step(&store, &[refired], &settings(), T0 + 20 * MINUTE).await.unwrap();
        assert!(report.opened.is_empty());
        assert_eq!(report.alert_events, 1);
        assert_eq!(all_incidents(&store).await.len(), 1);

        // Another subject of the same rule is another alert, hence another incident.
        let other = alert("ProbeFailing", &[("probe", "api"), ("severity", "warning")], T0, None);
        let report = step(&store, &[other], &settings(), T0 + 21 * MINUTE).await.unwrap();
        assert_eq!(report.opened.len(), 1);
        let newest = store.incidents().require(report.opened[0]).await.unwrap();
        assert_eq!(newest.severity, Severity::Sev3, "warning → SEV3");
    }
}

on_both_engines! {
    /// Resolved by people, the alert fires again 30 minutes later (inside the one-hour window):
    /// the same incident reopens. Resolved again, it fires two hours later: a new incident.
    async fn reopen_inside_the_window_new_incident_after_it(store) {
        let incidents = store.incidents();
        let first = alert("HighErrorRate", &[], T0, None);
        let id = step(&store, std::slice::from_ref(&first), &settings(), T0).await.unwrap().opened[0];
        incidents.transition(id, State::Resolved, "bob", T0 + 20 * MINUTE).await.unwrap();

        // Still the first episode: resolved by people before the alert stopped; nothing new.
        let report = step(&store, &[first], &settings(), T0 + 21 * MINUTE).await.unwrap();
        assert!(report.opened.is_empty() && report.reopened.is_empty(), "{report:?}");

        let back = alert("HighErrorRate", &[], T0 + 50 * MINUTE, None);
        let report = step(&store, std::slice::from_ref(&back), &settings(), T0 + 50 * MINUTE).await.unwrap();
        assert_eq!(report.reopened, [id]);
        assert!(report.opened.is_empty());
        let reopened = incidents.require(id).await.unwrap();
        assert_eq!(reopened.state(), State::Diagnosing);
        assert_eq!(reopened.lifecycle.reopened_count, 1);
        assert_eq!(reopened.lifecycle.resolved_ms, None);
        let timeline = incidents.timeline(id).await.unwrap();
        let event = timeline.last().expect("events");
        assert_eq!((event.kind.as_str(), event.actor.as_str()), ("reopened", "alerting"));
        assert_eq!(event.detail["fingerprint"], back.fingerprint.as_str());
        assert_eq!(incidents.open_for_fingerprint(&back.fingerprint).await.unwrap().map(|i| i.id), Some(id));

        // Resolved at +1 h; the alert resolves, then fires again at +3 h: outside the window.
        incidents.transition(id, State::Resolved, "bob", T0 + HOUR).await.unwrap();
        let later = alert("HighErrorRate", &[], T0 + 3 * HOUR, None);
        let report = step(&store, &[later], &settings(), T0 + 3 * HOUR).await.unwrap();
        assert_eq!(report.opened.len(), 1);
        assert_ne!(report.opened[0], id);
        assert_eq!(incidents.require(id).await.unwrap().state(), State::Resolved);

        // A shorter window, configured: 10 minutes.
        let short = IncidentSettings { reopen_window_seconds: 600, ..settings() };
        let newest = report.opened[0];
        incidents.transition(newest, State::Resolved, "bob", T0 + 4 * HOUR).await.unwrap();
        let report = step(&store, &[alert("HighErrorRate", &[], T0 + 4 * HOUR + 11 * MINUTE, None)], &short, T0 + 5 * HOUR).await.unwrap();
        assert_eq!(report.opened.len(), 1, "11 minutes is outside a 10-minute window");
        assert_eq!(all_incidents(&store).await.len(), 3);
    }
}

on_both_engines! {
    /// A closed incident never reopens, even inside the window.
    async fn a_closed_incident_is_not_reopened(store) {
        let incidents = store.incidents();
        let id = step(&store, &[alert("HighLatency", &[], T0, None)], &settings(), T0).await.unwrap().opened[0];
        incidents.transition(id, State::Closed, "bob", T0 + 10 * MINUTE).await.unwrap();
        let report = step(&store, &[alert("HighLatency", &[], T0 + 15 * MINUTE, None)], &settings(), T0 + 15 * MINUTE).await.unwrap();
        assert_eq!(report.opened.len(), 1);
        assert_ne!(report.opened[0], id);
        assert_eq!(incidents.require(id).await.unwrap().state(), State::Closed);
    }
}

on_both_engines! {
    /// Alerts received from an Alertmanager open incidents too; the Watchdog and disabled
    /// auto-open open none.
    async fn alertmanager_alerts_watchdog_and_auto_open_off(store) {
        let external = alert("alertmanager/KubePodCrashLooping", &[("severity", "info"), ("component", "batch")], T0, None);
        let watchdog = alert("Watchdog", &[("severity", "info")], T0, None);
        let off = IncidentSettings { auto_open: false, ..settings() };
        let report = step(&store, &[external.clone(), watchdog.clone()], &off, T0).await.unwrap();
        assert!(report.opened.is_empty());

        let report = step(&store, &[external, watchdog], &settings(), T0).await.unwrap();
        assert_eq!(report.opened.len(), 1, "the Watchdog is ignored");
        let incident = store.incidents().require(report.opened[0]).await.unwrap();
        assert_eq!(incident.title, "KubePodCrashLooping fires");
        assert_eq!(incident.severity, Severity::Sev4, "info → SEV4");
        assert_eq!(incident.components, ["batch"]);
        let links = store.incidents().linked_alerts(incident.id).await.unwrap();
        assert_eq!(links[0].rule, "alertmanager/KubePodCrashLooping");
    }
}

/// A notification of `alerts` (fingerprint, status) on `channel`, created at `created_ms`.
fn notification(id: &str, channel: &str, alerts: &[(&str, &str)], created_ms: i64) -> OutboxRow {
    let alerts: Vec<serde_json::Value> = alerts
        .iter()
        .map(|(fingerprint, status)| {
            serde_json::json!({
                "status": status,
                "labels": {"alertname": "HighErrorRate"},
                "annotations": {},
                "startsAt": "2027-01-15T08:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "",
                "fingerprint": fingerprint,
            })
        })
        .collect();
    let payload = serde_json::json!({
        "version": "4",
        "groupKey": "{}:{alertname=\"HighErrorRate\"}",
        "status": "firing",
        "receiver": channel,
        "alerts": alerts,
    });
    OutboxRow {
        id: id.to_string(),
        channel: channel.to_string(),
        group_key: "{}:{alertname=\"HighErrorRate\"}".to_string(),
        payload: payload.to_string(),
        created_ms,
        state: "pending".to_string(),
        attempts: 0,
        next_attempt_ms: created_ms,
        last_error: None,
        sent_ms: None,
    }
}

/// Queues `row` and, with `sent_ms`, marks it delivered then.
async fn outbox(store: &Store, row: &OutboxRow, sent_ms: Option<i64>) {
    let alerts = store.alerts();
    alerts
        .save_group(&row.channel, &row.group_key, None, Some(row))
        .await
        .expect("queue");
    if let Some(sent_ms) = sent_ms {
        let mut sent = row.clone();
        sent.state = "sent".to_string();
        sent.attempts = 1;
        sent.sent_ms = Some(sent_ms);
        alerts.update_delivery(&sent).await.expect("deliver");
    }
}

on_both_engines! {
    /// A delivered notification about the linked alert: notified_ms, detected → notified, and
    /// "notified via <channel>" once per channel. Pending notifications and other alerts do
    /// not count.
    async fn notified_from_a_delivered_notification(store) {
        let firing = alert("HighErrorRate", &[], T0, None);
        let id = step(&store, std::slice::from_ref(&firing), &settings(), T0).await.unwrap().opened[0];
        let fp = firing.fingerprint.as_str();

        outbox(&store, &notification("n-pending", "oncall-email", &[(fp, "firing")], T0 + SECOND), None).await;
        outbox(&store, &notification("n-other", "oncall-slack", &[("someone-else", "firing")], T0 + SECOND), Some(T0 + 2 * SECOND)).await;
        let report = step(&store, std::slice::from_ref(&firing), &settings(), T0 + 3 * SECOND).await.unwrap();
        assert_eq!(report.notified, 0);
        assert_eq!(store.incidents().require(id).await.unwrap().state(), State::Detected);

        outbox(&store, &notification("n-1", "oncall-slack", &[(fp, "firing")], T0 + 30 * SECOND), Some(T0 + 31 * SECOND)).await;
        let report = step(&store, std::slice::from_ref(&firing), &settings(), T0 + 40 * SECOND).await.unwrap();
        assert_eq!(report.notified, 1);
        let incident = store.incidents().require(id).await.unwrap();
        assert_eq!(incident.state(), State::Notified);
        assert_eq!(incident.lifecycle.notified_ms, Some(T0 + 31 * SECOND));

        // A repeat on the same channel is not noted again; another channel is.
        outbox(&store, &notification("n-2", "oncall-slack", &[(fp, "firing")], T0 + 5 * MINUTE), Some(T0 + 5 * MINUTE)).await;
        outbox(&store, &notification("n-3", "oncall-webhook", &[(fp, "firing")], T0 + 5 * MINUTE), Some(T0 + 6 * MINUTE)).await;
        let report = step(&store, std::slice::from_ref(&firing), &settings(), T0 + 7 * MINUTE).await.unwrap();
        assert_eq!(report.notified, 1);
        let again = step(&store, &[firing], &settings(), T0 + 8 * MINUTE).await.unwrap();
        assert_eq!(again.notified, 0);

        let incident = store.incidents().require(id).await.unwrap();
        assert_eq!(incident.lifecycle.notified_ms, Some(T0 + 31 * SECOND), "the first notification");
        let notified: Vec<String> = store
            .incidents()
            .timeline(id)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == "notified")
            .map(|e| e.describe())
            .collect();
        assert_eq!(notified, ["notified via oncall-slack", "notified via oncall-webhook"]);
    }
}

/// The task itself: it reads the stored alerts (here one received from an Alertmanager, which
/// the engine never evaluates), opens the incident, and stops on shutdown.
#[tokio::test]
async fn the_task_opens_incidents_from_stored_alerts_and_stops() {
    crate::with_sqlite(|store| async move {
        let external = alert("alertmanager/DiskFull", &[("component", "db")], T0, None);
        let row = server::storage::AlertRow {
            fingerprint: external.fingerprint.clone(),
            rule: external.rule.clone(),
            labels: serde_json::to_string(&external.labels).unwrap(),
            annotations: serde_json::to_string(&external.annotations).unwrap(),
            phase: "firing".to_string(),
            value: None,
            note: None,
            active_since_ms: Some(T0),
            fired_at_ms: Some(T0),
            resolved_at_ms: None,
            last_held_ms: Some(T0),
            evaluated_ms: T0,
            acknowledged_by: None,
            acknowledged_ms: None,
        };
        store.alerts().upsert(&[row]).await.unwrap();
        let engine = server::alerting::engine::Engine::new(
            Vec::new(),
            store.clone(),
            None,
            None,
            std::time::Duration::from_secs(15),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server::incidents::auto::run(
            store.clone(),
            engine,
            settings(),
            None,
            async move {
                let _ = stopped.await;
            },
        ));
        let mut opened = Vec::new();
        for _ in 0..100 {
            opened = all_incidents(&store).await;
            if !opened.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(opened.len(), 1, "the first step runs at start");
        assert_eq!(opened[0].components, ["db"]);
        assert_eq!(opened[0].lifecycle.detected_ms, T0);
        let _ = stop.send(());
        tokio::time::timeout(std::time::Duration::from_secs(5), task)
            .await
            .expect("stops on shutdown")
            .expect("no panic");
    })
    .await;
}
