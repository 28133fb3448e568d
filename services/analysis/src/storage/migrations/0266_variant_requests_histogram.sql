-- The variant-requests view of 0201 again, same name, target and rows, with the latency
-- histogram summed over parallel arrays and cast to the column's Map (sumMap over a one-entry
-- map per span cost more). The view's SELECT alone over 200 k bench spans: 3.07-3.09 ->
-- 2.69-2.72 µs/span of engine CPU (bench/README.md, "The views' cost as a ratio to the bare
-- insert"). Migrations run at start-up, before the receiver accepts telemetry; a collector
-- writing meanwhile could lose the spans of that instant (as for 0210).
DROP VIEW IF EXISTS {{variantRequests}}_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{variantRequests}}_mv TO {{variantRequests}} AS
SELECT
    substring(stamp, 18) AS flag_key,
    stamped_variant AS variant,
    SpanAttributes['tripwire.unit.id'] AS unit_id,
    ServiceName AS service_name,
    SpanName AS span_name,
    lower(replaceOne(SpanKind, 'SPAN_KIND_', '')) AS span_kind,
    if(ResourceAttributes['cloud.region'] != '', ResourceAttributes['cloud.region'], ResourceAttributes['region']) AS region,
    ResourceAttributes['service.version'] AS service_version,
    toStartOfMinute(Timestamp) AS minute,
    toUInt64(count()) AS requests,
    toUInt64(countIf(StatusCode IN ('Error', 'STATUS_CODE_ERROR'))) AS errors,
    sum(Duration / 1e6) AS latency_sum_ms,
    sum((Duration / 1e6) * (Duration / 1e6)) AS latency_sum_squares_ms,
    CAST(sumMap([toUInt16(least(65535, floor(32 * log2(greatest(Duration, 1)))))], [toUInt64(1)]), 'Map(UInt16, UInt64)') AS latency_histogram,
    maxIf(TraceId, StatusCode IN ('Error', 'STATUS_CODE_ERROR')) AS error_trace_id,
    max((Duration / 1e6, TraceId)) AS slowest
FROM {{traces}}
ARRAY JOIN
    mapKeys(mapFilter((k, v) -> startsWith(k, 'tripwire.variant.') AND v != '', SpanAttributes)) AS stamp,
    mapValues(mapFilter((k, v) -> startsWith(k, 'tripwire.variant.') AND v != '', SpanAttributes)) AS stamped_variant
WHERE SpanName NOT IN ('tripwire.exposure', 'tripwire.conversion')
  AND SpanAttributes['tripwire.unit.id'] != ''
GROUP BY flag_key, variant, unit_id, service_name, span_name, span_kind, region, service_version, minute;
