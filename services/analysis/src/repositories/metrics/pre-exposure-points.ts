import type { TableNames } from '../../config.js';

/** The start of the unit's lookback (`vu` its valid-unit row; `cupedLookbackDays` typed). */
const LOOKBACK_START = 'vu.first_exposure - toIntervalDay({cupedLookbackDays:UInt32})';
const IN_LOOKBACK = `m.TimeUnix >= ${LOOKBACK_START}`;

/**
 * A cumulative column's increase over the lookback: its last value there less its last value
 * before it (0 without one: a series that started in the lookback), per series and start time
 * (`StartTimeUnix`), so a reset counts from 0.
 */
const increase = (column: string) =>
  `argMaxIf(m.${column}, m.TimeUnix, ${IN_LOOKBACK}) - argMaxIf(m.${column}, m.TimeUnix, NOT (${IN_LOOKBACK}))`;

/** A column of a table with temporality: the increase if cumulative (2), else the lookback's sum. */
const total = (column: string) =>
  `if(max(m.AggregationTemporality) = 2, ${increase(column)}, sumIf(m.${column}, ${IN_LOOKBACK}))`;

/**
 * The same series records as the metric-points source's (type, service, name, attributes,
 * value, count, time), before each unit's first exposure: the data points carrying its
 * `tripwire.unit.id` (the SDK's `assignmentAttributes()` under its other assignments) and not
 * this flag's variant, with each series' total over the `CUPED_LOOKBACK_DAYS` before exposure —
 * a cumulative sum or histogram its increase there, a delta one the sum of its points, a gauge
 * their mean, a summary (cumulative) its increase. Alias `p`, as the source's own. Point times
 * are whole seconds (the collector schema's `DateTime`): a point in the exposure's own second
 * may come after it, so only earlier seconds count.
 */
export function buildPreExposurePointSeries(tables: TableNames): string {
  const from = (table: string, type: string, value: string, count: string) => `
      SELECT '${type}' AS PointType, m.ServiceName AS ServiceName, m.MetricName AS MetricName,
        m.Attributes AS Attributes, toFloat64(${value}) AS PointValue,
        toFloat64(${count}) AS PointCount, max(m.TimeUnix) AS PointTime
      FROM ${table} AS m
        INNER JOIN valid_units AS vu ON vu.unit_id = m.Attributes['tripwire.unit.id']
      WHERE m.Attributes[{stampKey:String}] = '' AND m.TimeUnix < toDateTime(vu.first_exposure)
      GROUP BY m.ServiceName, m.MetricName, m.Attributes, m.StartTimeUnix, vu.first_exposure
      HAVING countIf(${IN_LOOKBACK}) > 0`;
  const points = `countIf(${IN_LOOKBACK})`;
  return `(${[
    from(tables.metricsSum, 'sum', total('Value'), points),
    from(tables.metricsGauge, 'gauge', `avgIf(m.Value, ${IN_LOOKBACK})`, points),
    from(tables.metricsHistogram, 'histogram', total('Sum'), total('Count')),
    from(tables.metricsExpHistogram, 'exponential_histogram', total('Sum'), total('Count')),
    from(tables.metricsSummary, 'summary', increase('Sum'), increase('Count')),
  ].join('\n      UNION ALL')}) AS p`;
}
