-- API tokens and synthetic probes (see src/storage/api_tokens.rs and src/storage/probes/mod.rs).
-- Keep the same tables and columns as ../postgres/0003_probes.sql.

-- One row per API token. Only the SHA-256 of the token is kept (hex): a token is 32 random
-- bytes, so a fast hash cannot be brute-forced, and a stolen database gives no usable token.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    token_sha256 TEXT    NOT NULL UNIQUE,
    created_ms   INTEGER NOT NULL,
    last_used_ms INTEGER,
    revoked_ms   INTEGER
) STRICT;

-- Probes defined through the API (those of the configuration file are not stored): the
-- definition as JSON (`ProbeSpec`), secrets included — whoever reads the database can read them.
CREATE TABLE probes (
    name       TEXT    PRIMARY KEY,
    definition TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
) STRICT;

-- One row per probe run, from any location. `timings` is a JSON array of
-- {"step": name, "ms": duration}; `failure` is NULL on success. `success` is 0 or 1.
CREATE TABLE probe_results (
    id          INTEGER PRIMARY KEY,
    probe       TEXT    NOT NULL,
    location    TEXT    NOT NULL,
    started_ms  INTEGER NOT NULL,
    success     INTEGER NOT NULL,
    duration_ms REAL    NOT NULL,
    timings     TEXT    NOT NULL,
    failure     TEXT
) STRICT;

-- A probe's results over a window (uptime, the results API, its latest state).
CREATE INDEX probe_results_probe_started_ms ON probe_results (probe, started_ms);
-- Retention deletes oldest first.
CREATE INDEX probe_results_started_ms ON probe_results (started_ms);

-- Runs per probe, location and hour (the hour's start, Unix ms), kept with each result in the
-- same transaction: uptime over 24 h to 90 days reads at most 2,160 rows per probe and location
-- instead of every result.
CREATE TABLE probe_hourly (
    probe           TEXT    NOT NULL,
    location        TEXT    NOT NULL,
    hour_ms         INTEGER NOT NULL,
    runs            INTEGER NOT NULL,
    successes       INTEGER NOT NULL,
    duration_ms_sum REAL    NOT NULL,
    PRIMARY KEY (probe, location, hour_ms)
) STRICT, WITHOUT ROWID;

-- Retention deletes oldest first.
CREATE INDEX probe_hourly_hour_ms ON probe_hourly (hour_ms);
