-- Scalar summaries of the by-unit rollup's maps (0203), so the analysis can decide a unit's arm
-- and read its request sums without decoding maps and arrays: 10 M units read 5-10x faster
-- (services/analysis README, "Performance"). Each column is computed when a row is inserted
-- (MATERIALIZED: whichever view or backfill writes the row, nothing to change there) and merges
-- with its own function, so after merges (or FINAL) it summarises the unit's merged maps:
--   exposed_env_first / _last, exposed_arm_first / _last: the smallest and largest environment
--     and variant the unit was exposed to (first = U+10FFFF, last = '' when none: variant names
--     are never empty, so arm_last = '' means "never exposed"); one variant iff first = last;
--   first_exposure_ns: its first exposure (max Int64 when none);
--   stamp_first / _last: the smallest and largest variant its server spans were stamped with;
--   server_requests / _errors / _latency_ms: those spans' sums over every stamp.
-- A unit is decided from these alone when its stamps are one variant and, for a query scoped to
-- one environment, it was exposed in one environment; the rest (rare) are read from the maps.
ALTER TABLE {{exposures}}_by_unit
    ADD COLUMN IF NOT EXISTS exposed_env_first SimpleAggregateFunction(min, LowCardinality(String))
        MATERIALIZED arrayMin(arrayPushBack(arrayMap(k -> substring(k, 1, position(k, '\x1F') - 1), mapKeys(exposures)), '\xF4\x8F\xBF\xBF')),
    ADD COLUMN IF NOT EXISTS exposed_env_last SimpleAggregateFunction(max, LowCardinality(String))
        MATERIALIZED arrayMax(arrayPushBack(arrayMap(k -> substring(k, 1, position(k, '\x1F') - 1), mapKeys(exposures)), '')),
    ADD COLUMN IF NOT EXISTS exposed_arm_first SimpleAggregateFunction(min, LowCardinality(String))
        MATERIALIZED arrayMin(arrayPushBack(arrayMap(k -> substring(k, position(k, '\x1F') + 1), mapKeys(exposures)), '\xF4\x8F\xBF\xBF')),
    ADD COLUMN IF NOT EXISTS exposed_arm_last SimpleAggregateFunction(max, LowCardinality(String))
        MATERIALIZED arrayMax(arrayPushBack(arrayMap(k -> substring(k, position(k, '\x1F') + 1), mapKeys(exposures)), '')),
    ADD COLUMN IF NOT EXISTS first_exposure_ns SimpleAggregateFunction(min, Int64)
        MATERIALIZED arrayMin(arrayPushBack(mapValues(exposures), 9223372036854775807)),
    ADD COLUMN IF NOT EXISTS stamp_first SimpleAggregateFunction(min, LowCardinality(String))
        MATERIALIZED arrayMin(arrayPushBack(requests.1, '\xF4\x8F\xBF\xBF')),
    ADD COLUMN IF NOT EXISTS stamp_last SimpleAggregateFunction(max, LowCardinality(String))
        MATERIALIZED arrayMax(arrayPushBack(requests.1, '')),
    ADD COLUMN IF NOT EXISTS server_requests SimpleAggregateFunction(sum, UInt64)
        MATERIALIZED arraySum(requests.2),
    ADD COLUMN IF NOT EXISTS server_errors SimpleAggregateFunction(sum, UInt64)
        MATERIALIZED arraySum(requests.3),
    ADD COLUMN IF NOT EXISTS server_latency_ms SimpleAggregateFunction(sum, Float64)
        MATERIALIZED arraySum(requests.4);

-- Rows written before this migration: until they are rewritten, reads compute the columns from
-- the maps (same values, at the old cost); the mutation stores them (~10 s per 10 M units).
ALTER TABLE {{exposures}}_by_unit
    MATERIALIZE COLUMN exposed_env_first, MATERIALIZE COLUMN exposed_env_last,
    MATERIALIZE COLUMN exposed_arm_first, MATERIALIZE COLUMN exposed_arm_last,
    MATERIALIZE COLUMN first_exposure_ns, MATERIALIZE COLUMN stamp_first, MATERIALIZE COLUMN stamp_last,
    MATERIALIZE COLUMN server_requests, MATERIALIZE COLUMN server_errors, MATERIALIZE COLUMN server_latency_ms;
