//! [`StorageError`] and [`redact_url`]: no message built here ever carries a password.

use std::path::PathBuf;

/// What can go wrong in the storage layer.
///
/// Messages that name a database URL name it through [`redact_url`]; connection failures keep
/// the driver's message as text (with the URL's password masked in it too) rather than the
/// driver error itself, so that printing the whole error chain cannot reveal a secret.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The URL is neither `sqlite:` nor `postgres:`/`postgresql:`, or the driver refused it.
    #[error("unsupported database URL `{url}`: {reason}")]
    BadUrl { url: String, reason: String },
    /// The directory of a SQLite file could not be created.
    #[error("cannot create the database directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The database did not answer, or refused the connection.
    #[error("cannot connect to {url}: {detail}")]
    Connect { url: String, detail: String },
    /// Applying or inspecting the embedded migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// An operation did not finish in time (e.g. `ping`).
    #[error("the database did not answer {what} within {seconds} s")]
    Timeout { what: &'static str, seconds: u64 },
    /// The SQLite file was deleted or overwritten under the running server.
    #[error("the database file {} {reason}", path.display())]
    FileGone { path: PathBuf, reason: &'static str },
    /// A value the storage layer refuses to write.
    #[error("invalid metric sample `{name}`: {reason}")]
    InvalidSample { name: String, reason: &'static str },
}

impl StorageError {
    /// A connection failure on `url`, with any password in the driver's message masked too.
    pub(crate) fn connect(url: &str, error: &dyn std::fmt::Display) -> Self {
        StorageError::Connect {
            url: redact_url(url),
            detail: masked(url, error),
        }
    }

    /// `url` refused by the driver's parser, with the driver's reason.
    pub(crate) fn bad_url(url: &str, error: &dyn std::fmt::Display) -> Self {
        StorageError::BadUrl {
            url: redact_url(url),
            reason: masked(url, error),
        }
    }
}

/// `message` with every occurrence of `url`'s password replaced by `***`.
fn masked(url: &str, message: &dyn std::fmt::Display) -> String {
    let message = message.to_string();
    match url_password(url).filter(|password| !password.is_empty()) {
        Some(password) => message.replace(password, "***"),
        None => message,
    }
}

/// `url` with its password replaced by `***`: `postgres://user:secret@host/db` becomes
/// `postgres://user:***@host/db`, and a `password=…` query parameter becomes `password=***`.
/// Anything else is kept as it is.
pub fn redact_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let (before_query, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    match authority_range(before_query) {
        Some((start, end)) => {
            let authority = &before_query[start..end];
            out.push_str(&before_query[..start]);
            match authority.rsplit_once('@') {
                Some((userinfo, host)) => {
                    match userinfo.split_once(':') {
                        Some((user, _password)) => {
                            out.push_str(user);
                            out.push_str(":***");
                        }
                        None => out.push_str(userinfo),
                    }
                    out.push('@');
                    out.push_str(host);
                }
                None => out.push_str(authority),
            }
            out.push_str(&before_query[end..]);
        }
        None => out.push_str(before_query),
    }
    if let Some(query) = query {
        out.push('?');
        let redacted: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_string(),
            })
            .collect();
        out.push_str(&redacted.join("&"));
    }
    out
}

/// Byte range of the authority (`user:password@host:port`) in a URL without its query.
fn authority_range(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let end = url[start..]
        .find(['/', '#'])
        .map_or(url.len(), |offset| start + offset);
    Some((start, end))
}

/// The password of `url` as written in it (user-info or `password=` parameter), if any.
fn url_password(url: &str) -> Option<&str> {
    let (before_query, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    if let Some((start, end)) = authority_range(before_query)
        && let Some((userinfo, _)) = before_query[start..end].rsplit_once('@')
        && let Some((_, password)) = userinfo.split_once(':')
    {
        return Some(password);
    }
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.eq_ignore_ascii_case("password").then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_in_the_user_info_is_masked() {
        assert_eq!(
            redact_url("postgres://user:secret@db.example:5432/app?sslmode=require"),
            "postgres://user:***@db.example:5432/app?sslmode=require"
        );
        // An `@` inside the password (not percent-encoded) still masks all of it.
        assert_eq!(
            redact_url("postgres://user:se@cret@host/db"),
            "postgres://user:***@host/db"
        );
    }

    #[test]
    fn a_password_parameter_is_masked() {
        assert_eq!(
            redact_url("postgres://host/db?user=app&password=secret&sslmode=disable"),
            "postgres://host/db?user=app&password=***&sslmode=disable"
        );
    }

    #[test]
    fn urls_without_a_password_are_kept() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgres://127.0.0.1/test",
            "sqlite://./data/csv-analyzer.db",
            "sqlite:///var/lib/csv-analyzer/db.sqlite?mode=rwc",
            "sqlite::memory:",
            "not a url",
        ] {
            assert_eq!(redact_url(url), url);
        }
    }

    #[test]
    fn connection_errors_mask_the_password_in_the_driver_message_too() {
        let error = StorageError::connect(
            "postgres://app:hunter2@db/x",
            &"server said: bad password hunter2",
        );
        let message = error.to_string();
        assert!(!message.contains("hunter2"), "{message}");
        assert!(message.contains("postgres://app:***@db/x"), "{message}");
    }
}
