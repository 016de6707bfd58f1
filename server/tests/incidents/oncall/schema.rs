//! Both dialects create the same on-call table with the same columns.

use super::on_both_engines;
use crate::columns::columns;

on_both_engines! {
    async fn both_dialects_have_the_same_override_columns(store) {
        let want: Vec<(String, String)> = [
            ("id", "integer"),
            ("person", "text"),
            ("starts_ms", "integer"),
            ("ends_ms", "integer"),
            ("created_by", "text"),
            ("created_ms", "integer"),
            ("reason", "text"),
        ]
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
        assert_eq!(columns(&store, "oncall_overrides").await, want);
    }
}
