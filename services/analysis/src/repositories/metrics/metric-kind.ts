import type { MetricDefinition, MetricKind } from '@tripwire/schema';
import type { CovariateStats, MetricStats, RatioCovariateStats } from '@tripwire/stats';

/** Typed query parameter values. */
export type KindParams = Record<string, number | readonly number[]>;

/**
 * One statistic kind behind one interface: its SQL (over the CTEs `valid_units` — unit_id, arm,
 * first_exposure — and `records` — unit_id, y_rec/y_hit for the numerator, x_rec/x_hit for the
 * denominator — that `metric-sql.ts` builds for any source), its sufficient statistics (one row
 * per variant) and the `@tripwire/stats` input they become. Values are typed parameters only.
 */
export interface MetricKindModule {
  kind: MetricKind;
  /** Extra CTEs and the final SELECT: one row per `variant` with the kind's statistics. */
  buildSql(definition: MetricDefinition): { ctes: string[]; select: string };
  /**
   * The same SELECT with each unit's CUPED covariate x (its value over the `records` with
   * `p_hit`, before its first exposure) and the moments `sum_x`, `sum_x_sq`, `sum_xy`
   * (`readCovariateStats`); only kinds with a linear CUPED estimator (means of per-unit values;
   * ratios, whose SELECT has their own columns and `readCovariate`).
   */
  buildCovariateSql?: (definition: MetricDefinition) => { ctes: string[]; select: string };
  /** The CUPED input of one arm from a row of `buildCovariateSql`; default `readCovariateStats`. */
  readCovariate?: (row: Record<string, unknown>) => MetricCovariate;
  /** The typed parameters that SQL takes beyond the scope's and the source's. */
  buildParams(definition: MetricDefinition): KindParams;
  /** The stats input of one arm from its row (numbers may arrive as strings: 64-bit ints). */
  readStats(row: Record<string, unknown>, definition: MetricDefinition): MetricStats;
  /** An arm without data: `decideGuardrail` answers `no_traffic` for it. */
  emptyStats(definition: MetricDefinition): MetricStats;
  /**
   * The same statistics from each unit's record totals, as the SQL computes them (calibration
   * replays, `calibrateCatalogGuardrail`); absent when totals do not determine them (quantiles
   * need every record's value).
   */
  summarizeUnits?: (units: readonly UnitTotals[], definition: MetricDefinition) => MetricStats;
  /**
   * The CUPED input `readCovariate` reads from `buildCovariateSql`, from each unit's totals after
   * and before its first exposure (calibration replays of a guardrail with CUPED).
   */
  summarizeCovariates?: (
    units: readonly CovariateUnit[],
    definition: MetricDefinition,
  ) => MetricCovariate;
  /**
   * The same per-unit values in SQL over one unit's record totals (`UNIT_TOTALS_SQL`'s columns),
   * for the query that reads every materialized metric of a flag at once (`metric-totals.ts`);
   * absent when totals do not determine them (quantiles).
   */
  buildTotalsSql?: (definition: MetricDefinition) => TotalsSql;
}

/**
 * A kind's per-unit value over the columns of `UNIT_TOTALS_SQL`: `y` (and `x`, a ratio's
 * denominator; '0' otherwise) for the units `counted` keeps; `everyUnit`: every valid unit
 * counts, one without records with the value of empty totals (`summarizeUnits` of them).
 */
export interface TotalsSql {
  y: string;
  x: string;
  counted: string;
  everyUnit: boolean;
}

/**
 * One unit's totals over its rows of `records` (alias `r`): the columns `TotalsSql` reads, the
 * SQL counterpart of `UnitTotals` (plus the mean of the numerator values, as `avgIf` computes it).
 */
export const UNIT_TOTALS_SQL = `sumIf(r.y_rec, r.y_hit) AS y_sum, countIf(r.y_hit) AS y_hits,
      countIf(r.y_hit AND r.y_rec > 0) AS y_positive, maxIf(r.y_rec, r.y_hit) AS y_max,
      minIf(r.y_rec, r.y_hit) AS y_min, avgIf(r.y_rec, r.y_hit) AS y_avg,
      sumIf(r.x_rec, r.x_hit) AS x_sum, countIf(r.x_hit) AS x_hits`;

/** A unit without records (what `everyUnit` kinds count it as). */
export const EMPTY_UNIT_TOTALS: UnitTotals = {
  ySum: 0,
  yHits: 0,
  yPositive: 0,
  yMax: -Infinity,
  yMin: Infinity,
  xSum: 0,
  xHits: 0,
};

/** One unit's records added up (numerator y, denominator x), e.g. over the minutes so far. */
export interface UnitTotals {
  ySum: number;
  yHits: number;
  /** Numerator records with a value > 0 (proportions). */
  yPositive: number;
  yMax: number;
  yMin: number;
  xSum: number;
  xHits: number;
}

/** One unit's totals after its first exposure and over its CUPED pre-exposure records. */
export interface CovariateUnit {
  post: UnitTotals;
  pre: UnitTotals;
}

export function addUnitTotals(a: UnitTotals, b: UnitTotals): UnitTotals {
  return {
    ySum: a.ySum + b.ySum,
    yHits: a.yHits + b.yHits,
    yPositive: a.yPositive + b.yPositive,
    yMax: b.yHits === 0 ? a.yMax : a.yHits === 0 ? b.yMax : Math.max(a.yMax, b.yMax),
    yMin: b.yHits === 0 ? a.yMin : a.yHits === 0 ? b.yMin : Math.min(a.yMin, b.yMin),
    xSum: a.xSum + b.xSum,
    xHits: a.xHits + b.xHits,
  };
}

/** `capUnitValue` on a number: winsorized at the definition's absolute bounds. */
export function capNumber(definition: MetricDefinition, y: number): number {
  const capping = definition.capping;
  if (capping?.type !== 'absolute') return y;
  const lower = capping.lower ?? -Infinity;
  const upper = capping.upper ?? Infinity;
  return Math.min(Math.max(y, lower), upper);
}

/** Mean statistics of per-unit values (what `MEAN_ARM_SQL` sums). */
export function summarizeValues(values: readonly number[]): MetricStats {
  let sum = 0;
  let sumSquares = 0;
  for (const y of values) {
    sum += y;
    sumSquares += y * y;
  }
  return { kind: 'mean', units: values.length, sum, sumSquares };
}

/** A mean-of-units kind's per-unit value from totals and the units it counts (as its SQL). */
export interface UnitValue {
  value(totals: UnitTotals): number;
  counted(totals: UnitTotals): boolean;
}

/** `summarizeUnits` of a mean-of-units kind. */
export function summarizeUnitValues(units: readonly UnitTotals[], unit: UnitValue): MetricStats {
  return summarizeValues(units.filter((u) => unit.counted(u)).map((u) => unit.value(u)));
}

/**
 * `summarizeCovariates` of a mean-of-units kind: x is the unit's value over its pre-exposure
 * records, 0 without any (`buildMeanOfUnitsSql`'s `if(countIf(p_hit) > 0, …, 0)`).
 */
export function summarizeUnitCovariates(
  units: readonly CovariateUnit[],
  unit: UnitValue,
): MetricCovariate {
  const stats = { units: 0, sum: 0, sumSquares: 0, covariateSum: 0, covariateSumSquares: 0 };
  let sumCrossProducts = 0;
  for (const { post, pre } of units) {
    if (!unit.counted(post)) continue;
    const y = unit.value(post);
    const x = pre.yHits > 0 ? unit.value(pre) : 0;
    stats.units++;
    stats.sum += y;
    stats.sumSquares += y * y;
    stats.covariateSum += x;
    stats.covariateSumSquares += x * x;
    sumCrossProducts += x * y;
  }
  return { kind: 'mean', stats: { ...stats, sumCrossProducts } };
}

/**
 * Per-unit values then per-arm moments: every valid unit joined to its records (a unit without
 * any gets the join's defaults: no hits), grouped by unit, kept by `having`, then per variant.
 */
export function buildPerUnitSelect(input: {
  columns: string;
  having: string;
  arm: string;
}): string {
  return `SELECT variant, ${input.arm}
FROM (
  SELECT v.arm AS variant, v.unit_id AS unit_id, ${input.columns}
  FROM valid_units AS v LEFT JOIN records AS r ON r.unit_id = v.unit_id
  GROUP BY variant, unit_id
  HAVING ${input.having}
)
GROUP BY variant
ORDER BY variant`;
}

/**
 * A kind whose statistic is the mean of a per-unit value `value(hit)` (over the unit's records
 * with `hit`): the plain SELECT (`covariate` false) or with the CUPED covariate, the same value
 * over the unit's pre-exposure records (`p_hit`; 0 for a unit without any).
 */
export function buildMeanOfUnitsSql(input: {
  value: (hit: string) => string;
  having: string;
  covariate: boolean;
}): { ctes: string[]; select: string } {
  const y = `${input.value('y_hit')} AS y`;
  const x = `if(countIf(p_hit) > 0, ${input.value('p_hit')}, 0) AS x`;
  return {
    ctes: [],
    select: buildPerUnitSelect({
      columns: input.covariate ? `${y}, ${x}` : y,
      having: input.having,
      arm: input.covariate ? `${MEAN_ARM_SQL}, ${COVARIATE_ARM_SQL}` : MEAN_ARM_SQL,
    }),
  };
}

/** Capping bounds as typed parameters (absolute capping only). */
export function buildCappingParams(definition: MetricDefinition): KindParams {
  const capping = definition.capping;
  if (capping?.type !== 'absolute') return {};
  return {
    ...(capping.lower === undefined ? {} : { capLower: capping.lower }),
    ...(capping.upper === undefined ? {} : { capUpper: capping.upper }),
  };
}

/** A ClickHouse number (64-bit integers come as strings in JSON). */
export function readNumber(row: Record<string, unknown>, column: string): number {
  const value = Number(row[column] ?? 0);
  return Number.isFinite(value) ? value : 0;
}

/** Moments of a per-unit value y across units: shared by the kinds whose stats are a mean. */
export const MEAN_ARM_SQL = 'count() AS units, sum(y) AS sum_y, sum(y * y) AS sum_y_sq';

/** Moments of the covariate x and its cross product with y (CUPED). */
const COVARIATE_ARM_SQL = 'sum(x) AS sum_x, sum(x * x) AS sum_x_sq, sum(x * y) AS sum_xy';

/** One arm's CUPED input, by the statistics kind it adjusts (`GuardrailCovariates` of stats). */
export type MetricCovariate =
  { kind: 'mean'; stats: CovariateStats } | { kind: 'ratio'; stats: RatioCovariateStats };

/** The CUPED input of one arm from a row of a mean kind's `buildCovariateSql`. */
export function readCovariateStats(row: Record<string, unknown>): CovariateStats {
  return {
    units: readNumber(row, 'units'),
    sum: readNumber(row, 'sum_y'),
    sumSquares: readNumber(row, 'sum_y_sq'),
    covariateSum: readNumber(row, 'sum_x'),
    covariateSumSquares: readNumber(row, 'sum_x_sq'),
    sumCrossProducts: readNumber(row, 'sum_xy'),
  };
}

export function readMeanStats(row: Record<string, unknown>): MetricStats {
  return {
    kind: 'mean',
    units: readNumber(row, 'units'),
    sum: readNumber(row, 'sum_y'),
    sumSquares: readNumber(row, 'sum_y_sq'),
  };
}

export const EMPTY_MEAN_STATS: MetricStats = { kind: 'mean', units: 0, sum: 0, sumSquares: 0 };

/** Winsorizes the per-unit value `y` at the definition's absolute bounds (typed parameters). */
export function capUnitValue(definition: MetricDefinition, y: string): string {
  const capping = definition.capping;
  if (capping === undefined || capping.type !== 'absolute') return y;
  let capped = y;
  if (capping.lower !== undefined) capped = `greatest(${capped}, {capLower:Float64})`;
  if (capping.upper !== undefined) capped = `least(${capped}, {capUpper:Float64})`;
  return capped;
}
