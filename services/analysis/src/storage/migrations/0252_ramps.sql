-- Staged ramps: one row per state change of a ramp (started, advanced, held, completed,
-- aborted, killed). The current state of a ramp is its latest row.
CREATE TABLE IF NOT EXISTS {{ramps}} (
  ramp_id String,
  flag_key String,
  environment LowCardinality(String),
  changed_at DateTime64(3),
  status LowCardinality(String),
  stage_index UInt8,
  stages Array(UInt16),
  min_units UInt64,
  min_stage_seconds UInt32,
  stage_started_at DateTime64(3),
  actor String,
  reason String
) ENGINE = MergeTree
ORDER BY (flag_key, environment, ramp_id, changed_at);
