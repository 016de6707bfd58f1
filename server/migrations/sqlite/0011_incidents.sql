-- Incidents (see src/storage/incidents/mod.rs and docs/incidents.md). Keep the same tables and
-- columns as ../postgres/0011_incidents.sql. Times are Unix milliseconds.

-- One row per incident. `state`: detected, notified, triaged, diagnosing, resolved, closed;
-- `severity`: SEV1 … SEV4; `components`: a JSON array of names; `playbook`: the name of a
-- playbook of server/playbooks (from the alert rule), if any. Each `<state>_ms` is the first
-- entry into that state (`resolved_ms` is cleared by a reopen).
CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY,
    title           TEXT    NOT NULL,
    severity        TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    components      TEXT    NOT NULL,
    playbook        TEXT,
    created_by      TEXT    NOT NULL,
    detected_ms     INTEGER NOT NULL,
    notified_ms     INTEGER,
    triaged_ms      INTEGER,
    diagnosing_ms   INTEGER,
    resolved_ms     INTEGER,
    closed_ms       INTEGER,
    acknowledged_ms INTEGER,
    acknowledged_by TEXT,
    reopened_count  INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL
) STRICT;

CREATE INDEX incidents_state ON incidents (state, detected_ms);
CREATE INDEX incidents_detected_ms ON incidents (detected_ms);

-- The alerts (by fingerprint) linked to an incident. A fingerprint links to at most one open
-- incident (checked in the linking transaction). `alert_resolved_ms`: the alert resolution
-- last noted on the timeline (NULL while it fires).
CREATE TABLE incident_alerts (
    incident_id       INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    fingerprint       TEXT    NOT NULL,
    rule              TEXT    NOT NULL,
    linked_ms         INTEGER NOT NULL,
    alert_resolved_ms INTEGER,
    PRIMARY KEY (incident_id, fingerprint)
) STRICT;

CREATE INDEX incident_alerts_fingerprint ON incident_alerts (fingerprint);

-- The timeline: every change of an incident, oldest first by (at_ms, id). `detail` is a JSON
-- object whose keys depend on `kind` (src/incidents/timeline.rs).
CREATE TABLE incident_events (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at_ms       INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    detail      TEXT    NOT NULL
) STRICT;

CREATE INDEX incident_events_incident ON incident_events (incident_id, at_ms, id);

-- Who holds which role (on_call, commander, sme); `unassigned_ms` is NULL while they hold it.
CREATE TABLE incident_roles (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    role          TEXT    NOT NULL,
    person        TEXT    NOT NULL,
    assigned_ms   INTEGER NOT NULL,
    assigned_by   TEXT    NOT NULL,
    unassigned_ms INTEGER
) STRICT;

CREATE INDEX incident_roles_incident ON incident_roles (incident_id, role);

-- Status updates; `visibility`: public (the status page) or internal.
CREATE TABLE status_updates (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at_ms       INTEGER NOT NULL,
    author      TEXT    NOT NULL,
    visibility  TEXT    NOT NULL,
    body        TEXT    NOT NULL
) STRICT;

CREATE INDEX status_updates_incident ON status_updates (incident_id, at_ms);
CREATE INDEX status_updates_public ON status_updates (visibility, at_ms);
