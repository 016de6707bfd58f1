-- Probe agents (see src/probes/agent.rs and src/storage/probes.rs).
-- Keep the same tables and columns as ../postgres/0005_probe_agent.sql.

-- The id an agent gives each result (a UUID), so a batch sent again after a lost answer is
-- stored once. NULL for the server's own results (several NULLs do not conflict).
ALTER TABLE probe_results ADD COLUMN result_id TEXT;
CREATE UNIQUE INDEX probe_results_result_id ON probe_results (result_id);
