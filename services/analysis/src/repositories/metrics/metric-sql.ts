import {
  explainCupedLimit,
  type MetricDefinition,
  type MetricFilters,
  type MetricValue,
} from '@tripwire/schema';
import { buildValidUnitsCte } from '../arm-queries.js';
import type { TableNames } from '../../config.js';
import { createError } from '../../errors.js';
import { METRIC_KIND_MODULES } from './metric-kinds.js';
import { buildPredicateSql, type SqlParams } from './metric-predicates.js';
import {
  CUPED_LOOKBACK_DAYS,
  SEVERITY_NUMBERS,
  SOURCES,
  WINDOW,
  type SourceSql,
} from './metric-sources.js';

/** The scope of one metric read: the flag's valid units, a time window. */
export interface MetricScope {
  flagKey: string;
  /** '' = every environment. */
  environment: string;
  sinceMs: number;
  untilMs: number;
  /**
   * Read the records `metric-records.ts` materialized for this version of the definition (same
   * rows, same SQL after them); absent: from the raw signal.
   */
  materializedVersion?: number | undefined;
  /**
   * Metric data points only: one record per time series and checkpoint (`metric-checkpoints.ts`)
   * whose bucket holds some of its points, its total over its points up to that checkpoint's end,
   * timed at the checkpoint's start, with its series' key (`series`): a time series' states where
   * they change (`fetchMetricSeries`); absent: one record per series over the whole window.
   */
  atCheckpoints?: boolean | undefined;
}

/** A definition the SQL cannot serve yet: a 400 naming the field. */
function unsupported(pointer: string, message: string): Error {
  return createError('TRIPWIRE_ERR_BAD_REQUEST', message, { pointer });
}

function buildMatchSql(
  source: SourceSql,
  filters: MetricFilters | undefined,
  input: { prefix: string; params: SqlParams },
): string {
  const conditions: string[] = [];
  for (const [field, value] of Object.entries(filters ?? {})) {
    if (field === 'attributes') continue;
    const build = source.filters[field as keyof SourceSql['filters']];
    if (build === undefined)
      throw unsupported(`/filters/${field}`, `filter ${field} is not supported`);
    const name = `${input.prefix}_${field}`;
    input.params[name] =
      field === 'severityAtLeast'
        ? SEVERITY_NUMBERS[value as keyof typeof SEVERITY_NUMBERS]
        : (value as string);
    conditions.push(build(name));
  }
  (filters?.attributes ?? []).forEach((predicate, i) => {
    const name = `${input.prefix}_a${i}`;
    conditions.push(
      buildPredicateSql(predicate, { attributes: source.attributes, name, params: input.params }),
    );
  });
  return conditions.length === 0 ? '1' : conditions.join(' AND ');
}

function buildValueSql(
  source: SourceSql,
  value: MetricValue,
  input: { prefix: string; params: SqlParams },
): string {
  if (value.type === 'attribute') {
    input.params[`${input.prefix}_value`] = value.attribute ?? '';
    return `toFloat64OrNull(${source.attributes}[{${input.prefix}_value:String}])`;
  }
  const sql = source.values[value.type];
  if (sql === undefined) throw unsupported('/value/type', `value ${value.type} is not supported`);
  return sql;
}

/** The numerator (`y`) and denominator (`x`) parts of a definition's records: value and match. */
function buildParts(definition: MetricDefinition, params: SqlParams) {
  const source = SOURCES[definition.source];
  const part = (prefix: string, filters: MetricFilters | undefined, value: MetricValue) => {
    const match = buildMatchSql(source, filters, { prefix, params });
    const number = buildValueSql(source, value, { prefix, params });
    return { rec: `ifNull(toFloat64(${number}), 0)`, hit: `(${match}) AND isNotNull(${number})` };
  };
  const y = part('n', definition.filters, definition.value);
  const denominator = definition.denominator;
  const x =
    denominator === undefined
      ? { rec: '0', hit: '0' }
      : part('d', denominator.filters ?? definition.filters, denominator.value);
  return { source, y, x };
}

/**
 * One row per matching record of a definition, straight from its source: unit, time and the
 * numerator/denominator parts. What `metric-records.ts` materializes, and what raw reads use.
 */
function buildRecordRowsSql(
  definition: MetricDefinition,
  tables: TableNames,
  params: SqlParams,
  atCheckpoints?: boolean,
): string {
  const { source, y, x } = buildParts(definition, params);
  return `SELECT ${source.unitId} AS unit_id, ${source.time} AS rec_time,
      ${y.rec} AS y_rec, toUInt8(${y.hit}) AS y_hit,
      ${x.rec} AS x_rec, toUInt8(${x.hit}) AS x_hit${atCheckpoints === true && source.series !== undefined ? `, ${source.series} AS series` : ''}
    FROM ${source.from(tables, atCheckpoints)}
    WHERE ${source.where} AND (y_hit OR x_hit)`;
}

/** Whether a definition's records count only from their unit's first exposure on (tracked events). */
export function metricSourceCountsAfterExposure(definition: MetricDefinition): boolean {
  return SOURCES[definition.source].afterExposure === true;
}

/** Whether a definition's records can be materialized at ingest (`metric-records.ts`). */
export function isMaterializable(definition: MetricDefinition): boolean {
  return SOURCES[definition.source].materializable === true;
}

/**
 * The `records` CTE over per-record rows (`buildRecordRowsSql`, or the same columns from the
 * materialized records; a tracked event only from its unit's first exposure on): unit and
 * numerator/denominator parts (`y_*`, `x_*`); with `covariate`, also the unit's records before its
 * first exposure (numerator `p_hit` with its `y_rec`, denominator `q_hit` with its `x_rec`; `y_hit`
 * and `x_hit` 0), the CUPED covariate's records.
 */
function buildRecordsCte(input: {
  definition: MetricDefinition;
  tables: TableNames;
  params: SqlParams;
  rows: string;
  covariate: boolean;
}) {
  const { definition, tables, params } = input;
  const source = SOURCES[definition.source];
  const afterExposure = source.afterExposure === true;
  const post = `SELECT r.unit_id AS unit_id, r.y_rec AS y_rec, r.y_hit AS y_hit, r.x_rec AS x_rec,
      r.x_hit AS x_hit,${input.covariate ? ' toUInt8(0) AS p_hit, toUInt8(0) AS q_hit,' : ''}
      intDiv(toUnixTimestamp(toStartOfMinute(r.rec_time)), 60) AS rec_minute
    FROM (${input.rows}) AS r${afterExposure ? ' INNER JOIN valid_units AS vu ON vu.unit_id = r.unit_id' : ''}
    WHERE ${afterExposure ? 'r.rec_time >= vu.first_exposure' : '1'}`;
  if (!input.covariate)
    return `records AS (
    ${post}
  )`;
  const pre = source.preExposure;
  if (pre === undefined)
    throw unsupported('/cuped', explainCupedLimit(definition) ?? 'no pre-exposure period');
  params.cupedLookbackDays = CUPED_LOOKBACK_DAYS;
  const { y, x } = buildParts(definition, params);
  return `records AS (
    ${post}
    UNION ALL
    SELECT ${source.unitId} AS unit_id,
      ${y.rec} AS y_rec, toUInt8(0) AS y_hit, toFloat64(${x.rec}) AS x_rec, toUInt8(0) AS x_hit,
      toUInt8(${y.hit}) AS p_hit, toUInt8(${x.hit}) AS q_hit,
      intDiv(toUnixTimestamp(toStartOfMinute(${source.time})), 60) AS rec_minute
    FROM ${pre.from(tables)}
    WHERE ${pre.where} AND (p_hit OR q_hit)
  )`;
}

/**
 * The query of one metric definition for one flag: per variant the sufficient statistics of the
 * definition's kind, over the flag's valid units, with every value a typed parameter. With
 * `covariate` (CUPED), also the moments of each unit's same value over its records in the
 * `CUPED_LOOKBACK_DAYS` before its first exposure (`sum_x`, `sum_x_sq`, `sum_xy`).
 */
export function buildMetricSql(input: {
  definition: MetricDefinition;
  tables: TableNames;
  scope: MetricScope;
  covariate?: boolean | undefined;
}): { sql: string; params: SqlParams } {
  const { definition, tables } = input;
  const kind = METRIC_KIND_MODULES[definition.kind];
  const covariate = input.covariate === true;
  const built = covariate ? kind.buildCovariateSql?.(definition) : kind.buildSql(definition);
  if (built === undefined)
    throw unsupported('/cuped', explainCupedLimit(definition) ?? `no CUPED for ${kind.kind}`);
  const { records, params } = buildScopedRecords({ ...input, covariate });
  const { ctes, select } = built;
  Object.assign(params, kind.buildParams(definition));
  const sql = `WITH ${[buildValidUnitsCte(tables), records, ...ctes].join(',\n  ')}\n${select}`;
  return { sql, params };
}

/** The scope's parameters and the `records` CTE of a definition. */
export function buildScopedRecords(input: {
  definition: MetricDefinition;
  tables: TableNames;
  scope: MetricScope;
  covariate?: boolean;
}): { records: string; params: SqlParams } {
  const { definition, scope, tables } = input;
  const covariate = input.covariate === true;
  const version = scope.materializedVersion;
  const rows =
    version === undefined
      ? buildRecordRowsQuery({ definition, tables, scope })
      : {
          sql: `SELECT unit_id, rec_time, y_rec, y_hit, x_rec, x_hit FROM ${tables.metricRecords}
    WHERE flag_key = {flagKey:String} AND metric_id = {metricId:String}
      AND metric_version = {metricVersion:UInt32} AND ${WINDOW('rec_time')}`,
          params: { ...buildWindowParams(scope), metricId: definition.id, metricVersion: version },
        };
  const { params } = rows;
  const records = buildRecordsCte({ definition, tables, params, rows: rows.sql, covariate });
  if (records.includes('{stampKey:String}')) params.stampKey = stampKeyOf(scope.flagKey);
  return { records, params };
}

function buildWindowParams(scope: MetricScope): SqlParams {
  return {
    flagKey: scope.flagKey,
    environment: scope.environment,
    sinceMs: scope.sinceMs,
    untilMs: scope.untilMs,
  };
}

/** Spans, the traces of logs, and data points belong to the flag when they carry its variant. */
const stampKeyOf = (flagKey: string) => `tripwire.variant.${flagKey}`;

/** `buildRecordRowsSql` with the scope's parameters (the flag's variant stamp among them). */
export function buildRecordRowsQuery(input: {
  definition: MetricDefinition;
  tables: TableNames;
  scope: MetricScope;
}): { sql: string; params: SqlParams } {
  const params = buildWindowParams(input.scope);
  const sql = buildRecordRowsSql(input.definition, input.tables, params, input.scope.atCheckpoints);
  if (sql.includes('{stampKey:String}')) params.stampKey = stampKeyOf(input.scope.flagKey);
  return { sql, params };
}

/**
 * Rows of (unit_id, minute, record totals) over the `valid_units` and `records` CTEs: one per
 * valid unit at its first exposure's minute (zeros, so units without records count), plus each
 * unit's records summed per minute. Callers add them up by the grain they need.
 */
export const UNIT_MINUTE_TOTALS = `(
  SELECT unit_id, intDiv(toUnixTimestamp(first_exposure), 60) AS minute,
    0 AS y_sum, 0 AS y_hits, 0 AS y_positive, -inf AS y_max, inf AS y_min, 0 AS x_sum, 0 AS x_hits
  FROM valid_units
  UNION ALL
  SELECT r.unit_id AS unit_id, r.rec_minute AS minute,
    sumIf(r.y_rec, r.y_hit) AS y_sum, countIf(r.y_hit) AS y_hits,
    countIf(r.y_hit AND r.y_rec > 0) AS y_positive,
    if(y_hits > 0, maxIf(r.y_rec, r.y_hit), -inf) AS y_max,
    if(y_hits > 0, minIf(r.y_rec, r.y_hit), inf) AS y_min,
    sumIf(r.x_rec, r.x_hit) AS x_sum, countIf(r.x_hit) AS x_hits
  FROM records AS r INNER JOIN valid_units AS v ON v.unit_id = r.unit_id
  GROUP BY unit_id, minute
)`;

/**
 * Per valid unit and minute (epoch minutes), the definition's record totals (`UnitTotals`), for
 * calibration replays: every valid unit has a row at its first exposure's minute (zeros when it
 * has no record then), so units without records count as the kinds' SQL counts them.
 */
export function buildMetricMinutesSql(input: {
  definition: MetricDefinition;
  tables: TableNames;
  scope: MetricScope;
}): { sql: string; params: SqlParams } {
  const { records, params } = buildScopedRecords(input);
  const sql = `WITH ${[buildValidUnitsCte(input.tables), records].join(',\n  ')}
SELECT unit_id, minute,
  sum(y_sum) AS y_sum, sum(y_hits) AS y_hits, sum(y_positive) AS y_positive,
  max(y_max) AS y_max, min(y_min) AS y_min, sum(x_sum) AS x_sum, sum(x_hits) AS x_hits
FROM ${UNIT_MINUTE_TOTALS}
GROUP BY unit_id, minute
ORDER BY minute, unit_id`;
  return { sql, params };
}
