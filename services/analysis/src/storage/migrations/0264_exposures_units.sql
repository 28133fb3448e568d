-- Valid units at scale (issue 17): every analysis query built its units (exposed to exactly one
-- variant of the flag, with their first exposure) by grouping the per-variant exposure rows of
-- 0200 by unit at query time. This table keeps that summary at ingest, one row per flag, scope
-- and unit after merges: the smallest and largest variant seen (equal = the unit saw one
-- variant) and the first exposure. scope is the exposure's environment, and '' for every
-- environment at once (each exposure row is written under both), so a read of any scope is one
-- prefix of the sort key. Filled by a view on {{exposures}} (itself filled from spans and logs
-- by 0200/0210's views), so whatever feeds the exposures feeds this. Only min and max are kept:
-- rows of a unit in unmerged parts, or written twice, give the same answer once grouped.
CREATE TABLE IF NOT EXISTS {{exposureUnits}} (
    flag_key LowCardinality(String),
    scope LowCardinality(String),
    unit_id String,
    variant_min SimpleAggregateFunction(min, LowCardinality(String)),
    variant_max SimpleAggregateFunction(max, LowCardinality(String)),
    first_seen SimpleAggregateFunction(min, DateTime64(9))
) ENGINE = AggregatingMergeTree
ORDER BY (flag_key, scope, unit_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{exposureUnits}}_mv TO {{exposureUnits}} AS
SELECT
    flag_key,
    scope,
    unit_id,
    min(variant) AS variant_min,
    max(variant) AS variant_max,
    min(first_seen) AS first_seen
FROM (SELECT flag_key, toString(environment) AS env, unit_id, variant, first_seen FROM {{exposures}})
ARRAY JOIN arrayDistinct(['', env]) AS scope
GROUP BY flag_key, scope, unit_id;

-- Backfill from the exposures already stored, in one block so it lands in one part. Exposures
-- written while this migration runs may be counted twice, which changes nothing (see above).
INSERT INTO {{exposureUnits}} (flag_key, scope, unit_id, variant_min, variant_max, first_seen)
SELECT flag_key, scope, unit_id, min(variant), max(variant), min(first_seen)
FROM (SELECT flag_key, toString(environment) AS env, unit_id, variant, first_seen FROM {{exposures}})
ARRAY JOIN arrayDistinct(['', env]) AS scope
GROUP BY flag_key, scope, unit_id
SETTINGS min_insert_block_size_rows = 1000000000000, min_insert_block_size_bytes = 1000000000000;
