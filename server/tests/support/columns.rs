//! The column names and types of a table as the database reports them, for the tests that check
//! both SQL dialects create the same tables. Types are normalised to `integer`, `real` and
//! `text` (SQLite's names); any other type fails the test.

use server::storage::Store;

pub async fn columns(store: &Store, table: &str) -> Vec<(String, String)> {
    let mut columns: Vec<(String, String)> = match store {
        Store::Sqlite(pool) => {
            sqlx::query_as("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(pool)
                .await
                .expect("table info")
        }
        Store::Postgres(pool) => sqlx::query_as(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(pool)
        .await
        .expect("information schema"),
    };
    for (_, kind) in &mut columns {
        *kind = match kind.to_ascii_lowercase().as_str() {
            "integer" | "bigint" => "integer",
            "real" | "double precision" => "real",
            "text" => "text",
            other => panic!("unexpected column type {other}"),
        }
        .to_string();
    }
    columns
}
