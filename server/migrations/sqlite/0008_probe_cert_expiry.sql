-- The TLS certificate's expiry on probe results (see src/probes/http.rs and
-- src/alerting/signals.rs, the CertificateExpiring rule).
-- Keep the same tables and columns as ../postgres/0008_probe_cert_expiry.sql.

-- When the certificate the target presented expires (its notAfter), Unix ms: the earliest of a
-- transaction's steps. NULL when the run read no certificate (plain http://, another kind, a
-- run that failed before the TLS handshake) and on the results stored before this migration.
-- An instant rather than days left, so a stored result never goes stale.
ALTER TABLE probe_results ADD COLUMN cert_expiry_ms INTEGER;

-- A location whose latest run could not read a certificate counts with the latest one it read
-- before (ProbeResults::latest_certificate): found by an index seek however long the failures
-- have lasted.
CREATE INDEX probe_results_cert_expiry ON probe_results (probe, location, started_ms)
    WHERE cert_expiry_ms IS NOT NULL;
