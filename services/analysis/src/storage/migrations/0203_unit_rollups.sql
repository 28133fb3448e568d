-- Rollups for results at scale (issue 6). Queries over millions of units must not group by unit
-- or join exposures to requests at query time; these tables carry one row per unit (after
-- merges; read with FINAL) and one row per variant and minute.
--
-- {{exposures}}_by_unit: per flag and unit, everything the unit-level statistics need, filled by
-- views on the two per-variant tables (which the views of 0200/0201 fill from the collector
-- tables at insert time, so whoever writes otel_traces/otel_logs fills these too):
--   exposures: first exposure (ns since epoch) per "environment \x1F variant";
--   requests: per stamped variant, server-span requests, errors and latency sum (ms);
--   latency_histogram: server-span log-bucket counts (0201's buckets), key = variant hash << 16
--     | bucket, so a unit's histogram of one variant can be taken apart from another's;
--   segments: per "variant \x1F dimension \x1F segment" (service, span_name, region,
--     service_version; empty segments left out), server-span requests, errors, latency sum.
-- Multi-variant exclusion and "the request's variant is the unit's exposed arm" are decided
-- per row at query time, so they stay exact.
CREATE TABLE IF NOT EXISTS {{exposures}}_by_unit (
    flag_key LowCardinality(String),
    unit_id String,
    exposures SimpleAggregateFunction(minMap, Map(String, Int64)),
    requests SimpleAggregateFunction(sumMap, Tuple(Array(String), Array(UInt64), Array(UInt64), Array(Float64))),
    latency_histogram SimpleAggregateFunction(sumMap, Tuple(Array(UInt64), Array(UInt64))),
    segments SimpleAggregateFunction(sumMap, Tuple(Array(String), Array(UInt64), Array(UInt64), Array(Float64)))
) ENGINE = AggregatingMergeTree
ORDER BY (flag_key, unit_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{exposures}}_by_unit_exposures_mv TO {{exposures}}_by_unit AS
SELECT
    flag_key,
    unit_id,
    minMap(map(concat(env, '\x1F', arm), first_ns)) AS exposures,
    CAST(([], [], [], []), 'Tuple(Array(String), Array(UInt64), Array(UInt64), Array(Float64))') AS requests,
    CAST(([], []), 'Tuple(Array(UInt64), Array(UInt64))') AS latency_histogram,
    CAST(([], [], [], []), 'Tuple(Array(String), Array(UInt64), Array(UInt64), Array(Float64))') AS segments
FROM (
    SELECT flag_key, unit_id, toString(environment) AS env, toString(variant) AS arm,
        toUnixTimestamp64Nano(first_seen) AS first_ns
    FROM {{exposures}}
)
GROUP BY flag_key, unit_id;

-- The inner select renames the source columns so the aggregates can take the target names.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{exposures}}_by_unit_requests_mv TO {{exposures}}_by_unit AS
SELECT
    flag_key,
    unit_id,
    CAST(map(), 'Map(String, Int64)') AS exposures,
    sumMapIf([v], [n], [e], [l], is_server) AS requests,
    sumMapIf(arrayMap(k -> bitOr(variant_base, toUInt64(k)), mapKeys(h)), mapValues(h), is_server) AS latency_histogram,
    sumMapIf(segment_keys, arrayMap(k -> n, segment_keys), arrayMap(k -> e, segment_keys),
        arrayMap(k -> l, segment_keys), is_server) AS segments
FROM (
    SELECT flag_key, unit_id, toString(variant) AS v, requests AS n, errors AS e, latency_sum_ms AS l,
        latency_histogram AS h, span_kind = 'server' AS is_server,
        bitShiftLeft(bitAnd(cityHash64(v), 281474976710655), 16) AS variant_base,
        arrayMap(d -> concat(v, '\x1F', d.1, '\x1F', d.2), arrayFilter(d -> d.2 != '', [
            ('service', toString(service_name)),
            ('span_name', toString(span_name)),
            ('region', toString(region)),
            ('service_version', toString(service_version))
        ])) AS segment_keys
    FROM {{variantRequests}}
)
GROUP BY flag_key, unit_id;

-- {{variantRequests}}_by_minute: requests per flag, stamped variant, span kind and minute (all
-- units, valid or not), with the latency histogram: the time series, the flag's request time
-- range and (when no unit's requests must be left out) the arms' latency histograms come from here.
CREATE TABLE IF NOT EXISTS {{variantRequests}}_by_minute (
    flag_key LowCardinality(String),
    variant LowCardinality(String),
    span_kind LowCardinality(String),
    minute DateTime,
    requests SimpleAggregateFunction(sum, UInt64),
    errors SimpleAggregateFunction(sum, UInt64),
    latency_sum_ms SimpleAggregateFunction(sum, Float64),
    latency_histogram SimpleAggregateFunction(sumMap, Map(UInt16, UInt64))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (flag_key, variant, span_kind, minute);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{variantRequests}}_by_minute_mv TO {{variantRequests}}_by_minute AS
SELECT flag_key, variant, span_kind, minute,
    toUInt64(sum(n)) AS requests, toUInt64(sum(e)) AS errors, sum(l) AS latency_sum_ms,
    sumMap(h) AS latency_histogram
FROM (
    SELECT flag_key, variant, span_kind, minute, requests AS n, errors AS e, latency_sum_ms AS l,
        latency_histogram AS h
    FROM {{variantRequests}}
)
GROUP BY flag_key, variant, span_kind, minute;

-- Backfill from what 0200/0201 already hold (rows written while this migration runs could be
-- counted twice: migrations run at start-up, before the receiver accepts telemetry).
INSERT INTO {{exposures}}_by_unit
SELECT
    flag_key,
    unit_id,
    minMap(map(concat(env, '\x1F', arm), first_ns)) AS exposures,
    CAST(([], [], [], []), 'Tuple(Array(String), Array(UInt64), Array(UInt64), Array(Float64))') AS requests,
    CAST(([], []), 'Tuple(Array(UInt64), Array(UInt64))') AS latency_histogram,
    CAST(([], [], [], []), 'Tuple(Array(String), Array(UInt64), Array(UInt64), Array(Float64))') AS segments
FROM (
    SELECT flag_key, unit_id, toString(environment) AS env, toString(variant) AS arm,
        toUnixTimestamp64Nano(first_seen) AS first_ns
    FROM {{exposures}}
)
GROUP BY flag_key, unit_id;

INSERT INTO {{exposures}}_by_unit
SELECT
    flag_key,
    unit_id,
    CAST(map(), 'Map(String, Int64)') AS exposures,
    sumMapIf([v], [n], [e], [l], is_server) AS requests,
    sumMapIf(arrayMap(k -> bitOr(variant_base, toUInt64(k)), mapKeys(h)), mapValues(h), is_server) AS latency_histogram,
    sumMapIf(segment_keys, arrayMap(k -> n, segment_keys), arrayMap(k -> e, segment_keys),
        arrayMap(k -> l, segment_keys), is_server) AS segments
FROM (
    SELECT flag_key, unit_id, toString(variant) AS v, requests AS n, errors AS e, latency_sum_ms AS l,
        latency_histogram AS h, span_kind = 'server' AS is_server,
        bitShiftLeft(bitAnd(cityHash64(v), 281474976710655), 16) AS variant_base,
        arrayMap(d -> concat(v, '\x1F', d.1, '\x1F', d.2), arrayFilter(d -> d.2 != '', [
            ('service', toString(service_name)),
            ('span_name', toString(span_name)),
            ('region', toString(region)),
            ('service_version', toString(service_version))
        ])) AS segment_keys
    FROM {{variantRequests}}
)
GROUP BY flag_key, unit_id;

INSERT INTO {{variantRequests}}_by_minute
SELECT flag_key, variant, span_kind, minute, toUInt64(sum(requests)), toUInt64(sum(errors)), sum(latency_sum_ms),
    sumMap(latency_histogram)
FROM {{variantRequests}}
GROUP BY flag_key, variant, span_kind, minute;
