-- Catalog metrics at scale (issue 17): the records of a (flag, metric, version) that an
-- experiment names, copied at insert time by a materialized view created from the definition
-- (`metric-records.ts`), so the live results and the guardian read a small sorted table instead
-- of scanning otel_traces and its attribute maps. One row per matching record, with exactly the
-- columns the raw query computes (unit, time, numerator and denominator parts), so every kind's
-- SQL runs unchanged on either and any time window stays exact.
CREATE TABLE IF NOT EXISTS {{metricRecords}} (
    flag_key LowCardinality(String),
    metric_id LowCardinality(String),
    metric_version UInt32,
    unit_id String,
    rec_time DateTime64(9),
    y_rec Float64,
    y_hit UInt8,
    x_rec Float64,
    x_hit UInt8
) ENGINE = MergeTree
ORDER BY (flag_key, metric_id, metric_version, unit_id, rec_time);

-- Which (flag, metric, version) have records and since when: the view copies records at or
-- after split_ms; records before it are backfilled once the lateness allowance has passed
-- ('filling' until then, when reads use the raw signal); 'dropped' when nothing names it.
CREATE TABLE IF NOT EXISTS {{metricRollups}} (
    flag_key LowCardinality(String),
    metric_id LowCardinality(String),
    metric_version UInt32,
    view_name String,
    split_ms Int64,
    state LowCardinality(String),
    updated_at DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (flag_key, metric_id, metric_version);
