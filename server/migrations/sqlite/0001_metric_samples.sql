-- Metric samples: the server's own time series (see src/storage/metric_samples/mod.rs).
-- Keep the same tables and columns as ../postgres/0001_metric_samples.sql.

-- One row per series: a metric name and its canonical label set (`k="v",k2="v2"`, sorted by key).
CREATE TABLE metric_series (
    id     INTEGER PRIMARY KEY,
    name   TEXT    NOT NULL,
    labels TEXT    NOT NULL DEFAULT '',
    UNIQUE (name, labels)
) STRICT;

-- One row per sample. The primary key (series_id, ts_ms) serves range reads of a series and
-- "latest at or before"; WITHOUT ROWID stores the rows in that key's order (no separate table).
CREATE TABLE metric_samples (
    series_id INTEGER NOT NULL REFERENCES metric_series (id),
    ts_ms     INTEGER NOT NULL,
    value     REAL    NOT NULL,
    PRIMARY KEY (series_id, ts_ms)
) STRICT, WITHOUT ROWID;

-- Retention deletes the oldest samples first, in bounded batches.
CREATE INDEX metric_samples_ts_ms ON metric_samples (ts_ms);
