//! SQLite, the embedded default: one file in the data directory.
//!
//! Every connection runs in WAL journal mode (readers do not block the writer), with foreign
//! keys enforced, a 5 s busy timeout (a writer waits for another instead of failing at once) and
//! `synchronous = NORMAL` (durable at each WAL checkpoint; the safe, usual choice with WAL).

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{ACQUIRE_TIMEOUT, StorageError};

/// The SQLite dialect's migrations (`server/migrations/sqlite`), embedded at compile time.
pub static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a connection waits for another one's write lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The connection options for `url` (`sqlite://PATH`, `sqlite:PATH`, `sqlite::memory:`), with
/// this server's settings.
pub fn connect_options(url: &str) -> Result<SqliteConnectOptions, StorageError> {
    let options =
        SqliteConnectOptions::from_str(url).map_err(|error| StorageError::bad_url(url, &error))?;
    Ok(options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        .synchronous(SqliteSynchronous::Normal))
}

/// Opens a pool on `url`, creating the file and its directory if missing.
pub(super) async fn connect(url: &str) -> Result<SqlitePool, StorageError> {
    let options = connect_options(url)?;
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    if !in_memory
        && let Some(dir) = options.get_filename().parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|source| StorageError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    SqlitePoolOptions::new()
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|error| StorageError::connect(url, &error))
}

/// See [`super::Store::migrations_pending`].
pub(super) async fn migrations_pending(pool: &SqlitePool) -> Result<bool, StorageError> {
    let mut conn = pool.acquire().await?;
    let has_table: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !has_table {
        return Ok(super::pending(&MIGRATOR, &[]));
    }
    super::migrations_pending_on(&mut *conn, &MIGRATOR).await
}

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Fails when the database file at `path` is gone or no longer a SQLite database (in-memory
/// databases have nothing to check).
pub(super) fn check_file(path: &std::path::Path) -> Result<(), StorageError> {
    use std::io::Read;
    let name = path.as_os_str();
    if name.is_empty() || name == ":memory:" || name.to_string_lossy().starts_with("file:") {
        return Ok(());
    }
    let mut header = [0u8; 16];
    let gone = |reason| StorageError::FileGone {
        path: path.to_path_buf(),
        reason,
    };
    let mut file = std::fs::File::open(path).map_err(|_| gone("is gone"))?;
    file.read_exact(&mut header)
        .map_err(|_| gone("is truncated"))?;
    if &header != SQLITE_HEADER {
        return Err(gone("is no longer a SQLite database"));
    }
    Ok(())
}
