-- Post-mortems and corrective actions (see src/storage/postmortems.rs and docs/incidents.md).
-- Keep the same tables and columns as ../postgres/0012_postmortems.sql. Times are Unix
-- milliseconds.

-- At most one post-mortem per incident. `whys`: a JSON array of `{"why", "answer"}` objects,
-- at most 5, in order (the last answer is the root cause); `status`: draft or published;
-- `published_ms`: the first publication. The timeline is not copied here: it is read from
-- `incident_events` when the post-mortem is shown or exported.
CREATE TABLE postmortems (
    incident_id  INTEGER PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    summary      TEXT    NOT NULL,
    impact       TEXT    NOT NULL,
    whys         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    created_ms   INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL,
    published_ms INTEGER,
    author       TEXT    NOT NULL
) STRICT;

-- The corrective actions of an incident. `due_date`: `YYYY-MM-DD` (a calendar day, so that
-- text order is date order); `status`: open, in_progress, done, cancelled; `ticket_ref`: the
-- ticketing system's key, once a ticket exists.
CREATE TABLE corrective_actions (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    title       TEXT    NOT NULL,
    owner       TEXT    NOT NULL,
    due_date    TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    ticket_ref  TEXT,
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    created_by  TEXT    NOT NULL
) STRICT;

CREATE INDEX corrective_actions_incident ON corrective_actions (incident_id, id);
CREATE INDEX corrective_actions_status ON corrective_actions (status, due_date);
CREATE INDEX corrective_actions_owner ON corrective_actions (owner, due_date);
