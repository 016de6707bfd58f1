//! The PostgreSQL the integration tests use, shared by the test binaries that need it
//! (`#[path = "../support/postgres.rs"] mod postgres;`).
//!
//! `DATABASE_URL` (a `postgres://` URL) overrides the default
//! `postgres://postgres@127.0.0.1:5432/test`. When PostgreSQL does not answer, a loud line on
//! stderr says that the PostgreSQL half of the tests did not run and those tests return early;
//! with `CI=true` they fail with that line instead.

#![allow(dead_code)] // each test binary uses a subset

use std::io::Write;

use server::storage::{StorageError, Store, redact_url};
use sqlx::{Connection, PgConnection};
use tokio::sync::OnceCell;

/// The PostgreSQL the tests use.
pub fn postgres_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value.eq_ignore_ascii_case("true") || value == "1")
}

/// `Ok(url)` when PostgreSQL answers, `Err(message)` otherwise; checked once per test binary.
async fn postgres_available() -> Result<String, String> {
    static CHECK: OnceCell<Result<String, String>> = OnceCell::const_new();
    CHECK
        .get_or_init(|| async {
            let url = postgres_url();
            let why = match tokio::time::timeout(
                std::time::Duration::from_secs(10),
                Store::connect(&url),
            )
            .await
            {
                Ok(Ok(store)) => {
                    store.close().await;
                    return Ok(url);
                }
                // Storage errors never show the URL's password.
                Ok(Err(StorageError::Connect { detail, .. })) => detail,
                Ok(Err(error)) => error.to_string(),
                Err(_) => "no answer within 10 s".to_string(),
            };
            let message = format!(
                "PostgreSQL not reachable at {} ({why}): the PostgreSQL half of these tests did NOT run",
                redact_url(&url)
            );
            if !in_ci() {
                // Straight to the process's stderr: libtest captures `eprintln!` of passing tests.
                let banner = "!".repeat(100);
                let _ = writeln!(
                    std::io::stderr(),
                    "\n{banner}\n!!! {message}\n!!! (start it, or set DATABASE_URL; with CI=true this fails the run)\n{banner}\n"
                );
            }
            Err(message)
        })
        .await
        .clone()
}

/// The PostgreSQL URL, or `None` (after the loud skip line) when it is not reachable outside CI.
/// In CI an unreachable PostgreSQL fails the calling test.
pub async fn postgres_or_skip() -> Option<String> {
    match postgres_available().await {
        Ok(url) => Some(url),
        Err(message) if in_ci() => panic!("{message}"),
        Err(_) => None,
    }
}

/// `url` with one more query parameter.
pub fn with_param(url: &str, param: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{param}")
}

/// `url` pointing at another database on the same server.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    format!("{server}/{database}{query}")
}

/// Runs one statement built by the tests themselves (schema and database names).
pub async fn execute(conn: &mut PgConnection, sql: String) {
    sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .execute(conn)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
}

/// A database created for one test; `drop_now` removes it (also cutting its connections).
pub struct TempDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

impl TempDatabase {
    pub async fn create(admin_url: &str) -> TempDatabase {
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(admin_url)
            .await
            .expect("connect to PostgreSQL");
        execute(&mut admin, format!("CREATE DATABASE {name}")).await;
        let _ = admin.close().await;
        TempDatabase {
            url: with_database(admin_url, &name),
            admin_url: admin_url.to_string(),
            name,
        }
    }

    pub async fn drop_now(&self) {
        if let Ok(mut admin) = PgConnection::connect(&self.admin_url).await {
            execute(
                &mut admin,
                format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            )
            .await;
            let _ = admin.close().await;
        }
    }
}
