//! Retention of the alerting tables: old changes of phase and finished notifications go;
//! pending notifications and each name's latest model report stay, however old.

use server::storage::{AlertHistoryRow, OutboxRow};

use super::{T0, sqlite_store};

const DAY: i64 = 24 * 60 * 60 * 1000;

fn change(at_ms: i64) -> AlertHistoryRow {
    AlertHistoryRow {
        id: 0,
        fingerprint: "f".into(),
        rule: "Watchdog".into(),
        labels: "{}".into(),
        phase: "firing".into(),
        previous: "inactive".into(),
        value: Some(1.0),
        at_ms,
    }
}

fn notification(id: &str, created_ms: i64, state: &str) -> OutboxRow {
    OutboxRow {
        id: id.into(),
        channel: "ops".into(),
        group_key: "g".into(),
        payload: "{}".into(),
        created_ms,
        state: state.into(),
        attempts: 1,
        next_attempt_ms: created_ms,
        last_error: None,
        sent_ms: None,
    }
}

#[tokio::test]
async fn old_history_and_finished_notifications_go_pending_ones_and_latest_reports_stay() {
    let (store, _dir) = sqlite_store().await;
    let alerts = store.alerts();
    alerts
        .record_changes(&[
            change(T0 - 100 * DAY),
            change(T0 - 95 * DAY),
            change(T0 - DAY),
        ])
        .await
        .expect("changes");
    for n in [
        notification("old-sent", T0 - 100 * DAY, "sent"),
        notification("old-failed", T0 - 100 * DAY, "failed"),
        notification("old-pending", T0 - 100 * DAY, "pending"),
        notification("new-sent", T0 - DAY, "sent"),
    ] {
        alerts
            .save_group("ops", "g", None, Some(&n))
            .await
            .expect("queue");
    }
    let report = |accuracy: f64| -> shared::api::model_report::ModelReport {
        serde_json::from_value(serde_json::json!({
            "kind": "quality", "name": "churn", "app_version": "0.1.0", "rows": 10,
            "accuracy": accuracy, "f1_macro": accuracy, "f1_weighted": accuracy,
        }))
        .expect("report")
    };
    store
        .model_reports()
        .insert(&report(0.5), T0 - 200 * DAY)
        .await
        .expect("report");
    store
        .model_reports()
        .insert(&report(0.6), T0 - 150 * DAY)
        .await
        .expect("report");

    // Batches of one, to go through the loop.
    let deleted = server::tasks::retention::alerting_step(&store, T0, 90, 1)
        .await
        .expect("retention");
    assert_eq!(
        deleted,
        2 + 2 + 1,
        "two changes, two finished notifications, one report"
    );
    assert_eq!(alerts.history(10).await.expect("history").len(), 1);
    let left: Vec<String> = alerts
        .outbox(10)
        .await
        .expect("outbox")
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(left, ["new-sent", "old-pending"]);
    assert_eq!(
        store.model_reports().count().await.expect("count"),
        1,
        "the latest report stays"
    );
}
