-- Log metrics at scale (issue 17): a log record belongs to the unit of its trace, and reading
-- that unit from the spans meant grouping every span of the window by TraceId, through the
-- attribute maps, on each read. This narrow table keeps it at ingest: per trace the unit its
-- spans carry and when those spans were seen, filled by a view on {{traces}}, so the LOGS source
-- (`metric-sources.ts`) joins it instead.
--   flag_key = '': the trace's spans that carry a unit (tripwire.unit.id), stamped or not;
--   flag_key = F: those that also carry F's variant (tripwire.variant.F), one row per stamp.
-- first_seen/last_seen bound those spans' times: a read over [since, until) takes the traces
-- whose stamped spans overlap it, and the pre-exposure read the traces with unit-carrying spans
-- before `until` and no stamped one before it. Rows of one trace (one per insert block) merge in
-- the background; reads take any one row of a trace (a semi join), so unmerged rows and rows
-- written twice change nothing.
CREATE TABLE IF NOT EXISTS {{traceUnits}} (
    flag_key LowCardinality(String),
    trace_id String CODEC(ZSTD(1)),
    unit_id SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    first_seen SimpleAggregateFunction(min, DateTime64(9)),
    last_seen SimpleAggregateFunction(max, DateTime64(9))
) ENGINE = AggregatingMergeTree
ORDER BY (flag_key, trace_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{traceUnits}}_mv TO {{traceUnits}} AS
SELECT
    flag_key,
    TraceId AS trace_id,
    any(SpanAttributes['tripwire.unit.id']) AS unit_id,
    min(Timestamp) AS first_seen,
    max(Timestamp) AS last_seen
FROM {{traces}}
ARRAY JOIN arrayConcat([''], arrayMap(k -> substring(k, 18), mapKeys(mapFilter(
    (k, v) -> startsWith(k, 'tripwire.variant.') AND v != '', SpanAttributes)))) AS flag_key
WHERE SpanAttributes['tripwire.unit.id'] != '' AND TraceId != ''
GROUP BY flag_key, trace_id;

-- Backfill from the spans already stored, one row per span and stamp (not grouped, so memory
-- stays flat on a large store; merges fold a trace's rows). Spans written while this migration
-- runs may be copied twice, which changes nothing (see above).
INSERT INTO {{traceUnits}} (flag_key, trace_id, unit_id, first_seen, last_seen)
SELECT
    flag_key,
    TraceId,
    SpanAttributes['tripwire.unit.id'],
    Timestamp,
    Timestamp
FROM {{traces}}
ARRAY JOIN arrayConcat([''], arrayMap(k -> substring(k, 18), mapKeys(mapFilter(
    (k, v) -> startsWith(k, 'tripwire.variant.') AND v != '', SpanAttributes)))) AS flag_key
WHERE SpanAttributes['tripwire.unit.id'] != '' AND TraceId != '';
