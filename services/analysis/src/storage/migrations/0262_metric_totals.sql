-- Per-unit totals of the catalog metrics' materialized records (issue 17): the windowless reads
-- of the sum-based kinds (live results, a guardian pass over the whole experiment) need only each
-- unit's record totals (`UnitTotals` of `metric-kind.ts`), so they read one row per unit here
-- instead of grouping every record per unit on each read (`metric-totals.ts`). One view on the
-- records table fills it, whichever view or backfill wrote the records; the time of the unit's
-- first and last record tells a read whether its window cuts the unit's records (then it reads
-- the records). Rows of one unit merge in the background; reads still add them up per unit.
CREATE TABLE IF NOT EXISTS {{metricTotals}} (
    flag_key LowCardinality(String),
    metric_id LowCardinality(String),
    metric_version UInt32,
    unit_id String,
    y_rec_sum SimpleAggregateFunction(sum, Float64),
    y_rec_hits SimpleAggregateFunction(sum, UInt64),
    y_rec_positive SimpleAggregateFunction(sum, UInt64),
    y_rec_max SimpleAggregateFunction(max, Float64),
    y_rec_min SimpleAggregateFunction(min, Float64),
    x_rec_sum SimpleAggregateFunction(sum, Float64),
    x_rec_hits SimpleAggregateFunction(sum, UInt64),
    rec_time_min SimpleAggregateFunction(min, DateTime64(9)),
    rec_time_max SimpleAggregateFunction(max, DateTime64(9))
) ENGINE = AggregatingMergeTree
ORDER BY (flag_key, metric_id, metric_version, unit_id);

-- A unit without numerator records in a block keeps max -inf / min +inf (not maxIf's default 0),
-- so merging it with another block's records keeps their extremes.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{metricTotals}}_mv TO {{metricTotals}} AS
SELECT
    flag_key,
    metric_id,
    metric_version,
    unit_id,
    sumIf(y_rec, y_hit) AS y_rec_sum,
    toUInt64(countIf(y_hit)) AS y_rec_hits,
    toUInt64(countIf(y_hit AND y_rec > 0)) AS y_rec_positive,
    if(countIf(y_hit) > 0, maxIf(y_rec, y_hit), -inf) AS y_rec_max,
    if(countIf(y_hit) > 0, minIf(y_rec, y_hit), inf) AS y_rec_min,
    sumIf(x_rec, x_hit) AS x_rec_sum,
    toUInt64(countIf(x_hit)) AS x_rec_hits,
    min(rec_time) AS rec_time_min,
    max(rec_time) AS rec_time_max
FROM {{metricRecords}}
GROUP BY flag_key, metric_id, metric_version, unit_id;
