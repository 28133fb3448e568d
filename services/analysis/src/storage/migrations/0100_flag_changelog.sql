-- The flag changelog: append-only, one row per version of a flag or segment. It is the audit
-- log; the service never updates or deletes rows. `seq` is the global config version (one writer
-- assigns it), `version` the entity's own version, `document` the full JSON after the change.
CREATE TABLE IF NOT EXISTS {{flagChangelog}} (
  seq UInt64,
  entity LowCardinality(String),
  key String,
  project LowCardinality(String),
  version UInt32,
  action LowCardinality(String),
  environment String,
  actor String,
  reason String,
  document String,
  created_at DateTime64(3, 'UTC')
) ENGINE = MergeTree
ORDER BY seq;
