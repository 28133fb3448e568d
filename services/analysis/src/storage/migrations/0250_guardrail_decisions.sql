-- One row per guardian check (kind = 'check') and one per kill it made (kind = 'kill').
-- A breach row carries a breach_id and is written BEFORE the kill, so a restart between the
-- two finishes the kill instead of deciding again (see src/guardian/kill-once.ts).
-- Non-finite numbers (an open interval end, an undefined estimate) are stored as NULL.
CREATE TABLE IF NOT EXISTS {{guardrailDecisions}} (
  check_id String,
  kind LowCardinality(String),
  checked_at DateTime64(3),
  flag_key String,
  environment LowCardinality(String),
  flag_version UInt32,
  guardrail_id String,
  guardrail String,
  metric LowCardinality(String),
  control_variant String,
  variant String,
  state LowCardinality(String),
  action LowCardinality(String),
  action_taken LowCardinality(String),
  breach_id String,
  test LowCardinality(String),
  scale LowCardinality(String),
  estimate Nullable(Float64),
  relative_estimate Nullable(Float64),
  interval_lower Nullable(Float64),
  interval_upper Nullable(Float64),
  p_value Nullable(Float64),
  alpha Float64,
  margin Float64,
  n_control UInt64,
  n_treatment UInt64,
  control_mean Nullable(Float64),
  treatment_mean Nullable(Float64),
  query String,
  exemplar_trace_ids Array(String),
  kill_version Nullable(UInt32),
  detail String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(checked_at)
ORDER BY (flag_key, environment, checked_at, check_id);
