//! Escalation of unacknowledged incidents: level 1 after N minutes, level 2 after 2N, once
//! each, with explicit instants; sent to the shared channel and the person's own when set.

use std::sync::{Arc, Mutex};

use server::alerting::notify::{ChannelKind, Delivery, Notifier, WebhookMessage};
use server::incidents::State;
use server::incidents::escalation::{
    ESCALATED, Escalated, EscalationChannel, EscalationChannels, step,
};
use server::incidents::oncall::RotationSettings;
use server::storage::oncall::NewOverride;

use super::*;

fn settings() -> RotationSettings {
    RotationSettings {
        time_zone: "Europe/Paris".into(),
        people: vec!["alice".into(), "bob".into(), "carol".into()],
        start_date: Some("2027-03-01".into()),
        commander: Some("dana".into()),
        escalate_after_minutes: 15,
        channel: Some("oncall-test".into()),
        ..RotationSettings::default()
    }
}

/// A channel that keeps what it is given.
#[derive(Debug, Default)]
struct Recorder {
    sent: Mutex<Vec<(WebhookMessage, String)>>,
}

impl Notifier for Recorder {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Webhook
    }

    fn notify<'a>(&'a self, message: &'a WebhookMessage, idempotency_key: &'a str) -> Delivery<'a> {
        Box::pin(async move {
            self.sent
                .lock()
                .expect("lock")
                .push((message.clone(), idempotency_key.to_string()));
            Ok(())
        })
    }
}

/// The `escalated` events of incident `id`: (at, level, to, from).
async fn escalations(store: &Store, id: i64) -> Vec<(i64, u64, String, Option<String>)> {
    store
        .incidents()
        .timeline(id)
        .await
        .expect("timeline")
        .into_iter()
        .filter(|e| e.kind == ESCALATED)
        .map(|e| {
            assert_eq!(e.actor, "escalation");
            (
                e.at_ms,
                e.detail["level"].as_u64().expect("level"),
                e.detail["to"].as_str().expect("to").to_string(),
                e.detail
                    .get("from")
                    .and_then(|f| f.as_str())
                    .map(str::to_string),
            )
        })
        .collect()
}

fn levels(done: &[Escalated]) -> Vec<(i64, u8, &str)> {
    done.iter()
        .map(|e| (e.incident_id, e.level, e.to.as_str()))
        .collect()
}

on_both_engines! {
    /// An auto-opened incident escalates to the next in line at +15 min and to the commander at
    /// +30 min, once each; a notified incident too, from its own detection; acknowledged,
    /// resolved and people-opened detected incidents do not.
    async fn levels_at_the_right_minutes(store) {
        let settings = settings();
        let recorder = Arc::new(Recorder::default());
        let channels = EscalationChannels {
            shared: Some(EscalationChannel {
                name: "oncall-test".into(),
                notifier: recorder.clone(),
                external_url: "https://csv.example.org".into(),
            }),
            personal: Default::default(),
        };
        // Tuesday 2027-03-02, 11:00 Paris: alice is on call.
        let t0 = ms("2027-03-02T10:00:00Z");
        let auto = open_incident(&store, "API down", "alerting", t0).await;
        let manual = open_incident(&store, "Slow drift job", "bob", t0 + 5 * MINUTE).await;
        let acked = open_incident(&store, "Acked", "alerting", t0).await;
        let resolved = open_incident(&store, "Gone", "alerting", t0).await;
        store.incidents().acknowledge(acked.id, "alice", t0 + 2 * MINUTE).await.expect("ack");
        store
            .incidents()
            .transition(resolved.id, State::Resolved, "alice", t0 + 3 * MINUTE)
            .await
            .expect("resolve");

        let run = |now: i64| {
            let store = store.clone();
            let settings = settings.clone();
            let channels = channels.clone();
            async move { step(&store, &settings, &channels, now).await.expect("step") }
        };
        assert!(run(t0 + 15 * MINUTE - 1).await.is_empty());
        let first = run(t0 + 15 * MINUTE).await;
        assert_eq!(levels(&first), [(auto.id, 1, "bob")]);
        assert_eq!(first[0].sent, [("oncall-test".to_string(), Ok(()))]);
        assert!(run(t0 + 16 * MINUTE).await.is_empty(), "level 1 only once");

        // The manual incident is detected, opened by a person: not watched until notified.
        assert!(run(t0 + 25 * MINUTE).await.is_empty());
        store
            .incidents()
            .transition(manual.id, State::Notified, "alerting", t0 + 26 * MINUTE)
            .await
            .expect("notified");
        // Erin overrides alice from +27 min: erin is not in the rotation, so level 1 goes to
        // the person the rotation schedules, alice.
        store
            .oncall()
            .add_override(
                &NewOverride {
                    person: "erin".into(),
                    starts_ms: t0 + 27 * MINUTE,
                    ends_ms: t0 + 2 * HOUR,
                    reason: None,
                },
                "alice",
                t0 + 26 * MINUTE,
            )
            .await
            .expect("override");
        let second = run(t0 + 28 * MINUTE).await;
        assert_eq!(levels(&second), [(manual.id, 1, "alice")]);
        assert!(run(t0 + 30 * MINUTE - 1).await.is_empty());
        assert_eq!(levels(&run(t0 + 30 * MINUTE).await), [(auto.id, 2, "dana")]);
        assert!(run(t0 + 34 * MINUTE).await.is_empty());
        assert_eq!(levels(&run(t0 + 35 * MINUTE).await), [(manual.id, 2, "dana")]);
        assert!(run(t0 + 3 * HOUR).await.is_empty(), "each level once");

        assert_eq!(
            escalations(&store, auto.id).await,
            [
                (t0 + 15 * MINUTE, 1, "bob".to_string(), Some("alice".to_string())),
                (t0 + 30 * MINUTE, 2, "dana".to_string(), None),
            ]
        );
        assert_eq!(
            escalations(&store, manual.id).await,
            [
                (t0 + 28 * MINUTE, 1, "alice".to_string(), Some("erin".to_string())),
                (t0 + 35 * MINUTE, 2, "dana".to_string(), None),
            ]
        );
        assert!(escalations(&store, acked.id).await.is_empty());
        assert!(escalations(&store, resolved.id).await.is_empty());

        let sent = recorder.sent.lock().expect("lock").clone();
        assert_eq!(sent.len(), 4);
        let (message, key) = &sent[0];
        assert_eq!(key, &format!("escalation-{}-1", auto.id));
        assert_eq!(message.receiver, "oncall-test");
        let alert = &message.alerts[0];
        assert_eq!(alert.label("alertname"), "IncidentEscalated");
        assert_eq!(alert.label("escalated_to"), "bob");
        assert_eq!(alert.generator_url, format!("https://csv.example.org/incidents/{}", auto.id));
        assert!(alert.annotation("summary").contains("not acknowledged after 15 min"));
    }
}

on_both_engines! {
    /// A server that was down past both deadlines records both levels in one step, and a
    /// restarted one (a new step on the same store) does not repeat them.
    async fn late_start_and_restart(store) {
        let settings = RotationSettings { channel: None, ..settings() };
        let t0 = ms("2027-03-09T10:00:00Z"); // bob's week
        let incident = open_incident(&store, "Late", "alerting", t0).await;
        let none = EscalationChannels::default();
        let done = step(&store, &settings, &none, t0 + 2 * HOUR).await.expect("step");
        assert_eq!(levels(&done), [(incident.id, 1, "carol"), (incident.id, 2, "dana")]);
        assert!(done[0].sent.is_empty());
        assert!(step(&store, &settings, &none, t0 + 3 * HOUR).await.expect("step").is_empty());
        // Acknowledged later: nothing more, and the recorded events stay.
        store.incidents().acknowledge(incident.id, "carol", t0 + 4 * HOUR).await.expect("ack");
        assert_eq!(escalations(&store, incident.id).await.len(), 2);
        // No commander and no rotation: nothing to escalate to.
        let other = open_incident(&store, "Nobody", "alerting", t0).await;
        let empty = RotationSettings::default();
        assert!(step(&store, &empty, &none, t0 + 5 * HOUR).await.expect("step").is_empty());
        assert!(escalations(&store, other.id).await.is_empty());
    }
}

on_both_engines! {
    /// A person with a contact channel is reached there too, besides the shared channel; a
    /// level to someone without one goes to the shared channel only, and a failed send is
    /// reported without undoing the escalation.
    async fn a_person_is_reached_on_their_own_channel(store) {
        let settings = settings();
        let shared = Arc::new(Recorder::default());
        let bobs = Arc::new(Recorder::default());
        let channel = |name: &str, notifier: Arc<dyn Notifier>| EscalationChannel {
            name: name.into(),
            notifier,
            external_url: "https://csv.example.org".into(),
        };
        let channels = EscalationChannels {
            shared: Some(channel("oncall-test", shared.clone())),
            personal: [
                ("bob".to_string(), channel("bob-email", bobs.clone())),
                ("dana".to_string(), channel("dana-pager", Arc::new(Refusing))),
            ]
            .into(),
        };
        // Tuesday 2027-03-02, 11:00 Paris: alice is on call, bob is next.
        let t0 = ms("2027-03-02T10:00:00Z");
        let incident = open_incident(&store, "API down", "alerting", t0).await;
        let first = step(&store, &settings, &channels, t0 + 15 * MINUTE).await.expect("step");
        assert_eq!(levels(&first), [(incident.id, 1, "bob")]);
        assert_eq!(
            first[0].sent,
            [("oncall-test".to_string(), Ok(())), ("bob-email".to_string(), Ok(()))]
        );
        let to_bob = bobs.sent.lock().expect("lock").clone();
        assert_eq!(to_bob.len(), 1);
        assert_eq!(to_bob[0].0.receiver, "bob-email");
        assert_eq!(to_bob[0].0.alerts[0].label("escalated_to"), "bob");
        assert_eq!(to_bob[0].1, format!("escalation-{}-1", incident.id));

        let second = step(&store, &settings, &channels, t0 + 30 * MINUTE).await.expect("step");
        assert_eq!(levels(&second), [(incident.id, 2, "dana")]);
        assert_eq!(second[0].sent[0], ("oncall-test".to_string(), Ok(())));
        assert_eq!(second[0].sent[1].0, "dana-pager");
        assert!(second[0].sent[1].1.is_err());
        assert_eq!(escalations(&store, incident.id).await.len(), 2, "both on the timeline");
        assert_eq!(shared.sent.lock().expect("lock").len(), 2);
        assert_eq!(bobs.sent.lock().expect("lock").len(), 1, "level 2 is not bob's");
    }
}

/// A channel whose sends all fail.
#[derive(Debug)]
struct Refusing;

impl Notifier for Refusing {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Webhook
    }

    fn notify<'a>(&'a self, _message: &'a WebhookMessage, _key: &'a str) -> Delivery<'a> {
        Box::pin(async move {
            Err(server::alerting::notify::DeliveryError {
                reason: "503 from the pager".to_string(),
                retryable: true,
                retry_after: None,
            })
        })
    }
}
