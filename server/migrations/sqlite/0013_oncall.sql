-- On call (see src/storage/oncall.rs and docs/incidents.md). Keep the same tables and columns as
-- ../postgres/0013_oncall.sql. Times are Unix milliseconds.

-- Overrides of the weekly rotation: `person` is on call in [starts_ms, ends_ms), whatever the
-- rotation says; where overrides overlap, the latest created (created_ms, then id) wins.
-- Escalations are not stored here: they are `escalated` events of incident_events.
CREATE TABLE oncall_overrides (
    id         INTEGER PRIMARY KEY,
    person     TEXT    NOT NULL,
    starts_ms  INTEGER NOT NULL,
    ends_ms    INTEGER NOT NULL,
    created_by TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    reason     TEXT,
    CHECK (ends_ms > starts_ms)
) STRICT;

CREATE INDEX oncall_overrides_span ON oncall_overrides (starts_ms, ends_ms);
