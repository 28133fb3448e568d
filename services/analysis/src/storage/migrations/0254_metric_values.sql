-- The values of the catalog metrics each experiment names, per variant, recorded by the analysis
-- service every --metric-values seconds (src/analysis/record-metric-values.ts), so a
-- dashboard can chart any metric, not only guardrails. environment '' = every environment.
-- Non-finite numbers (no standard error yet, an open interval end) are stored as NULL.
CREATE TABLE IF NOT EXISTS {{metricValues}} (
  recorded_at DateTime64(3),
  flag_key String,
  environment LowCardinality(String),
  metric LowCardinality(String),
  metric_version UInt32,
  roles Array(LowCardinality(String)),
  variant String,
  is_control Bool,
  units UInt64,
  value Nullable(Float64),
  standard_error Nullable(Float64),
  relative_lift Nullable(Float64),
  relative_lower Nullable(Float64),
  relative_upper Nullable(Float64),
  cuped_relative_lift Nullable(Float64),
  cuped_relative_lower Nullable(Float64),
  cuped_relative_upper Nullable(Float64)
) ENGINE = MergeTree
ORDER BY (metric, flag_key, recorded_at);
