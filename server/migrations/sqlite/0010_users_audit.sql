-- People and the audit trail (see src/storage/users.rs and src/storage/audit.rs). Keep the same
-- tables and columns as ../postgres/0010_users_audit.sql.

-- One row per person who may sign in. `password_hash` is a PHC string (argon2id); `role` is
-- viewer | responder | commander | admin. A disabled user keeps the row (and the name, which the
-- audit trail and timelines refer to).
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    created_ms    INTEGER NOT NULL,
    disabled_ms   INTEGER
) STRICT;

-- Signed-in sessions. Only the SHA-256 of the cookie's value is kept; `csrf_token` is the value
-- every form post and state-changing API call made with the cookie must carry.
CREATE TABLE sessions (
    id_sha256    TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT    NOT NULL,
    created_ms   INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_expires_ms ON sessions (expires_ms);

-- API tokens gain a role; the tokens made before roles existed could do what a responder does.
ALTER TABLE api_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'responder';

-- The audit trail: append-only, each row's `hash` is SHA-256 over the previous row's hash and
-- this row's fields (src/audit/chain.rs), so changing, removing or reordering a row breaks the
-- chain from there on (`csv-analyzer audit verify`). `detail` is a JSON object.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at_ms     INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    target    TEXT    NOT NULL,
    detail    TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
) STRICT;

CREATE INDEX audit_log_action_at ON audit_log (action, at_ms);
CREATE INDEX audit_log_actor_at ON audit_log (actor, at_ms);
