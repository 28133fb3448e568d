-- Conversions (tripwire.conversion spans), one row each, per unit. Attribution to a flag's
-- variant happens at query time against the unit's first exposure (after it, within a window),
-- which this small table makes cheap; conversions before exposure feed CUPED as a pre-period.
CREATE TABLE IF NOT EXISTS {{conversions}} (
    unit_id String,
    event LowCardinality(String),
    timestamp DateTime64(9),
    value Float64,
    service_name LowCardinality(String),
    trace_id String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (unit_id, event, timestamp);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{conversions}}_mv TO {{conversions}} AS
SELECT
    SpanAttributes['tripwire.unit.id'] AS unit_id,
    SpanAttributes['tripwire.conversion.event'] AS event,
    Timestamp AS timestamp,
    toFloat64OrZero(SpanAttributes['tripwire.conversion.value']) AS value,
    ServiceName AS service_name,
    TraceId AS trace_id
FROM {{traces}}
WHERE SpanName = 'tripwire.conversion'
  AND SpanAttributes['tripwire.unit.id'] != ''
  AND SpanAttributes['tripwire.conversion.event'] != '';
