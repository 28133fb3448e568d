-- API tokens and SDK keys as an append-only event log (create, revoke). Only a SHA-256 hash of
-- each secret is stored; the secret is shown once, on creation.
CREATE TABLE IF NOT EXISTS {{tokens}} (
  seq UInt64,
  id String,
  action LowCardinality(String),
  name String,
  kind LowCardinality(String),
  role LowCardinality(String),
  projects Array(String),
  environments Array(String),
  hash String,
  actor String,
  created_at DateTime64(3, 'UTC')
) ENGINE = MergeTree
ORDER BY seq;
