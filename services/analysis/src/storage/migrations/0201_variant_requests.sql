-- Per-variant request metrics per unit, service, span name, span kind and minute, filled at
-- insert time from every span the SDK stamped with tripwire.variant.<flagKey> = variant and
-- tripwire.unit.id (one row per stamped flag: ARRAY JOIN over the stamps). Exposure and
-- conversion spans are not requests. Kinds and status codes are normalised so both exporter
-- spellings (Server / SPAN_KIND_SERVER, Error / STATUS_CODE_ERROR) count.
-- latency_histogram: log-bucket counts, bucket k = floor(32·log2(duration ns)), i.e. buckets
-- 2.2% wide; it gives both the arm's quantile function and each unit's count below a quantile.
-- region and version come from resource attributes, for breakdowns; error_trace_id and slowest
-- (duration ms, trace id) are exemplars for kill reports.
CREATE TABLE IF NOT EXISTS {{variantRequests}} (
    flag_key LowCardinality(String),
    variant LowCardinality(String),
    unit_id String,
    service_name LowCardinality(String),
    span_name LowCardinality(String),
    span_kind LowCardinality(String),
    region LowCardinality(String),
    service_version LowCardinality(String),
    minute DateTime,
    requests SimpleAggregateFunction(sum, UInt64),
    errors SimpleAggregateFunction(sum, UInt64),
    latency_sum_ms SimpleAggregateFunction(sum, Float64),
    latency_sum_squares_ms SimpleAggregateFunction(sum, Float64),
    latency_histogram SimpleAggregateFunction(sumMap, Map(UInt16, UInt64)),
    error_trace_id SimpleAggregateFunction(max, String),
    slowest SimpleAggregateFunction(max, Tuple(Float64, String))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (flag_key, variant, unit_id, service_name, span_name, span_kind, region, service_version, minute);

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
    sumMap(map(toUInt16(least(65535, floor(32 * log2(greatest(Duration, 1))))), toUInt64(1))) AS latency_histogram,
    maxIf(TraceId, StatusCode IN ('Error', 'STATUS_CODE_ERROR')) AS error_trace_id,
    max((Duration / 1e6, TraceId)) AS slowest
FROM {{traces}}
ARRAY JOIN
    mapKeys(mapFilter((k, v) -> startsWith(k, 'tripwire.variant.') AND v != '', SpanAttributes)) AS stamp,
    mapValues(mapFilter((k, v) -> startsWith(k, 'tripwire.variant.') AND v != '', SpanAttributes)) AS stamped_variant
WHERE SpanName NOT IN ('tripwire.exposure', 'tripwire.conversion')
  AND SpanAttributes['tripwire.unit.id'] != ''
GROUP BY flag_key, variant, unit_id, service_name, span_name, span_kind, region, service_version, minute;
