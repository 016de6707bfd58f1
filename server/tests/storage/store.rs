//! The `Store` itself: connecting, migrations, readiness, engine settings, errors.

use server::storage::{StorageError, Store};

use crate::{execute, on_both_engines, postgres_or_skip, with_param};

/// Runs `sql` (the same text on both engines) and reports whether the database accepted it.
async fn accepts(store: &Store, sql: &'static str) -> Result<(), sqlx::Error> {
    match store {
        Store::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(drop),
        Store::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(drop),
    }
}

on_both_engines! {
    /// Migrations apply once, re-running them is a no-op, and readiness sees them applied.
    async fn migrations_are_idempotent(store) {
        assert!(store.migrations_pending().await.expect("pending before"));
        store.migrate().await.expect("first migrate");
        assert!(!store.migrations_pending().await.expect("pending after"));
        store.migrate().await.expect("second migrate");
        store.migrate().await.expect("third migrate");
        assert!(!store.migrations_pending().await.expect("pending after again"));
        store.ping().await.expect("ping");
    }
}

on_both_engines! {
    /// A database that lost the record of a migration is not ready.
    async fn a_missing_migration_is_pending(store) {
        store.migrate().await.expect("migrate");
        accepts(&store, "DELETE FROM _sqlx_migrations").await.expect("forget migrations");
        assert!(store.migrations_pending().await.expect("pending"));
    }
}

on_both_engines! {
    /// Foreign keys are enforced: no sample of an unknown series.
    async fn foreign_keys_are_enforced(store) {
        store.migrate().await.expect("migrate");
        let error = accepts(
            &store,
            "INSERT INTO metric_samples (series_id, ts_ms, value) VALUES (4242, 1, 1.0)",
        )
        .await
        .expect_err("a sample of an unknown series");
        let error = error.into_database_error().expect("a database error");
        assert!(error.is_foreign_key_violation(), "{error}");
    }
}

on_both_engines! {
    /// Once the pool is closed, ping fails (readiness reports the database as gone).
    async fn ping_fails_on_a_closed_pool(store) {
        store.ping().await.expect("ping while open");
        store.close().await;
        let error = store.ping().await.expect_err("ping after close");
        assert!(matches!(error, StorageError::Database(sqlx::Error::PoolClosed)), "{error}");
    }
}

/// The SQLite settings hold on every pooled connection, and the file's directory is created.
#[tokio::test]
async fn sqlite_uses_wal_foreign_keys_busy_timeout_and_synchronous_normal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("a").join("b").join("c.db");
    let store = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("connect");
    assert!(path.is_file(), "the file and its directories are created");
    let Store::Sqlite(pool) = &store else {
        panic!("a SQLite store")
    };
    // Hold several connections at once so that more than one is checked.
    let mut conns = Vec::new();
    for _ in 0..3 {
        conns.push(pool.acquire().await.expect("acquire"));
    }
    for conn in &mut conns {
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut **conn)
            .await
            .expect("journal_mode");
        assert_eq!(mode, "wal");
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut **conn)
            .await
            .expect("foreign_keys");
        assert_eq!(foreign_keys, 1);
        let busy_ms: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut **conn)
            .await
            .expect("busy_timeout");
        assert_eq!(busy_ms, 5000);
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut **conn)
            .await
            .expect("synchronous");
        assert_eq!(synchronous, 1, "NORMAL");
    }
    drop(conns);
    store.close().await;
}

/// `sqlite:PATH` (no slashes) is accepted too, relative to the working directory or absolute.
#[tokio::test]
async fn sqlite_url_without_slashes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plain.db");
    let store = Store::connect(&format!("sqlite:{}", path.display()))
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    assert!(path.is_file());
    store.close().await;
}

/// `sqlite::memory:` (one database shared by the pool's connections) works too, e.g. for trials.
#[tokio::test]
async fn sqlite_in_memory() {
    let store = Store::connect("sqlite::memory:").await.expect("connect");
    store.migrate().await.expect("migrate");
    assert!(!store.migrations_pending().await.expect("pending"));
    let repo = store.metric_samples();
    repo.insert(&[server::storage::MetricSample::new(1, "m", "", 1.0)])
        .await
        .expect("insert");
    assert_eq!(repo.latest("m", 1).await.expect("latest").len(), 1);
    store.close().await;
}

/// Readiness fails when the PostgreSQL database is dropped under a running server.
#[tokio::test]
async fn ping_fails_when_the_postgres_database_is_dropped() {
    let Some(url) = postgres_or_skip().await else {
        return;
    };
    let name = format!("storage_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&url).await.expect("admin");
    execute(&mut admin, format!("CREATE DATABASE {name}")).await;
    // Same server and credentials, other database.
    let (base, _) = url.split_once('?').unwrap_or((&url, ""));
    let (server, _) = base.rsplit_once('/').expect("a database in the URL");
    let store = Store::connect(&format!("{server}/{name}"))
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    store.ping().await.expect("ping while the database exists");
    execute(&mut admin, format!("DROP DATABASE {name} WITH (FORCE)")).await;
    let error = store.ping().await.expect_err("ping after the drop");
    assert!(!error.to_string().is_empty());
    store.close().await;
    use sqlx::Connection;
    let _ = admin.close().await;
}

/// A refused connection fails at once, with the driver's reason and no password.
#[tokio::test]
async fn connection_errors_never_show_the_password() {
    let started = std::time::Instant::now();
    let error = Store::connect("postgres://app:topsecret@127.0.0.1:1/x")
        .await
        .expect_err("nothing listens on port 1");
    let message = error.to_string();
    assert!(!message.contains("topsecret"), "{message}");
    assert!(
        message.contains("postgres://app:***@127.0.0.1:1/x"),
        "{message}"
    );
    assert!(matches!(error, StorageError::Connect { .. }), "{error:?}");
    assert!(!format!("{error:?}").contains("topsecret"));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "fails fast"
    );

    let error = Store::connect(&with_param(
        "postgres://app:topsecret@127.0.0.1:1/x",
        "sslmode=bogus",
    ))
    .await
    .expect_err("a bad parameter");
    assert!(!error.to_string().contains("topsecret"), "{error}");
}

#[tokio::test]
async fn other_databases_are_refused() {
    let error = Store::connect("mysql://root:pw@localhost/db")
        .await
        .expect_err("not supported");
    let message = error.to_string();
    assert!(message.contains("unsupported database URL"), "{message}");
    assert!(
        message.contains("mysql://root:***@localhost/db"),
        "{message}"
    );
}
