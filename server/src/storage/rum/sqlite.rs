//! RUM events on SQLite.

use std::sync::LazyLock;

use sqlx::SqlitePool;

use super::{GroupUpdate, RumEventRow};
use crate::storage::StorageError;

const COLUMNS: &str = "received_ms, session, app_version, route, device, browser, viewport, \
                       connection, client_net, event_type, name, value, rating, at_ms, \
                       size_bucket, rows_bucket, thread, message, source, line, column_no, \
                       fingerprint, dns_ms, connect_ms, ttfb_ms, dom_content_loaded_ms, \
                       transfer_bytes, ms_per_10k_rows";
const COLUMN_COUNT: usize = 28;
/// The largest chunk: 1,024 rows × 28 columns stays under SQLite's 32,766 bound parameters.
const CHUNK_SHIFT: u32 = 10;

/// `INSERT … VALUES (…), (…)` for 1, 2, 4, … 1,024 rows: a batch is written as chunks of these
/// sizes, so at most eleven statements are ever prepared (and stay in sqlx's statement cache).
static INSERT_SQL: LazyLock<Vec<String>> = LazyLock::new(|| {
    let one = format!("({})", vec!["?"; COLUMN_COUNT].join(","));
    (0..=CHUNK_SHIFT)
        .map(|shift| {
            let rows = vec![one.as_str(); 1 << shift].join(",");
            format!("INSERT INTO rum_events ({COLUMNS}) VALUES {rows}")
        })
        .collect()
});

/// The events in multi-row inserts, then the groups and sessions, in one `BEGIN IMMEDIATE`
/// transaction (the write lock taken up front: a concurrent writer waits instead of failing).
pub(super) async fn insert(
    pool: &SqlitePool,
    rows: &[RumEventRow],
    groups: &[GroupUpdate<'_>],
) -> Result<(), StorageError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut rest = rows;
    while !rest.is_empty() {
        let shift = (usize::BITS - 1 - rest.len().leading_zeros()).min(CHUNK_SHIFT);
        let (chunk, tail) = rest.split_at(1 << shift);
        rest = tail;
        let sql: &'static str = INSERT_SQL[shift as usize].as_str();
        let mut query = sqlx::query(sql);
        for row in chunk {
            let error = row.error.as_ref();
            let navigation = row.navigation.as_ref();
            query = query
                .bind(row.received_ms)
                .bind(&*row.session)
                .bind(&*row.app_version)
                .bind(&*row.route)
                .bind(row.device)
                .bind(row.browser)
                .bind(row.viewport)
                .bind(row.connection.as_deref())
                .bind(row.client_net.as_deref())
                .bind(row.event_type)
                .bind(row.name)
                .bind(row.value)
                .bind(row.rating)
                .bind(row.at_ms)
                .bind(row.size_bucket)
                .bind(row.rows_bucket)
                .bind(row.thread)
                .bind(error.map(|e| e.message.as_str()))
                .bind(error.map(|e| e.source.as_str()))
                .bind(error.map(|e| i64::from(e.line)))
                .bind(error.map(|e| i64::from(e.column)))
                .bind(error.map(|e| e.fingerprint.as_str()))
                .bind(navigation.map(|n| n.dns_ms))
                .bind(navigation.map(|n| n.connect_ms))
                .bind(navigation.map(|n| n.ttfb_ms))
                .bind(navigation.map(|n| n.dom_content_loaded_ms))
                .bind(navigation.map(|n| n.transfer_bytes))
                .bind(row.ms_per_10k_rows);
        }
        query.execute(&mut *tx).await?;
    }
    for group in groups {
        sqlx::query(
            "INSERT INTO rum_error_groups (fingerprint, kind, message, source, line, column_no, \
                 stack, first_seen_ms, last_seen_ms, event_count) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (fingerprint) DO UPDATE SET \
                 first_seen_ms = min(first_seen_ms, excluded.first_seen_ms), \
                 message = CASE WHEN excluded.last_seen_ms >= last_seen_ms \
                     THEN excluded.message ELSE message END, \
                 source = CASE WHEN excluded.last_seen_ms >= last_seen_ms \
                     THEN excluded.source ELSE source END, \
                 line = CASE WHEN excluded.last_seen_ms >= last_seen_ms \
                     THEN excluded.line ELSE line END, \
                 column_no = CASE WHEN excluded.last_seen_ms >= last_seen_ms \
                     THEN excluded.column_no ELSE column_no END, \
                 stack = coalesce(excluded.stack, stack), \
                 last_seen_ms = max(last_seen_ms, excluded.last_seen_ms), \
                 event_count = event_count + excluded.event_count",
        )
        .bind(group.fingerprint)
        .bind(group.kind)
        .bind(group.message)
        .bind(group.source)
        .bind(group.line)
        .bind(group.column)
        .bind(group.stack)
        .bind(group.first_seen_ms)
        .bind(group.last_seen_ms)
        .bind(group.count)
        .execute(&mut *tx)
        .await?;
        for (session, seen) in &group.sessions {
            sqlx::query(
                "INSERT INTO rum_error_sessions (fingerprint, session, last_seen_ms) \
                 VALUES ($1, $2, $3) \
                 ON CONFLICT (fingerprint, session) DO UPDATE SET \
                     last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)",
            )
            .bind(group.fingerprint)
            .bind(*session)
            .bind(*seen)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
