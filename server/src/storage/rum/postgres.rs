//! RUM events on PostgreSQL.

use sqlx::PgPool;

use super::{GroupUpdate, RumEventRow};
use crate::storage::StorageError;

/// The events in one `INSERT … SELECT FROM UNNEST(arrays)` whatever the batch size, then the
/// groups and sessions (fingerprint order, so concurrent replicas lock rows in the same
/// order), in one transaction.
pub(super) async fn insert(
    pool: &PgPool,
    rows: &[RumEventRow],
    groups: &[GroupUpdate<'_>],
) -> Result<(), StorageError> {
    let n = rows.len();
    let mut received = Vec::with_capacity(n);
    let mut session = Vec::with_capacity(n);
    let mut app_version = Vec::with_capacity(n);
    let mut route = Vec::with_capacity(n);
    let mut device = Vec::with_capacity(n);
    let mut browser = Vec::with_capacity(n);
    let mut viewport = Vec::with_capacity(n);
    let mut connection = Vec::with_capacity(n);
    let mut client_net = Vec::with_capacity(n);
    let mut event_type = Vec::with_capacity(n);
    let mut name = Vec::with_capacity(n);
    let mut value = Vec::with_capacity(n);
    let mut rating = Vec::with_capacity(n);
    let mut at = Vec::with_capacity(n);
    let mut size_bucket = Vec::with_capacity(n);
    let mut rows_bucket = Vec::with_capacity(n);
    let mut thread = Vec::with_capacity(n);
    let mut message = Vec::with_capacity(n);
    let mut source = Vec::with_capacity(n);
    let mut line = Vec::with_capacity(n);
    let mut column = Vec::with_capacity(n);
    let mut fingerprint = Vec::with_capacity(n);
    let mut dns = Vec::with_capacity(n);
    let mut connect = Vec::with_capacity(n);
    let mut ttfb = Vec::with_capacity(n);
    let mut dom_content_loaded = Vec::with_capacity(n);
    let mut transfer = Vec::with_capacity(n);
    let mut per_10k_rows = Vec::with_capacity(n);
    for row in rows {
        let error = row.error.as_ref();
        let navigation = row.navigation.as_ref();
        received.push(row.received_ms);
        session.push(&*row.session);
        app_version.push(&*row.app_version);
        route.push(&*row.route);
        device.push(row.device);
        browser.push(row.browser);
        viewport.push(row.viewport);
        connection.push(row.connection.as_deref());
        client_net.push(row.client_net.as_deref());
        event_type.push(row.event_type);
        name.push(row.name);
        value.push(row.value);
        rating.push(row.rating);
        at.push(row.at_ms);
        size_bucket.push(row.size_bucket);
        rows_bucket.push(row.rows_bucket);
        thread.push(row.thread);
        message.push(error.map(|e| e.message.as_str()));
        source.push(error.map(|e| e.source.as_str()));
        line.push(error.map(|e| i64::from(e.line)));
        column.push(error.map(|e| i64::from(e.column)));
        fingerprint.push(error.map(|e| e.fingerprint.as_str()));
        dns.push(navigation.map(|n| n.dns_ms));
        connect.push(navigation.map(|n| n.connect_ms));
        ttfb.push(navigation.map(|n| n.ttfb_ms));
        dom_content_loaded.push(navigation.map(|n| n.dom_content_loaded_ms));
        transfer.push(navigation.map(|n| n.transfer_bytes));
        per_10k_rows.push(row.ms_per_10k_rows);
    }
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO rum_events (received_ms, session, app_version, route, device, browser, \
             viewport, connection, client_net, event_type, name, value, rating, at_ms, \
             size_bucket, rows_bucket, thread, message, source, line, column_no, fingerprint, \
             dns_ms, connect_ms, ttfb_ms, dom_content_loaded_ms, transfer_bytes, \
             ms_per_10k_rows) \
         SELECT * FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], \
             $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], \
             $12::float8[], $13::text[], $14::float8[], $15::text[], $16::text[], $17::text[], \
             $18::text[], $19::text[], $20::int8[], $21::int8[], $22::text[], $23::float8[], \
             $24::float8[], $25::float8[], $26::float8[], $27::float8[], $28::float8[])",
    )
    .bind(&received)
    .bind(&session)
    .bind(&app_version)
    .bind(&route)
    .bind(&device)
    .bind(&browser)
    .bind(&viewport)
    .bind(&connection)
    .bind(&client_net)
    .bind(&event_type)
    .bind(&name)
    .bind(&value)
    .bind(&rating)
    .bind(&at)
    .bind(&size_bucket)
    .bind(&rows_bucket)
    .bind(&thread)
    .bind(&message)
    .bind(&source)
    .bind(&line)
    .bind(&column)
    .bind(&fingerprint)
    .bind(&dns)
    .bind(&connect)
    .bind(&ttfb)
    .bind(&dom_content_loaded)
    .bind(&transfer)
    .bind(&per_10k_rows)
    .execute(&mut *tx)
    .await?;
    for group in groups {
        sqlx::query(
            "INSERT INTO rum_error_groups AS g (fingerprint, kind, message, source, line, \
                 column_no, stack, first_seen_ms, last_seen_ms, event_count) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (fingerprint) DO UPDATE SET \
                 first_seen_ms = LEAST(g.first_seen_ms, EXCLUDED.first_seen_ms), \
                 message = CASE WHEN EXCLUDED.last_seen_ms >= g.last_seen_ms \
                     THEN EXCLUDED.message ELSE g.message END, \
                 source = CASE WHEN EXCLUDED.last_seen_ms >= g.last_seen_ms \
                     THEN EXCLUDED.source ELSE g.source END, \
                 line = CASE WHEN EXCLUDED.last_seen_ms >= g.last_seen_ms \
                     THEN EXCLUDED.line ELSE g.line END, \
                 column_no = CASE WHEN EXCLUDED.last_seen_ms >= g.last_seen_ms \
                     THEN EXCLUDED.column_no ELSE g.column_no END, \
                 stack = COALESCE(EXCLUDED.stack, g.stack), \
                 last_seen_ms = GREATEST(g.last_seen_ms, EXCLUDED.last_seen_ms), \
                 event_count = g.event_count + EXCLUDED.event_count",
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
        let sessions: Vec<&str> = group.sessions.iter().map(|(s, _)| *s).collect();
        let seen: Vec<i64> = group.sessions.iter().map(|(_, t)| *t).collect();
        sqlx::query(
            "INSERT INTO rum_error_sessions AS s (fingerprint, session, last_seen_ms) \
             SELECT $1, u.session, u.seen FROM UNNEST($2::text[], $3::int8[]) AS u (session, seen) \
             ORDER BY u.session \
             ON CONFLICT (fingerprint, session) DO UPDATE SET \
                 last_seen_ms = GREATEST(s.last_seen_ms, EXCLUDED.last_seen_ms)",
        )
        .bind(group.fingerprint)
        .bind(&sessions)
        .bind(&seen)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
