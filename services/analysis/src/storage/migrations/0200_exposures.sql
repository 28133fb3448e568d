-- First exposure per unit, flag, environment and variant, filled at insert time from exposure
-- spans (tripwire.exposure) and from semconv feature_flag.evaluation log events. A unit with
-- more than one variant row for a flag/environment is a multi-variant unit: counted, excluded.
-- Deprecated attribute names (feature_flag.variant) are accepted; the unit is tripwire.unit.id,
-- else feature_flag.context.id (the SDK puts the same hashed id in both).
CREATE TABLE IF NOT EXISTS {{exposures}} (
    flag_key LowCardinality(String),
    environment LowCardinality(String),
    unit_id String,
    variant LowCardinality(String),
    first_seen SimpleAggregateFunction(min, DateTime64(9)),
    last_seen SimpleAggregateFunction(max, DateTime64(9)),
    exposures SimpleAggregateFunction(sum, UInt64),
    first_trace_id AggregateFunction(argMin, String, DateTime64(9))
) ENGINE = AggregatingMergeTree
ORDER BY (flag_key, environment, unit_id, variant);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{exposures}}_from_spans_mv TO {{exposures}} AS
SELECT
    SpanAttributes['feature_flag.key'] AS flag_key,
    multiIf(
        SpanAttributes['tripwire.environment'] != '', SpanAttributes['tripwire.environment'],
        SpanAttributes['feature_flag.set.id'] != '', SpanAttributes['feature_flag.set.id'],
        ResourceAttributes['deployment.environment.name'] != '', ResourceAttributes['deployment.environment.name'],
        ResourceAttributes['deployment.environment']
    ) AS environment,
    if(SpanAttributes['tripwire.unit.id'] != '', SpanAttributes['tripwire.unit.id'], SpanAttributes['feature_flag.context.id']) AS unit_id,
    if(SpanAttributes['feature_flag.result.variant'] != '', SpanAttributes['feature_flag.result.variant'], SpanAttributes['feature_flag.variant']) AS variant,
    min(Timestamp) AS first_seen,
    max(Timestamp) AS last_seen,
    toUInt64(count()) AS exposures,
    argMinState(TraceId, Timestamp) AS first_trace_id
FROM {{traces}}
WHERE SpanName = 'tripwire.exposure' AND flag_key != '' AND unit_id != '' AND variant != ''
GROUP BY flag_key, environment, unit_id, variant;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{exposures}}_from_logs_mv TO {{exposures}} AS
SELECT
    LogAttributes['feature_flag.key'] AS flag_key,
    multiIf(
        LogAttributes['tripwire.environment'] != '', LogAttributes['tripwire.environment'],
        LogAttributes['feature_flag.set.id'] != '', LogAttributes['feature_flag.set.id'],
        ResourceAttributes['deployment.environment.name'] != '', ResourceAttributes['deployment.environment.name'],
        ResourceAttributes['deployment.environment']
    ) AS environment,
    if(LogAttributes['tripwire.unit.id'] != '', LogAttributes['tripwire.unit.id'], LogAttributes['feature_flag.context.id']) AS unit_id,
    if(LogAttributes['feature_flag.result.variant'] != '', LogAttributes['feature_flag.result.variant'], LogAttributes['feature_flag.variant']) AS variant,
    min(Timestamp) AS first_seen,
    max(Timestamp) AS last_seen,
    toUInt64(count()) AS exposures,
    argMinState(TraceId, Timestamp) AS first_trace_id
FROM {{logs}}
WHERE (EventName IN ('feature_flag.evaluation', 'feature_flag')
       OR LogAttributes['event.name'] IN ('feature_flag.evaluation', 'feature_flag'))
  AND flag_key != '' AND unit_id != '' AND variant != ''
  AND lower(if(LogAttributes['feature_flag.result.reason'] != '', LogAttributes['feature_flag.result.reason'], LogAttributes['feature_flag.evaluation.reason'])) != 'error'
GROUP BY flag_key, environment, unit_id, variant;
