//! Both dialects create the same incident tables with the same columns.

use crate::columns::columns;
use crate::on_both_engines;

/// A table and its columns (name, normalised type), in order.
type TableSpec = (&'static str, &'static [(&'static str, &'static str)]);

const TABLES: [TableSpec; 5] = [
    (
        "incidents",
        &[
            ("id", "integer"),
            ("title", "text"),
            ("severity", "text"),
            ("state", "text"),
            ("components", "text"),
            ("playbook", "text"),
            ("created_by", "text"),
            ("detected_ms", "integer"),
            ("notified_ms", "integer"),
            ("triaged_ms", "integer"),
            ("diagnosing_ms", "integer"),
            ("resolved_ms", "integer"),
            ("closed_ms", "integer"),
            ("acknowledged_ms", "integer"),
            ("acknowledged_by", "text"),
            ("reopened_count", "integer"),
            ("updated_ms", "integer"),
        ],
    ),
    (
        "incident_alerts",
        &[
            ("incident_id", "integer"),
            ("fingerprint", "text"),
            ("rule", "text"),
            ("linked_ms", "integer"),
            ("alert_resolved_ms", "integer"),
        ],
    ),
    (
        "incident_events",
        &[
            ("id", "integer"),
            ("incident_id", "integer"),
            ("at_ms", "integer"),
            ("actor", "text"),
            ("kind", "text"),
            ("detail", "text"),
        ],
    ),
    (
        "incident_roles",
        &[
            ("id", "integer"),
            ("incident_id", "integer"),
            ("role", "text"),
            ("person", "text"),
            ("assigned_ms", "integer"),
            ("assigned_by", "text"),
            ("unassigned_ms", "integer"),
        ],
    ),
    (
        "status_updates",
        &[
            ("id", "integer"),
            ("incident_id", "integer"),
            ("at_ms", "integer"),
            ("author", "text"),
            ("visibility", "text"),
            ("body", "text"),
        ],
    ),
];

on_both_engines! {
    /// The tables of `0011_incidents.sql`, the same in SQLite and PostgreSQL.
    async fn both_dialects_have_the_same_incident_columns(store) {
        for (table, spec) in TABLES {
            let want: Vec<(String, String)> =
                spec.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
            assert_eq!(columns(&store, table).await, want, "{table}");
        }
    }
}
