-- Model reports (see src/storage/model_reports.rs): the summary figures of a quality or drift
-- analysis published from the app with `POST /api/model-reports`, read by the alert rules.
-- Keep the same tables and columns as ../postgres/0007_model_reports.sql.

-- `kind` is `quality` or `drift`, `name` the model or dataset name, `received_ms` the server's
-- clock when it arrived, `report` the whole validated report as JSON (figures only: never a
-- cell value).
CREATE TABLE model_reports (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    received_ms INTEGER NOT NULL,
    app_version TEXT    NOT NULL,
    report      TEXT    NOT NULL
) STRICT;

-- The rules read each name's latest report of a kind; the API lists by time; retention deletes
-- the oldest.
CREATE INDEX model_reports_kind_name ON model_reports (kind, name, received_ms);
CREATE INDEX model_reports_received_ms ON model_reports (received_ms);
