-- The status page (see src/storage/status.rs). Keep the same tables and columns as
-- ../postgres/0004_status.sql.

-- Every change of a component's state, for the Atom feed: `component` is the component's id,
-- `name` its name then, `state` and `previous` Statuspage's words (`previous` NULL for the
-- first state noted).
CREATE TABLE status_changes (
    id         INTEGER PRIMARY KEY,
    component  TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    previous   TEXT,
    changed_ms INTEGER NOT NULL
) STRICT;

-- The feed reads the newest first; the page reads each component's latest.
CREATE INDEX status_changes_changed_ms ON status_changes (changed_ms);
CREATE INDEX status_changes_component ON status_changes (component, changed_ms);

-- Maintenance windows made through the API (those of the configuration file are not stored).
-- `components` is a JSON array of component ids, component names or probe names.
CREATE TABLE maintenance_windows (
    id         TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    components TEXT    NOT NULL,
    start_ms   INTEGER NOT NULL,
    end_ms     INTEGER NOT NULL,
    comment    TEXT    NOT NULL,
    created_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX maintenance_windows_end_ms ON maintenance_windows (end_ms);
