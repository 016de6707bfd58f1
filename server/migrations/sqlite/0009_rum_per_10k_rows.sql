-- The analysis time per 10,000 rows of an analysis timing (see src/storage/rum/mod.rs).
-- Keep the same column as ../postgres/0009_rum_per_10k_rows.sql.

-- Milliseconds per 10,000 rows, two significant digits, as the browser computed it from the
-- exact row count (which is never sent); NULL for every other event, for the read and parse
-- phases, and for beacons of apps older than this column. Read by the PredictionLatencyHigh
-- rule (RumEvents::analysis_ms_per_10k_rows) through rum_events_received_ms.
ALTER TABLE rum_events ADD COLUMN ms_per_10k_rows REAL;
