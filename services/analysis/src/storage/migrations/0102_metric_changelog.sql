-- The metric catalog: append-only, one row per version of a metric definition (who, when, why,
-- the full definition after the change). The current definition is the latest version per id;
-- the service never updates or deletes rows, so this is also the metrics' audit log.
CREATE TABLE IF NOT EXISTS {{metricChangelog}} (
  metric_id String,
  version UInt32,
  action LowCardinality(String),
  actor String,
  reason String,
  document String,
  created_at DateTime64(3, 'UTC')
) ENGINE = MergeTree
ORDER BY (metric_id, version);
