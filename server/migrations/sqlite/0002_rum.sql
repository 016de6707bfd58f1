-- Real-user monitoring (see src/storage/rum/mod.rs).
-- Keep the same tables and columns as ../postgres/0002_rum.sql.

-- One row per event of a beacon. Never a whole IP address (client_net is the /24 or /48 network,
-- or NULL), never a query string. A navigation timing's value is its load time; its other
-- figures have columns of their own (NULL for other events).
CREATE TABLE rum_events (
    id          INTEGER PRIMARY KEY,
    received_ms INTEGER NOT NULL,
    session     TEXT    NOT NULL,
    app_version TEXT    NOT NULL,
    route       TEXT    NOT NULL,
    device      TEXT    NOT NULL,
    browser     TEXT    NOT NULL,
    viewport    TEXT    NOT NULL,
    connection  TEXT,
    client_net  TEXT,
    event_type  TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    value       REAL,
    rating      TEXT,
    at_ms       REAL    NOT NULL,
    size_bucket TEXT,
    rows_bucket TEXT,
    thread      TEXT,
    message     TEXT,
    source      TEXT,
    line        INTEGER,
    column_no   INTEGER,
    fingerprint TEXT,
    dns_ms                REAL,
    connect_ms            REAL,
    ttfb_ms               REAL,
    dom_content_loaded_ms REAL,
    transfer_bytes        REAL
) STRICT;

-- Windows (the summary) and retention read by time.
CREATE INDEX rum_events_received_ms ON rum_events (received_ms);

-- One row per error fingerprint: kind, the latest message/source/stack seen, how often, when.
CREATE TABLE rum_error_groups (
    fingerprint   TEXT    PRIMARY KEY,
    kind          TEXT    NOT NULL,
    message       TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    line          INTEGER NOT NULL,
    column_no     INTEGER NOT NULL,
    stack         TEXT,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    event_count   INTEGER NOT NULL
) STRICT;

CREATE INDEX rum_error_groups_last_seen_ms ON rum_error_groups (last_seen_ms);

-- The sessions that saw each group (their number is the group's affected sessions).
CREATE TABLE rum_error_sessions (
    fingerprint  TEXT    NOT NULL REFERENCES rum_error_groups (fingerprint),
    session      TEXT    NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    PRIMARY KEY (fingerprint, session)
) STRICT, WITHOUT ROWID;

CREATE INDEX rum_error_sessions_last_seen_ms ON rum_error_sessions (last_seen_ms);
