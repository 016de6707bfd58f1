//! Real-user monitoring: the raw events of the browser's beacons and the JS error groups.
//!
//! # Schema (`server/migrations/*/0002_rum.sql`, `0009_rum_per_10k_rows.sql`)
//!
//! - `rum_events`: one row per event (a navigation timing's `value` is its load time, its other
//!   figures have columns of their own), with the beacon's context, the time the server received it (`received_ms`, the server's clock: windows never
//!   trust the browser's), the client's network (`client_net`, `/24` or `/48`, never a whole
//!   address) and, for errors, message, source, line, column and fingerprint. Error stacks are
//!   not kept per event: the group keeps the latest one. An analysis timing (profile, drift,
//!   quality) from a recent app also has `ms_per_10k_rows` (0009), its time per 10,000 rows
//!   as the browser computed it, two significant digits. Indexed on `received_ms` (windows,
//!   retention).
//! - `rum_error_groups`: one row per fingerprint (see `shared::api::rum::fingerprint`): kind,
//!   the latest message, source and stack seen, first and last seen, event count.
//! - `rum_error_sessions (fingerprint, session)`: the sessions that saw each group, so
//!   "affected sessions" is an exact count (`COUNT(*)` per fingerprint), not an estimate. Its
//!   size is bounded by (sessions × distinct errors) within the retention.
//!
//! # Writes
//!
//! [`RumEvents::insert`] writes a batch (many beacons) in one transaction: the events with
//! multi-row `INSERT … VALUES` on SQLite (chunks of 1,024, 512, … 1 rows, so at most eleven
//! statement shapes are prepared and cached) and one `INSERT … SELECT FROM UNNEST(arrays)` on
//! PostgreSQL; then one upsert per error group and per (group, session) of the batch, in
//! fingerprint order so concurrent writers (replicas) lock rows in the same order.
//!
//! # Retention
//!
//! [`RumEvents::delete_older_than`] deletes events oldest first in bounded batches; groups and
//! their session rows go when the group was last seen before the cutoff, so a group's
//! `event_count` counts from its first sighting, while its affected sessions are those that
//! saw it within the retention.

mod postgres;
mod sqlite;

use std::sync::Arc;

use shared::api::rum::{RowsBucket, TimingName};

use super::{StorageError, Store, with_pool};
use crate::rum::rows;

/// One stored event, as the ingestion builds it from a validated beacon. The beacon's strings
/// are shared by its rows (`Arc<str>`: one allocation per beacon, not per event).
#[derive(Debug, Clone, PartialEq)]
pub struct RumEventRow {
    /// When the server received the beacon, Unix milliseconds.
    pub received_ms: i64,
    pub session: Arc<str>,
    pub app_version: Arc<str>,
    /// The route template, without query string or fragment.
    pub route: Arc<str>,
    pub device: &'static str,
    pub browser: &'static str,
    pub viewport: &'static str,
    pub connection: Option<Arc<str>>,
    /// The client's network (`203.0.113.0/24`, `2001:db8:1::/48`), or `None` when unknown.
    pub client_net: Option<Arc<str>>,
    /// `vital`, `navigation`, `timing` or `error`.
    pub event_type: &'static str,
    /// The vital (`LCP`…), timing step (`parse`…), error kind, or `navigation`.
    pub name: &'static str,
    /// Milliseconds (CLS: unitless; a navigation: its load time); `None` for errors.
    pub value: Option<f64>,
    /// Vitals: `good`, `needs-improvement` or `poor`.
    pub rating: Option<&'static str>,
    /// Milliseconds since the page's navigation start.
    pub at_ms: f64,
    pub size_bucket: Option<&'static str>,
    pub rows_bucket: Option<&'static str>,
    pub thread: Option<&'static str>,
    /// Analysis timings: milliseconds per 10,000 rows (`shared::api::rum::Timing`); `None`
    /// for other events, phases and older apps.
    pub ms_per_10k_rows: Option<f64>,
    pub error: Option<ErrorDetail>,
    pub navigation: Option<NavigationDetail>,
}

/// The figures of a navigation timing besides its load time (the row's `value`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NavigationDetail {
    pub dns_ms: f64,
    pub connect_ms: f64,
    pub ttfb_ms: f64,
    pub dom_content_loaded_ms: f64,
    pub transfer_bytes: f64,
}

/// The error fields of an `error` event.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorDetail {
    pub message: String,
    pub source: String,
    pub line: u32,
    pub column: u32,
    pub fingerprint: String,
    /// Kept in the group (the latest one seen), not per event.
    pub stack: Option<String>,
}

/// What the summary reads of one event of a window.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct WindowEvent {
    pub received_ms: i64,
    pub session: String,
    pub app_version: String,
    pub route: String,
    pub device: String,
    pub event_type: String,
    pub name: String,
    pub value: Option<f64>,
    pub fingerprint: Option<String>,
    /// Analysis timings of recent apps: milliseconds per 10,000 rows.
    pub ms_per_10k_rows: Option<f64>,
}

/// One error group, with its number of affected sessions.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ErrorGroupRow {
    pub fingerprint: String,
    pub kind: String,
    pub message: String,
    pub source: String,
    pub line: i64,
    pub column_no: i64,
    pub stack: Option<String>,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    pub event_count: i64,
    pub affected_sessions: i64,
}

/// One stored event, read back whole (tests and tools; the summary reads [`WindowEvent`]s).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredEvent {
    pub received_ms: i64,
    pub session: String,
    pub app_version: String,
    pub route: String,
    pub device: String,
    pub browser: String,
    pub viewport: String,
    pub connection: Option<String>,
    pub client_net: Option<String>,
    pub event_type: String,
    pub name: String,
    pub value: Option<f64>,
    pub rating: Option<String>,
    pub at_ms: f64,
    pub size_bucket: Option<String>,
    pub rows_bucket: Option<String>,
    pub thread: Option<String>,
    pub message: Option<String>,
    pub source: Option<String>,
    pub line: Option<i64>,
    pub column_no: Option<i64>,
    pub fingerprint: Option<String>,
    pub dns_ms: Option<f64>,
    pub connect_ms: Option<f64>,
    pub ttfb_ms: Option<f64>,
    pub dom_content_loaded_ms: Option<f64>,
    pub transfer_bytes: Option<f64>,
    pub ms_per_10k_rows: Option<f64>,
}

/// An error group's changes from one batch.
#[derive(Debug)]
struct GroupUpdate<'a> {
    fingerprint: &'a str,
    kind: &'static str,
    message: &'a str,
    source: &'a str,
    line: i64,
    column: i64,
    stack: Option<&'a str>,
    first_seen_ms: i64,
    last_seen_ms: i64,
    count: i64,
    /// `(session, last seen)` in session order.
    sessions: Vec<(&'a str, i64)>,
}

/// The error groups touched by `rows`, in fingerprint order; each keeps the last message,
/// source and (non-empty) stack of the batch.
fn group_updates(rows: &[RumEventRow]) -> Vec<GroupUpdate<'_>> {
    use std::collections::BTreeMap;
    let mut groups: BTreeMap<&str, (GroupUpdate<'_>, BTreeMap<&str, i64>)> = BTreeMap::new();
    for row in rows {
        let Some(error) = &row.error else { continue };
        let (group, sessions) = groups.entry(&error.fingerprint).or_insert_with(|| {
            (
                GroupUpdate {
                    fingerprint: &error.fingerprint,
                    kind: row.name,
                    message: &error.message,
                    source: &error.source,
                    line: i64::from(error.line),
                    column: i64::from(error.column),
                    stack: None,
                    first_seen_ms: row.received_ms,
                    last_seen_ms: row.received_ms,
                    count: 0,
                    sessions: Vec::new(),
                },
                BTreeMap::new(),
            )
        });
        group.count += 1;
        group.first_seen_ms = group.first_seen_ms.min(row.received_ms);
        if row.received_ms >= group.last_seen_ms {
            group.last_seen_ms = row.received_ms;
            group.message = &error.message;
            group.source = &error.source;
            group.line = i64::from(error.line);
            group.column = i64::from(error.column);
        }
        if let Some(stack) = error.stack.as_deref().filter(|s| !s.is_empty()) {
            group.stack = Some(stack);
        }
        let seen = sessions.entry(&*row.session).or_insert(row.received_ms);
        *seen = (*seen).max(row.received_ms);
    }
    groups
        .into_values()
        .map(|(mut group, sessions)| {
            group.sessions = sessions.into_iter().collect();
            group
        })
        .collect()
}

/// The RUM repository. Cheap to clone; get one with [`Store::rum`].
#[derive(Debug, Clone)]
pub struct RumEvents {
    store: Store,
}

/// Most events [`RumEvents::window`] reads (the newest ones); the summary says when it hit it.
pub const WINDOW_READ_LIMIT: i64 = 1_000_000;

impl RumEvents {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Writes `rows` and updates their error groups, in one transaction: all or nothing.
    pub async fn insert(&self, rows: &[RumEventRow]) -> Result<(), StorageError> {
        if rows.is_empty() {
            return Ok(());
        }
        let nan = |r: &&RumEventRow| {
            r.value.is_some_and(f64::is_nan)
                || r.ms_per_10k_rows.is_some_and(f64::is_nan)
                || r.at_ms.is_nan()
                || r.navigation.is_some_and(|n| {
                    [
                        n.dns_ms,
                        n.connect_ms,
                        n.ttfb_ms,
                        n.dom_content_loaded_ms,
                        n.transfer_bytes,
                    ]
                    .iter()
                    .any(|v| v.is_nan())
                })
        };
        if let Some(bad) = rows.iter().find(nan) {
            return Err(StorageError::InvalidSample {
                name: bad.name.to_string(),
                reason: "the value is NaN",
            });
        }
        let groups = group_updates(rows);
        match &self.store {
            Store::Sqlite(pool) => sqlite::insert(pool, rows, &groups).await,
            Store::Postgres(pool) => postgres::insert(pool, rows, &groups).await,
        }
    }

    /// The events received at or after `from_ms` that carry a value or are errors, newest
    /// first, at most `limit`.
    pub async fn window(&self, from_ms: i64, limit: i64) -> Result<Vec<WindowEvent>, StorageError> {
        let rows: Vec<WindowEvent> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT received_ms, session, app_version, route, device, event_type, name, value, \
                    fingerprint, ms_per_10k_rows \
             FROM rum_events WHERE received_ms >= $1 \
             ORDER BY received_ms DESC LIMIT $2",
        )
        .bind(from_ms)
        .bind(limit)
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// The time per 10,000 rows (`ms_per_10k_rows`, milliseconds) of the analyses (profile,
    /// drift, quality; not their read and parse phases) received from `from_ms` to `to_ms`,
    /// both included (the server's clock), whose row count is at least `min_rows`'s, in
    /// ascending order (ready for [`shared::api::rum_summary::percentile`]). Timings without
    /// the figure (older apps, inputs without rows) are left out. At most
    /// [`WINDOW_READ_LIMIT`] values, the newest ones.
    ///
    /// `min_rows` matters: below a few thousand rows an analysis's fixed costs (starting the
    /// worker, reading the header) dominate, so its time per 10,000 rows says little about the
    /// engine's speed: [`RowsBucket::UnderThousand`] takes every analysis,
    /// [`RowsBucket::TensOfThousands`] those of 10,000 rows or more.
    pub async fn analysis_ms_per_10k_rows(
        &self,
        from_ms: i64,
        to_ms: i64,
        min_rows: RowsBucket,
    ) -> Result<Vec<f64>, StorageError> {
        // One parameter per bucket: its stored name when it counts, NULL (matching nothing)
        // when it is under `min_rows`. The SQL stays one statement whatever the minimum.
        let buckets: Vec<Option<&'static str>> = RowsBucket::ALL
            .into_iter()
            .map(|bucket| (bucket >= min_rows).then(|| rows::rows_bucket(bucket)))
            .collect();
        let [profile, drift, quality] = TimingName::ANALYSES.map(TimingName::as_str);
        let mut values: Vec<f64> = with_pool!(&self.store, pool => sqlx::query_scalar(
            "SELECT ms_per_10k_rows FROM rum_events \
             WHERE received_ms >= $1 AND received_ms <= $2 AND event_type = 'timing' \
               AND name IN ($3, $4, $5) AND ms_per_10k_rows IS NOT NULL \
               AND rows_bucket IN ($6, $7, $8, $9, $10) \
             ORDER BY received_ms DESC LIMIT $11",
        )
        .bind(from_ms)
        .bind(to_ms)
        .bind(profile)
        .bind(drift)
        .bind(quality)
        .bind(buckets[0])
        .bind(buckets[1])
        .bind(buckets[2])
        .bind(buckets[3])
        .bind(buckets[4])
        .bind(WINDOW_READ_LIMIT)
        .fetch_all(pool)
        .await?);
        values.sort_unstable_by(f64::total_cmp);
        Ok(values)
    }

    /// Every stored event received at or after `from_ms`, oldest first, at most `limit`.
    pub async fn events(&self, from_ms: i64, limit: i64) -> Result<Vec<StoredEvent>, StorageError> {
        let rows: Vec<StoredEvent> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT received_ms, session, app_version, route, device, browser, viewport, \
                    connection, client_net, event_type, name, value, rating, at_ms, size_bucket, \
                    rows_bucket, thread, message, source, line, column_no, fingerprint, dns_ms, \
                    connect_ms, ttfb_ms, dom_content_loaded_ms, transfer_bytes, ms_per_10k_rows \
             FROM rum_events WHERE received_ms >= $1 ORDER BY received_ms, id LIMIT $2",
        )
        .bind(from_ms)
        .bind(limit)
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// How many events are stored.
    pub async fn count(&self) -> Result<i64, StorageError> {
        let n: i64 = with_pool!(&self.store, pool =>
            sqlx::query_scalar("SELECT COUNT(*) FROM rum_events").fetch_one(pool).await?);
        Ok(n)
    }

    /// The error groups, most events first (then most recently seen), at most `limit`.
    pub async fn error_groups(&self, limit: i64) -> Result<Vec<ErrorGroupRow>, StorageError> {
        let rows: Vec<ErrorGroupRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT g.fingerprint, g.kind, g.message, g.source, g.line, g.column_no, g.stack, \
                    g.first_seen_ms, g.last_seen_ms, g.event_count, \
                    (SELECT COUNT(*) FROM rum_error_sessions s \
                     WHERE s.fingerprint = g.fingerprint) AS affected_sessions \
             FROM rum_error_groups g \
             ORDER BY g.event_count DESC, g.last_seen_ms DESC, g.fingerprint LIMIT $1",
        )
        .bind(limit)
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// Deletes at most `batch` events received before `cutoff_ms` (oldest first), and, when
    /// none older is left, the error groups and session rows last seen before it. Returns how
    /// many rows it deleted; fewer than `batch` means nothing older is left.
    pub async fn delete_older_than(&self, cutoff_ms: i64, batch: u32) -> Result<u64, StorageError> {
        if batch == 0 {
            return Ok(0);
        }
        let events = with_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM rum_events WHERE id IN ( \
                 SELECT id FROM rum_events WHERE received_ms < $1 ORDER BY received_ms LIMIT $2)",
        )
        .bind(cutoff_ms)
        .bind(i64::from(batch))
        .execute(pool)
        .await?
        .rows_affected());
        if events >= u64::from(batch) {
            return Ok(events);
        }
        let left = u64::from(batch) - events;
        let sessions = with_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM rum_error_sessions WHERE (fingerprint, session) IN ( \
                 SELECT fingerprint, session FROM rum_error_sessions \
                 WHERE last_seen_ms < $1 ORDER BY last_seen_ms LIMIT $2)",
        )
        .bind(cutoff_ms)
        .bind(i64::try_from(left).unwrap_or(i64::MAX))
        .execute(pool)
        .await?
        .rows_affected());
        if sessions >= left {
            return Ok(events + sessions);
        }
        // A group last seen before the cutoff has no session seen after it: none is left.
        let groups = with_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM rum_error_groups WHERE last_seen_ms < $1 AND NOT EXISTS ( \
                 SELECT 1 FROM rum_error_sessions s \
                 WHERE s.fingerprint = rum_error_groups.fingerprint)",
        )
        .bind(cutoff_ms)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(events + sessions + groups)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_row(session: &str, fingerprint: &str, at: i64, stack: Option<&str>) -> RumEventRow {
        RumEventRow {
            received_ms: at,
            session: session.into(),
            app_version: "1".into(),
            route: "/".into(),
            device: "desktop",
            browser: "firefox",
            viewport: "1280+",
            connection: None,
            client_net: None,
            event_type: "error",
            name: "error",
            value: None,
            rating: None,
            at_ms: 0.0,
            size_bucket: None,
            rows_bucket: None,
            thread: None,
            ms_per_10k_rows: None,
            navigation: None,
            error: Some(ErrorDetail {
                message: format!("m{at}"),
                source: "app.js".into(),
                line: 1,
                column: 2,
                fingerprint: fingerprint.into(),
                stack: stack.map(str::to_string),
            }),
        }
    }

    #[test]
    fn a_batch_updates_each_group_once_with_its_sessions() {
        let rows = vec![
            error_row("s2", "b", 5, Some("at x")),
            error_row("s1", "a", 3, None),
            error_row("s1", "b", 9, None),
            error_row("s2", "b", 7, Some("")),
        ];
        let groups = group_updates(&rows);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].fingerprint, "a");
        let b = &groups[1];
        assert_eq!((b.count, b.first_seen_ms, b.last_seen_ms), (3, 5, 9));
        assert_eq!(b.message, "m9");
        assert_eq!(b.stack, Some("at x"));
        assert_eq!(b.sessions, vec![("s1", 9), ("s2", 7)]);
    }
}
