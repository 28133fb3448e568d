-- One row per delivery attempt of an alert to a target (alertmanager, webhook, grafana).
CREATE TABLE IF NOT EXISTS {{alertDeliveries}} (
  delivery_id String,
  alert_id String,
  breach_id String,
  flag_key String,
  environment LowCardinality(String),
  target LowCardinality(String),
  url String,
  attempt UInt16,
  attempted_at DateTime64(3),
  outcome LowCardinality(String),
  status UInt16,
  error String,
  payload String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(attempted_at)
ORDER BY (flag_key, breach_id, attempted_at, delivery_id);
