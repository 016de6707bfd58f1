-- Alerting (see src/storage/alerts.rs). Keep the same tables and columns as
-- ../postgres/0006_alerting.sql.

-- Each alert the engine has seen, by fingerprint (a hash of its labels): its current phase and
-- the instants of its episode, so a restarted server carries on where it was. `labels` and
-- `annotations` are JSON objects.
CREATE TABLE alerts (
    fingerprint     TEXT    PRIMARY KEY,
    rule            TEXT    NOT NULL,
    labels          TEXT    NOT NULL,
    annotations     TEXT    NOT NULL,
    phase           TEXT    NOT NULL,
    value           REAL,
    note            TEXT,
    active_since_ms INTEGER,
    fired_at_ms     INTEGER,
    resolved_at_ms  INTEGER,
    last_held_ms    INTEGER,
    evaluated_ms    INTEGER NOT NULL,
    acknowledged_by TEXT,
    acknowledged_ms INTEGER
) STRICT;

-- Every change of phase, oldest first by id.
CREATE TABLE alert_history (
    id          INTEGER PRIMARY KEY,
    fingerprint TEXT    NOT NULL,
    rule        TEXT    NOT NULL,
    labels      TEXT    NOT NULL,
    phase       TEXT    NOT NULL,
    previous    TEXT    NOT NULL,
    value       REAL,
    at_ms       INTEGER NOT NULL
) STRICT;

CREATE INDEX alert_history_at_ms ON alert_history (at_ms);
CREATE INDEX alert_history_fingerprint ON alert_history (fingerprint, at_ms);

-- Silences: `matchers` is a JSON array of {name, value, isRegex, isEqual} as Alertmanager's.
CREATE TABLE silences (
    id         TEXT    PRIMARY KEY,
    matchers   TEXT    NOT NULL,
    starts_ms  INTEGER NOT NULL,
    ends_ms    INTEGER NOT NULL,
    created_by TEXT    NOT NULL,
    comment    TEXT    NOT NULL,
    created_ms INTEGER NOT NULL
) STRICT;

-- Notification groups: per channel and group key, what was last notified and when, so that a
-- restarted server neither repeats a notification nor forgets a resolution. `sent` is a JSON
-- object fingerprint → "firing" | "resolved".
CREATE TABLE notification_groups (
    channel      TEXT    NOT NULL,
    group_key    TEXT    NOT NULL,
    first_ms     INTEGER NOT NULL,
    last_sent_ms INTEGER,
    sent         TEXT    NOT NULL,
    PRIMARY KEY (channel, group_key)
) STRICT;

-- The outbox: every notification is stored here before it is sent, and sent at least once.
-- `state`: pending (to send at `next_attempt_ms`), sent, failed (refused for good).
CREATE TABLE notification_outbox (
    id              TEXT    PRIMARY KEY,
    channel         TEXT    NOT NULL,
    group_key       TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    created_ms      INTEGER NOT NULL,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_ms INTEGER NOT NULL,
    last_error      TEXT,
    sent_ms         INTEGER
) STRICT;

CREATE INDEX notification_outbox_due ON notification_outbox (state, next_attempt_ms);
