/**
 * Where each metric source's records live: its table (or subquery), the columns its filter fields
 * and values read, the attribution and window always applied, and its records before a unit's
 * exposure (the CUPED covariate). `metric-sql.ts` builds the queries from these.
 */
import type { MetricFilterField, MetricSource, MetricValue } from '@tripwire/schema';
import type { TableNames } from '../../config.js';
import { CHECKPOINT_START, POINT_OF } from './metric-checkpoints.js';
import { buildPreExposurePointSeries } from './pre-exposure-points.js';

/** OpenTelemetry severity numbers at the start of each named range (logs data model). */
export const SEVERITY_NUMBERS = {
  trace: 1,
  debug: 5,
  info: 9,
  warn: 13,
  error: 17,
  fatal: 21,
} as const;

/** Where a source's records live and how its filter fields and values read them. */
export interface SourceSql {
  /** `atCheckpoints`: see `MetricScope` (metric data points only). */
  from(tables: TableNames, atCheckpoints?: boolean): string;
  /** At checkpoints: the key of the record's time series, whose states replace each other. */
  series?: string;
  unitId: string;
  /** The record's time (calibration replays it minute by minute). */
  time: string;
  /** Always applied: the window, the flag's attribution, the SDK's own spans left out. */
  where: string;
  attributes: string;
  filters: Partial<Record<Exclude<MetricFilterField, 'attributes'>, (param: string) => string>>;
  values: Partial<Record<MetricValue['type'], string>>;
  /**
   * The unit's records before its first exposure (the CUPED covariate), in the same columns;
   * absent when the source has none (`explainCupedLimit` of @tripwire/schema says why).
   */
  preExposure?: { from(tables: TableNames): string; where: string };
  /** Records count from the unit's first exposure on (tracked events). */
  afterExposure?: boolean;
  /** Read from one table without joins or grouping, so a materialized view can copy its records. */
  materializable?: boolean;
}

/** How far before a unit's first exposure its records make its CUPED covariate. */
export const CUPED_LOOKBACK_DAYS = 14;

/** A record in the `CUPED_LOOKBACK_DAYS` before the unit's first exposure (`vu`). */
const PRE_EXPOSURE = (time: string) =>
  `${time} < vu.first_exposure AND ${time} >= vu.first_exposure - toIntervalDay({cupedLookbackDays:UInt32})`;

const SDK_SPANS = "SpanName NOT IN ('tripwire.exposure', 'tripwire.conversion')";

const SINCE = 'fromUnixTimestamp64Milli({sinceMs:Int64})';
const UNTIL = 'fromUnixTimestamp64Milli({untilMs:Int64})';

export const WINDOW = (time: string) => `${time} >= ${SINCE} AND ${time} < ${UNTIL}`;

const SPANS: SourceSql = {
  from: (tables) => tables.traces,
  unitId: "SpanAttributes['tripwire.unit.id']",
  time: 'Timestamp',
  // Spans count for the flag only when the SDK stamped its variant on them.
  where: `${WINDOW('Timestamp')} AND SpanAttributes[{stampKey:String}] != '' AND ${SDK_SPANS}`,
  attributes: 'SpanAttributes',
  filters: {
    service: (p) => `ServiceName = {${p}:String}`,
    spanName: (p) => `SpanName = {${p}:String}`,
    spanKind: (p) => `lower(replaceOne(SpanKind, 'SPAN_KIND_', '')) = {${p}:String}`,
    status: (p) => `lower(replaceOne(StatusCode, 'STATUS_CODE_', '')) = {${p}:String}`,
  },
  values: {
    count: '1',
    duration: 'Duration / 1e6',
    error: "StatusCode IN ('Error', 'STATUS_CODE_ERROR')",
  },
  // Before exposure a span has no variant of this flag; it carries the unit when the SDK stamped
  // it under the unit's other assignments (any flag's baggage). A span with the variant is the
  // post-exposure side's, even when it started before the exposure (a server span stamped later).
  preExposure: {
    from: (tables) =>
      `${tables.traces} INNER JOIN valid_units AS vu ON vu.unit_id = SpanAttributes['tripwire.unit.id']`,
    where: `${PRE_EXPOSURE('Timestamp')} AND SpanAttributes[{stampKey:String}] = '' AND ${SDK_SPANS}`,
  },
  materializable: true,
};

const eventsFrom = (tables: TableNames) =>
  `${tables.traces} AS e INNER JOIN valid_units AS vu ON vu.unit_id = e.SpanAttributes['tripwire.unit.id']`;

const EVENTS: SourceSql = {
  from: (tables) => `${tables.traces} AS e`,
  unitId: "e.SpanAttributes['tripwire.unit.id']",
  time: 'e.Timestamp',
  where: `${WINDOW('e.Timestamp')} AND e.SpanName = 'tripwire.conversion'`,
  // A tracked event counts from the unit's first exposure on.
  afterExposure: true,
  materializable: true,
  attributes: 'e.SpanAttributes',
  filters: {
    event: (p) => `e.SpanAttributes['tripwire.conversion.event'] = {${p}:String}`,
    service: (p) => `e.ServiceName = {${p}:String}`,
  },
  values: {
    count: '1',
    event_value: "toFloat64OrNull(e.SpanAttributes['tripwire.conversion.value'])",
  },
  // Tracked events carry the unit whether or not it was exposed yet.
  preExposure: {
    from: eventsFrom,
    where: `e.SpanName = 'tripwire.conversion' AND ${PRE_EXPOSURE('e.Timestamp')}`,
  },
};

/**
 * Traces from the trace→unit table (migration 0263) with their unit: those with spans stamped
 * with the flag's variant (`stamped`; else with any unit-carrying span) seen before the window's
 * end, and (`inWindow`) overlapping the window. A trace whose stamped spans lie both before and
 * after the window, none in it, counts too (the table keeps only their first and last time).
 */
const traceUnits = (tables: TableNames, stamped: boolean, inWindow = false) =>
  `(SELECT trace_id, unit_id FROM ${tables.traceUnits}
      WHERE flag_key = ${stamped ? '{flagKey:String}' : "''"} AND first_seen < ${UNTIL}${inWindow ? ` AND last_seen >= ${SINCE}` : ''})`;

const LOGS: SourceSql = {
  // A log record belongs to the unit of its trace: the trace's spans carry the unit and variant.
  // A semi join keeps each record once, with one row of its trace (a trace may have several
  // until they merge); RIGHT, so the hash table is built from the records, not the traces.
  from: (tables) => `${traceUnits(tables, true, true)} AS t
    RIGHT SEMI JOIN ${tables.logs} AS l ON t.trace_id = l.TraceId`,
  unitId: 't.unit_id',
  time: 'l.Timestamp',
  where: `${WINDOW('l.Timestamp')} AND l.TraceId != ''`,
  attributes: 'l.LogAttributes',
  filters: {
    service: (p) => `l.ServiceName = {${p}:String}`,
    severityAtLeast: (p) => `l.SeverityNumber >= {${p}:UInt8}`,
    bodyContains: (p) => `position(l.Body, {${p}:String}) > 0`,
  },
  values: { count: '1' },
  // Before exposure a log record reaches the unit the same way, through a trace whose spans carry
  // the unit (stamped under its other assignments) and none this flag's variant (such a trace is
  // the post-exposure side's).
  preExposure: {
    from: (tables) => `${tables.logs} AS l
    LEFT SEMI JOIN ${traceUnits(tables, false)} AS t ON t.trace_id = l.TraceId
    LEFT ANTI JOIN ${traceUnits(tables, true)} AS s ON s.trace_id = l.TraceId
    INNER JOIN valid_units AS vu ON vu.unit_id = t.unit_id`,
    where: `${PRE_EXPOSURE('l.Timestamp')} AND l.TraceId != ''`,
  },
};

/**
 * How a series' points make its value: over the whole window (`whole`), and at checkpoints the
 * aggregates of each bucket's points (`bucket`) and the series' state over the buckets so far
 * (`state`, over the window `w` of its buckets up to the current one).
 */
interface PointAggregate {
  whole: string;
  bucket: string[];
  state: string;
}

/** A cumulative series (temporality 2): its last point; a delta one: the sum of its points. */
const lastOrSum = (column: string): PointAggregate => ({
  whole: `if(max(AggregationTemporality) = 2, argMax(${column}, TimeUnix), sum(${column}))`,
  bucket: [
    'max(AggregationTemporality) AS temporality',
    `argMax(${column}, TimeUnix) AS last_${column}`,
    `sum(${column}) AS sum_${column}`,
  ],
  state: `if(max(temporality) OVER w = 2, last_${column}, sum(sum_${column}) OVER w)`,
});
const meanOf = (column: string): PointAggregate => ({
  whole: `avg(${column})`,
  bucket: [`sum(${column}) AS sum_${column}`, 'count() AS points'],
  state: `sum(sum_${column}) OVER w / sum(points) OVER w`,
});
const lastOf = (column: string): PointAggregate => ({
  whole: `argMax(${column}, TimeUnix)`,
  bucket: [`argMax(${column}, TimeUnix) AS last_${column}`],
  state: `last_${column}`,
});
const POINT_COUNT: PointAggregate = {
  whole: 'count()',
  bucket: ['count() AS points'],
  state: 'sum(points) OVER w',
};

/** Each metric-points table, its point type, and how its series' value and count read. */
const POINT_TABLES = [
  { table: 'metricsSum', type: 'sum', value: lastOrSum('Value'), count: POINT_COUNT },
  { table: 'metricsGauge', type: 'gauge', value: meanOf('Value'), count: POINT_COUNT },
  {
    table: 'metricsHistogram',
    type: 'histogram',
    value: lastOrSum('Sum'),
    count: lastOrSum('Count'),
  },
  {
    table: 'metricsExpHistogram',
    type: 'exponential_histogram',
    value: lastOrSum('Sum'),
    count: lastOrSum('Count'),
  },
  { table: 'metricsSummary', type: 'summary', value: lastOf('Sum'), count: lastOf('Count') },
] as const satisfies readonly {
  table: keyof TableNames;
  type: string;
  value: PointAggregate;
  count: PointAggregate;
}[];

const SERIES_KEY = 'ServiceName, MetricName, Attributes';
const STAMPED = `${WINDOW('TimeUnix')} AND Attributes[{stampKey:String}] != ''`;

/**
 * At checkpoints: one record per series and checkpoint whose bucket holds some of its points,
 * the series' state at that checkpoint's end (over its points so far), timed at the checkpoint's
 * start, with its key `SeriesId`.
 */
function pointStates(table: string, type: string, value: PointAggregate, count: PointAggregate) {
  const bucket = [...new Set([...value.bucket, ...count.bucket])].join(', ');
  return `
      SELECT '${type}' AS PointType, ServiceName, MetricName, Attributes,
        toFloat64(${value.state}) AS PointValue, toFloat64(${count.state}) AS PointCount,
        ${CHECKPOINT_START('point')} AS PointTime,
        toString(tuple('${type}', ${SERIES_KEY})) AS SeriesId
      FROM (
        SELECT ${SERIES_KEY}, ${POINT_OF('intDiv(toUnixTimestamp(TimeUnix), 60)')} AS point, ${bucket}
        FROM ${table} WHERE ${STAMPED}
        GROUP BY ${SERIES_KEY}, point
      )
      WINDOW w AS (PARTITION BY ${SERIES_KEY} ORDER BY point ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
}

/**
 * One record per time series of OTel metric data points (service, name, attributes: the SDK puts
 * the unit and variant among them, `assignmentAttributes()` of @tripwire/sdk): its total in the
 * window — a cumulative sum or (exponential) histogram (temporality 2) its last point, a delta one
 * the sum of its points, a gauge the mean of its points, a summary (always cumulative in OTLP) its
 * last point. A histogram's or summary's value is its Σ, `point_count` its count. At checkpoints
 * (`MetricScope.atCheckpoints`): its states where they change (`pointStates`).
 */
function pointSeries(tables: TableNames, atCheckpoints = false): string {
  const from = ({ table, type, value, count }: (typeof POINT_TABLES)[number]) =>
    atCheckpoints
      ? pointStates(tables[table], type, value, count)
      : `
      SELECT '${type}' AS PointType, ServiceName, MetricName, Attributes,
        toFloat64(${value.whole}) AS PointValue, toFloat64(${count.whole}) AS PointCount,
        max(TimeUnix) AS PointTime
      FROM ${tables[table]} WHERE ${STAMPED}
      GROUP BY ${SERIES_KEY}`;
  return `(${POINT_TABLES.map(from).join('\n      UNION ALL')}) AS p`;
}

const POINTS: SourceSql = {
  from: pointSeries,
  unitId: "p.Attributes['tripwire.unit.id']",
  // A series' total counts at its last point.
  time: 'p.PointTime',
  where: "p.Attributes['tripwire.unit.id'] != ''",
  attributes: 'p.Attributes',
  filters: {
    metricName: (p) => `p.MetricName = {${p}:String}`,
    pointType: (p) => `p.PointType = {${p}:String}`,
    service: (p) => `p.ServiceName = {${p}:String}`,
  },
  values: { point_value: 'p.PointValue', point_count: 'p.PointCount' },
  series: 'p.SeriesId',
  // The unit's series before exposure: its id without this flag's variant (other assignments).
  preExposure: {
    from: buildPreExposurePointSeries,
    where: "p.Attributes['tripwire.unit.id'] != ''",
  },
};

export const SOURCES: Record<MetricSource, SourceSql> = {
  spans: SPANS,
  events: EVENTS,
  logs: LOGS,
  metric_points: POINTS,
};
