//! The alerting repository, the same on both engines:
//!
//! - `alerts`: each alert the engine has seen, by fingerprint — its phase, the instants of its
//!   episode, its latest value, and who acknowledged it. The engine writes it every evaluation
//!   (an upsert that leaves the acknowledgement alone), and reads it back at start-up.
//! - `alert_history`: every change of phase.
//! - `silences`: label matchers with a time range, author and comment.
//! - `notification_groups`: per channel and group, what was last notified and when.
//! - `notification_outbox`: every notification, stored before it is sent, with its attempts.

use super::{StorageError, Store, with_pool};
use crate::storage::WritePool;

/// One alert's stored state.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AlertRow {
    pub fingerprint: String,
    pub rule: String,
    /// JSON object.
    pub labels: String,
    /// JSON object.
    pub annotations: String,
    pub phase: String,
    pub value: Option<f64>,
    /// Why there is no value ("no data"), or why the condition cannot hold.
    pub note: Option<String>,
    pub active_since_ms: Option<i64>,
    pub fired_at_ms: Option<i64>,
    pub resolved_at_ms: Option<i64>,
    pub last_held_ms: Option<i64>,
    pub evaluated_ms: i64,
    pub acknowledged_by: Option<String>,
    pub acknowledged_ms: Option<i64>,
}

/// One change of phase.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AlertHistoryRow {
    pub id: i64,
    pub fingerprint: String,
    pub rule: String,
    pub labels: String,
    pub phase: String,
    pub previous: String,
    pub value: Option<f64>,
    pub at_ms: i64,
}

/// One silence.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SilenceRow {
    pub id: String,
    /// JSON array of matchers.
    pub matchers: String,
    pub starts_ms: i64,
    pub ends_ms: i64,
    pub created_by: String,
    pub comment: String,
    pub created_ms: i64,
}

/// What was last notified of one group on one channel.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GroupRow {
    pub channel: String,
    pub group_key: String,
    /// When the group was first seen (its `group_wait` counts from here).
    pub first_ms: i64,
    pub last_sent_ms: Option<i64>,
    /// JSON object: fingerprint → `firing` | `resolved`, as last notified.
    pub sent: String,
}

/// One notification of the outbox.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OutboxRow {
    /// Also the delivery's idempotency key.
    pub id: String,
    pub channel: String,
    pub group_key: String,
    /// The Alertmanager webhook payload (JSON).
    pub payload: String,
    pub created_ms: i64,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub next_attempt_ms: i64,
    pub last_error: Option<String>,
    pub sent_ms: Option<i64>,
}

const OUTBOX_COLUMNS: &str = "id, channel, group_key, payload, created_ms, state, attempts, \
     next_attempt_ms, last_error, sent_ms";

/// The alerting repository. Cheap to clone; get one with [`Store::alerts`].
#[derive(Debug, Clone)]
pub struct Alerts {
    store: Store,
}

const ALERT_COLUMNS: &str = "fingerprint, rule, labels, annotations, phase, value, note, \
     active_since_ms, fired_at_ms, resolved_at_ms, last_held_ms, evaluated_ms, \
     acknowledged_by, acknowledged_ms";

impl Alerts {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Writes each alert's state (the acknowledgement columns are left as they are).
    pub async fn upsert(&self, rows: &[AlertRow]) -> Result<(), StorageError> {
        const SQL: &str = "INSERT INTO alerts \
                 (fingerprint, rule, labels, annotations, phase, value, note, active_since_ms, \
                  fired_at_ms, resolved_at_ms, last_held_ms, evaluated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (fingerprint) DO UPDATE SET \
                 rule = excluded.rule, labels = excluded.labels, \
                 annotations = excluded.annotations, phase = excluded.phase, \
                 value = excluded.value, note = excluded.note, \
                 active_since_ms = excluded.active_since_ms, fired_at_ms = excluded.fired_at_ms, \
                 resolved_at_ms = excluded.resolved_at_ms, last_held_ms = excluded.last_held_ms, \
                 evaluated_ms = excluded.evaluated_ms";
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            for row in rows {
                sqlx::query(SQL)
                    .bind(&row.fingerprint)
                    .bind(&row.rule)
                    .bind(&row.labels)
                    .bind(&row.annotations)
                    .bind(&row.phase)
                    .bind(row.value)
                    .bind(&row.note)
                    .bind(row.active_since_ms)
                    .bind(row.fired_at_ms)
                    .bind(row.resolved_at_ms)
                    .bind(row.last_held_ms)
                    .bind(row.evaluated_ms)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every stored alert, by fingerprint.
    pub async fn all(&self) -> Result<Vec<AlertRow>, StorageError> {
        let sql = format!("SELECT {ALERT_COLUMNS} FROM alerts ORDER BY fingerprint");
        let rows: Vec<AlertRow> = with_pool!(&self.store, pool => sqlx::query_as(
            sqlx::AssertSqlSafe(sql)
        )
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// The alert with `fingerprint`.
    pub async fn get(&self, fingerprint: &str) -> Result<Option<AlertRow>, StorageError> {
        let sql = format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE fingerprint = $1");
        let row: Option<AlertRow> = with_pool!(&self.store, pool => sqlx::query_as(
            sqlx::AssertSqlSafe(sql)
        )
        .bind(fingerprint)
        .fetch_optional(pool)
        .await?);
        Ok(row)
    }

    /// Notes who acknowledged the alert and when; false when there is no such alert.
    pub async fn acknowledge(
        &self,
        fingerprint: &str,
        by: &str,
        at_ms: i64,
    ) -> Result<bool, StorageError> {
        let done = with_pool!(&self.store, pool => sqlx::query(
            "UPDATE alerts SET acknowledged_by = $2, acknowledged_ms = $3 WHERE fingerprint = $1",
        )
        .bind(fingerprint)
        .bind(by)
        .bind(at_ms)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(done > 0)
    }

    /// Forgets the acknowledgement (a new episode begins).
    pub async fn clear_acknowledgement(&self, fingerprint: &str) -> Result<(), StorageError> {
        with_pool!(&self.store, pool => sqlx::query(
            "UPDATE alerts SET acknowledged_by = NULL, acknowledged_ms = NULL WHERE fingerprint = $1",
        )
        .bind(fingerprint)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Appends changes of phase.
    pub async fn record_changes(&self, rows: &[AlertHistoryRow]) -> Result<(), StorageError> {
        const SQL: &str = "INSERT INTO alert_history \
                 (fingerprint, rule, labels, phase, previous, value, at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)";
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            for row in rows {
                sqlx::query(SQL)
                    .bind(&row.fingerprint)
                    .bind(&row.rule)
                    .bind(&row.labels)
                    .bind(&row.phase)
                    .bind(&row.previous)
                    .bind(row.value)
                    .bind(row.at_ms)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The newest `limit` changes, newest first.
    pub async fn history(&self, limit: i64) -> Result<Vec<AlertHistoryRow>, StorageError> {
        let rows: Vec<AlertHistoryRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, fingerprint, rule, labels, phase, previous, value, at_ms \
             FROM alert_history ORDER BY at_ms DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// Stores a silence.
    pub async fn insert_silence(&self, row: &SilenceRow) -> Result<(), StorageError> {
        with_pool!(&self.store, pool => sqlx::query(
            "INSERT INTO silences (id, matchers, starts_ms, ends_ms, created_by, comment, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&row.id)
        .bind(&row.matchers)
        .bind(row.starts_ms)
        .bind(row.ends_ms)
        .bind(&row.created_by)
        .bind(&row.comment)
        .bind(row.created_ms)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Every silence that ends after `since_ms`, by start.
    pub async fn silences(&self, since_ms: i64) -> Result<Vec<SilenceRow>, StorageError> {
        let rows: Vec<SilenceRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, matchers, starts_ms, ends_ms, created_by, comment, created_ms \
             FROM silences WHERE ends_ms > $1 ORDER BY starts_ms, id",
        )
        .bind(since_ms)
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// Ends a silence at `now_ms` (if it ends later); false when there is no such silence.
    pub async fn expire_silence(&self, id: &str, now_ms: i64) -> Result<bool, StorageError> {
        let found = with_pool!(&self.store, pool => sqlx::query(
            "UPDATE silences SET ends_ms = CASE WHEN ends_ms > $2 THEN $2 ELSE ends_ms END \
             WHERE id = $1",
        )
        .bind(id)
        .bind(now_ms)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(found > 0)
    }

    /// Every notification group.
    pub async fn groups(&self) -> Result<Vec<GroupRow>, StorageError> {
        let rows: Vec<GroupRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT channel, group_key, first_ms, last_sent_ms, sent FROM notification_groups \
             ORDER BY channel, group_key",
        )
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// In one transaction: writes the group's new state (`None`: the group is over, deleted)
    /// and queues `notification` in the outbox — so a notification is queued exactly when the
    /// group says it was sent.
    pub async fn save_group(
        &self,
        channel: &str,
        group_key: &str,
        group: Option<&GroupRow>,
        notification: Option<&OutboxRow>,
    ) -> Result<(), StorageError> {
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            match group {
                Some(g) => {
                    sqlx::query(
                        "INSERT INTO notification_groups \
                             (channel, group_key, first_ms, last_sent_ms, sent) \
                         VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (channel, group_key) DO UPDATE SET \
                             first_ms = excluded.first_ms, last_sent_ms = excluded.last_sent_ms, \
                             sent = excluded.sent",
                    )
                    .bind(&g.channel)
                    .bind(&g.group_key)
                    .bind(g.first_ms)
                    .bind(g.last_sent_ms)
                    .bind(&g.sent)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query(
                        "DELETE FROM notification_groups WHERE channel = $1 AND group_key = $2",
                    )
                    .bind(channel)
                    .bind(group_key)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            if let Some(n) = notification {
                sqlx::query(
                    "INSERT INTO notification_outbox \
                         (id, channel, group_key, payload, created_ms, state, attempts, \
                          next_attempt_ms, last_error, sent_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&n.id)
                .bind(&n.channel)
                .bind(&n.group_key)
                .bind(&n.payload)
                .bind(n.created_ms)
                .bind(&n.state)
                .bind(n.attempts)
                .bind(n.next_attempt_ms)
                .bind(&n.last_error)
                .bind(n.sent_ms)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The pending notifications due at `now_ms`, oldest first, at most `limit`.
    pub async fn due(&self, now_ms: i64, limit: i64) -> Result<Vec<OutboxRow>, StorageError> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM notification_outbox \
             WHERE state = 'pending' AND next_attempt_ms <= $1 \
             ORDER BY created_ms, id LIMIT $2"
        );
        let rows: Vec<OutboxRow> = with_pool!(&self.store, pool => sqlx::query_as(
            sqlx::AssertSqlSafe(sql)
        )
        .bind(now_ms)
        .bind(limit)
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// The newest `limit` notifications, newest first.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutboxRow>, StorageError> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM notification_outbox \
             ORDER BY created_ms DESC, id DESC LIMIT $1"
        );
        let rows: Vec<OutboxRow> = with_pool!(&self.store, pool => sqlx::query_as(
            sqlx::AssertSqlSafe(sql)
        )
        .bind(limit)
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// Notes an attempt's result: `sent` (with `sent_ms`), `pending` again at
    /// `next_attempt_ms`, or `failed`.
    pub async fn update_delivery(&self, row: &OutboxRow) -> Result<(), StorageError> {
        with_pool!(&self.store, pool => sqlx::query(
            "UPDATE notification_outbox SET state = $2, attempts = $3, next_attempt_ms = $4, \
                 last_error = $5, sent_ms = $6 WHERE id = $1",
        )
        .bind(&row.id)
        .bind(&row.state)
        .bind(row.attempts)
        .bind(row.next_attempt_ms)
        .bind(&row.last_error)
        .bind(row.sent_ms)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Deletes at most `batch` rows older than `cutoff_ms`, oldest first: changes of phase,
    /// then notifications that are over (sent or failed). Returns how many it deleted.
    pub async fn delete_older_than(&self, cutoff_ms: i64, batch: u32) -> Result<u64, StorageError> {
        if batch == 0 {
            return Ok(0);
        }
        let history = with_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM alert_history WHERE id IN ( \
                 SELECT id FROM alert_history WHERE at_ms < $1 ORDER BY at_ms LIMIT $2)",
        )
        .bind(cutoff_ms)
        .bind(i64::from(batch))
        .execute(pool)
        .await?
        .rows_affected());
        if history >= u64::from(batch) {
            return Ok(history);
        }
        let left = i64::try_from(u64::from(batch) - history).unwrap_or(i64::MAX);
        let outbox = with_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM notification_outbox WHERE id IN ( \
                 SELECT id FROM notification_outbox \
                 WHERE state <> 'pending' AND created_ms < $1 ORDER BY created_ms LIMIT $2)",
        )
        .bind(cutoff_ms)
        .bind(left)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(history + outbox)
    }
}
