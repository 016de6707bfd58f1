//! Storage: one [`Store`] handle over SQLite (the embedded default) or PostgreSQL (deployments
//! with several replicas), and one repository type per aggregate.
//!
//! # Design
//!
//! - **One handle, two engines.** [`Store`] is an enum over sqlx's `SqlitePool` and `PgPool`
//!   (both are `Arc`s inside, so cloning a `Store` is cheap). sqlx's `Any` driver was not used:
//!   it is a lowest common denominator (a handful of scalar types, no PostgreSQL arrays, which the
//!   bulk insert uses), needs drivers installed at run time, and the dialects would still need
//!   their own migrations and their own SQL wherever they differ (upserts, bulk writes). The set
//!   of engines is closed, so an enum is also simpler than a trait object: no boxed futures, and
//!   each `match` shows every engine.
//! - **One schema, one migration directory per dialect.** `server/migrations/sqlite` and
//!   `server/migrations/postgres` create the same tables and columns; they are embedded in the
//!   binary with `sqlx::migrate!` (no database at compile time), and all queries use the runtime
//!   `sqlx::query` API.
//! - **One module per aggregate** ([`metric_samples`], [`rum`], [`api_tokens`], [`probes`],
//!   later alerts, incidents): a public repository type in its `mod.rs` whose methods `match` on the engine and
//!   call that module's `sqlite.rs` or `postgres.rs`. Adding an aggregate touches its own module
//!   and one accessor here.
//! - **Engine set-up** lives in [`sqlite`] (WAL, `foreign_keys = ON`, busy timeout 5 s,
//!   `synchronous = NORMAL`, file and directory created if missing) and [`postgres`].
//! - **Errors** are [`StorageError`]; none of its messages carries a password ([`redact_url`]).

pub mod alerts;
pub mod api_tokens;
pub mod audit;
pub mod error;
pub mod incidents;
pub mod metric_samples;
pub mod model_reports;
pub mod oncall;
pub mod postgres;
pub mod postmortems;
pub mod probes;
pub mod rum;
pub mod sqlite;
pub mod status;
pub mod users;

use std::time::Duration;

use sqlx::migrate::{AppliedMigration, Migrate, Migrator};
use sqlx::{PgPool, SqlitePool};

pub use alerts::{AlertHistoryRow, AlertRow, Alerts, GroupRow, OutboxRow, SilenceRow};
pub use api_tokens::{ApiTokens, TokenRow};
pub use audit::{Audit, AuditFilter, AuditRow};
pub use error::{StorageError, redact_url};
pub use metric_samples::{MetricSample, MetricSamples, canonical_labels};
pub use probes::{ProbeDefinitions, ProbeResultRow, ProbeResults, StoredProbe, Tally};
pub use rum::{ErrorDetail, RumEventRow, RumEvents};
pub use status::{MaintenanceRow, StatusChangeRow, StatusStore};
pub use users::{SessionRow, UserRow, Users};

/// How long getting a pooled connection may take before the operation fails.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long [`Store::ping`] waits for an answer (readiness checks must answer quickly).
pub const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// The name of the table in which sqlx records applied migrations.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// A connection pool to the server's database, SQLite or PostgreSQL. Cheap to clone.
///
/// The variants are public so that code needing an engine-specific query (a repository, a test
/// inspecting a `PRAGMA`) can reach the pool; everything else goes through the methods.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same sqlx code on whichever pool the store holds — for SQL that is the same text in
/// both dialects (the body is expanded, and type-checked, once per engine).
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::storage::Store::Sqlite($pool) => $body,
            $crate::storage::Store::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

impl Store {
    /// Connects to `url`: `sqlite://PATH` (or `sqlite:PATH`, `sqlite::memory:`) or
    /// `postgres://…` (`postgresql://…`). A SQLite file and its directory are created if
    /// missing. Fails fast, with the driver's reason, when the database does not answer.
    /// Does not apply migrations: call [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<Store, StorageError> {
        let scheme = url
            .split_once(':')
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("sqlite") => sqlite::connect(url).await.map(Store::Sqlite),
            Some("postgres" | "postgresql") => postgres::connect(url).await.map(Store::Postgres),
            _ => Err(StorageError::BadUrl {
                url: redact_url(url),
                reason: "expected `sqlite://PATH` or `postgres://…`".to_string(),
            }),
        }
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn engine(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Applies the embedded migrations that are not applied yet (idempotent; on PostgreSQL,
    /// concurrent replicas serialize on an advisory lock).
    pub async fn migrate(&self) -> Result<(), StorageError> {
        match self {
            Store::Sqlite(pool) => sqlite::MIGRATOR.run(pool).await?,
            Store::Postgres(pool) => postgres::MIGRATOR.run(pool).await?,
        }
        Ok(())
    }

    /// Whether some embedded migration is not applied (or was applied with different SQL, or
    /// failed half-way): the database is not ready for this version of the server.
    pub async fn migrations_pending(&self) -> Result<bool, StorageError> {
        match self {
            Store::Sqlite(pool) => sqlite::migrations_pending(pool).await,
            Store::Postgres(pool) => postgres::migrations_pending(pool).await,
        }
    }

    /// One cheap round trip (`SELECT 1`) on a pooled connection, for `/readyz`. Fails within
    /// [`PING_TIMEOUT`] when the database is gone or the pool is closed.
    pub async fn ping(&self) -> Result<(), StorageError> {
        let round_trip = async {
            match self {
                Store::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop),
                Store::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop),
            }
        };
        match tokio::time::timeout(PING_TIMEOUT, round_trip).await {
            Ok(result) => result?,
            Err(_) => {
                return Err(StorageError::Timeout {
                    what: "ping",
                    seconds: PING_TIMEOUT.as_secs(),
                });
            }
        }
        if let Store::Sqlite(pool) = self {
            // Open connections keep working on a deleted or overwritten file (and `SELECT 1`
            // reads nothing), so look at the file itself.
            sqlite::check_file(pool.connect_options().get_filename())?;
        }
        Ok(())
    }

    /// Closes every connection; later operations fail. Waits for checked-out connections.
    pub async fn close(&self) {
        match self {
            Store::Sqlite(pool) => pool.close().await,
            Store::Postgres(pool) => pool.close().await,
        }
    }

    /// The metric samples repository.
    pub fn metric_samples(&self) -> MetricSamples {
        MetricSamples::new(self.clone())
    }

    /// The real-user-monitoring repository (events, error groups).
    pub fn rum(&self) -> RumEvents {
        RumEvents::new(self.clone())
    }

    /// The alerts' state, history and silences.
    pub fn alerts(&self) -> Alerts {
        Alerts::new(self.clone())
    }

    /// The API tokens repository.
    pub fn api_tokens(&self) -> ApiTokens {
        ApiTokens::new(self.clone())
    }

    /// The users and their sessions.
    pub fn users(&self) -> Users {
        Users::new(self.clone())
    }

    /// The hash-chained audit trail.
    pub fn audit(&self) -> Audit {
        Audit::new(self.clone())
    }

    /// The probes defined through the API.
    pub fn probe_definitions(&self) -> ProbeDefinitions {
        ProbeDefinitions::new(self.clone())
    }

    /// The probes' results.
    pub fn probe_results(&self) -> ProbeResults {
        ProbeResults::new(self.clone())
    }

    /// The status page's changes and maintenance windows.
    pub fn status(&self) -> StatusStore {
        StatusStore::new(self.clone())
    }

    /// The model reports published from the app (quality and drift figures).
    pub fn model_reports(&self) -> model_reports::ModelReports {
        model_reports::ModelReports::new(self.clone())
    }

    /// The incidents: lifecycle, timeline, roles, status updates, linked alerts, figures.
    pub fn incidents(&self) -> incidents::Incidents {
        incidents::Incidents::new(self.clone())
    }

    /// The post-mortems and corrective actions of incidents.
    pub fn postmortems(&self) -> postmortems::Postmortems {
        postmortems::Postmortems::new(self.clone())
    }

    /// On call: the rotation's overrides and the escalations of incidents.
    pub fn oncall(&self) -> oncall::OnCallStore {
        oncall::OnCallStore::new(self.clone())
    }
}

/// Starts a transaction that writes. On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken
/// at once, so a transaction that reads and then writes waits for another writer (within the
/// busy timeout) instead of failing with `SQLITE_BUSY` when it tries to upgrade its read lock —
/// which a deferred `BEGIN` does under concurrent writes. On PostgreSQL it is a plain `BEGIN`
/// (row locks serialise the writers).
pub(crate) trait WritePool {
    type Db: sqlx::Database;

    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>>
    + Send;
}

impl WritePool for SqlitePool {
    type Db = sqlx::Sqlite;

    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error>,
    > + Send {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

impl WritePool for PgPool {
    type Db = sqlx::Postgres;

    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error>,
    > + Send {
        self.begin()
    }
}

/// Whether one of `migrator`'s migrations is missing from the migrations table, recorded with a
/// different checksum (its SQL changed), or failed half-way. `conn` must have the table.
async fn migrations_pending_on<C: Migrate>(
    conn: &mut C,
    migrator: &Migrator,
) -> Result<bool, StorageError> {
    if conn.dirty_version(MIGRATIONS_TABLE).await?.is_some() {
        return Ok(true);
    }
    let applied = conn.list_applied_migrations(MIGRATIONS_TABLE).await?;
    Ok(pending(migrator, &applied))
}

/// Whether `applied` misses or contradicts one of `migrator`'s (up) migrations.
fn pending(migrator: &Migrator, applied: &[AppliedMigration]) -> bool {
    migrator
        .iter()
        .filter(|migration| !migration.migration_type.is_down_migration())
        .any(|migration| {
            !applied.iter().any(|done| {
                done.version == migration.version && done.checksum == migration.checksum
            })
        })
}
