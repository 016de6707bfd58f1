//! Both dialects create the same post-mortem tables with the same columns.

use super::on_both_engines;
use crate::columns::columns;

/// A table and its columns (name, normalised type), in order.
type TableSpec = (&'static str, &'static [(&'static str, &'static str)]);

const TABLES: [TableSpec; 2] = [
    (
        "postmortems",
        &[
            ("incident_id", "integer"),
            ("summary", "text"),
            ("impact", "text"),
            ("whys", "text"),
            ("status", "text"),
            ("created_ms", "integer"),
            ("updated_ms", "integer"),
            ("published_ms", "integer"),
            ("author", "text"),
        ],
    ),
    (
        "corrective_actions",
        &[
            ("id", "integer"),
            ("incident_id", "integer"),
            ("title", "text"),
            ("owner", "text"),
            ("due_date", "text"),
            ("status", "text"),
            ("ticket_ref", "text"),
            ("created_ms", "integer"),
            ("updated_ms", "integer"),
            ("created_by", "text"),
        ],
    ),
];

on_both_engines! {
    /// The tables of `0012_postmortems.sql`, the same in SQLite and PostgreSQL.
    async fn both_dialects_have_the_same_postmortem_columns(store) {
        for (table, spec) in TABLES {
            let want: Vec<(String, String)> =
                spec.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
            assert_eq!(columns(&store, table).await, want, "{table}");
            if let server::storage::Store::Sqlite(pool) = &store {
                let strict: i64 = sqlx::query_scalar("SELECT strict FROM pragma_table_list WHERE name = $1")
                    .bind(table)
                    .fetch_one(pool)
                    .await
                    .expect("table list");
                assert_eq!(strict, 1, "{table} is STRICT in SQLite");
            }
        }
    }
}
