import type { MetricDefinition } from '@tripwire/schema';
import type { MetricStats, RatioCovariateStats } from '@tripwire/stats';
import {
  buildCappingParams,
  buildPerUnitSelect,
  capUnitValue,
  readNumber,
  type MetricKindModule,
  capNumber,
  type CovariateUnit,
} from '../metric-kind.js';

const EMPTY: MetricStats = {
  kind: 'ratio',
  units: 0,
  sumNumerator: 0,
  sumDenominator: 0,
  sumNumeratorSquares: 0,
  sumDenominatorSquares: 0,
  sumCrossProducts: 0,
};

const RATIO_ARM_SQL =
  'count() AS units, sum(y) AS sum_y, sum(x) AS sum_x, sum(y * y) AS sum_y_sq, sum(x * x) AS sum_x_sq, sum(x * y) AS sum_xy';

/** The pre-exposure numerator u and denominator v: their moments and products with y and x. */
const COVARIATE_ARM_SQL = `sum(u) AS sum_u, sum(v) AS sum_v, sum(u * u) AS sum_u_sq, sum(v * v) AS sum_v_sq,
  sum(u * v) AS sum_uv, sum(y * u) AS sum_yu, sum(y * v) AS sum_yv, sum(x * u) AS sum_xu, sum(x * v) AS sum_xv`;

/**
 * Per unit y = Σ numerator values (capped), x = Σ denominator values, over the units with a
 * record of either after exposure; with `covariate`, also u and v, the same over the unit's
 * records before its first exposure (`p_hit`, `q_hit`; 0 without any).
 */
function buildRatioSql(definition: MetricDefinition, covariate: boolean) {
  const y = `${capUnitValue(definition, 'toFloat64(sumIf(y_rec, y_hit))')} AS y, toFloat64(sumIf(x_rec, x_hit)) AS x`;
  const pre = `${capUnitValue(definition, 'toFloat64(sumIf(y_rec, p_hit))')} AS u, toFloat64(sumIf(x_rec, q_hit)) AS v`;
  return {
    ctes: [],
    select: buildPerUnitSelect({
      columns: covariate ? `${y}, ${pre}` : y,
      having: 'countIf(y_hit OR x_hit) > 0',
      arm: covariate ? `${RATIO_ARM_SQL}, ${COVARIATE_ARM_SQL}` : RATIO_ARM_SQL,
    }),
  };
}

function readRatioCovariate(row: Record<string, unknown>): RatioCovariateStats {
  const read = (column: string) => readNumber(row, column);
  return {
    units: read('units'),
    sumNumerator: read('sum_y'),
    sumDenominator: read('sum_x'),
    sumNumeratorSquares: read('sum_y_sq'),
    sumDenominatorSquares: read('sum_x_sq'),
    sumCrossProducts: read('sum_xy'),
    covariateSumNumerator: read('sum_u'),
    covariateSumDenominator: read('sum_v'),
    covariateSumNumeratorSquares: read('sum_u_sq'),
    covariateSumDenominatorSquares: read('sum_v_sq'),
    covariateSumCrossProducts: read('sum_uv'),
    sumNumeratorCovariateNumerator: read('sum_yu'),
    sumNumeratorCovariateDenominator: read('sum_yv'),
    sumDenominatorCovariateNumerator: read('sum_xu'),
    sumDenominatorCovariateDenominator: read('sum_xv'),
  };
}

/** Each field of `RatioCovariateStats` as a unit's term: y, x after exposure, u, v before it. */
const COVARIATE_TERMS: readonly [
  keyof RatioCovariateStats,
  (t: { y: number; x: number; u: number; v: number }) => number,
][] = [
  ['units', () => 1],
  ['sumNumerator', (t) => t.y],
  ['sumDenominator', (t) => t.x],
  ['sumNumeratorSquares', (t) => t.y * t.y],
  ['sumDenominatorSquares', (t) => t.x * t.x],
  ['sumCrossProducts', (t) => t.x * t.y],
  ['covariateSumNumerator', (t) => t.u],
  ['covariateSumDenominator', (t) => t.v],
  ['covariateSumNumeratorSquares', (t) => t.u * t.u],
  ['covariateSumDenominatorSquares', (t) => t.v * t.v],
  ['covariateSumCrossProducts', (t) => t.u * t.v],
  ['sumNumeratorCovariateNumerator', (t) => t.y * t.u],
  ['sumNumeratorCovariateDenominator', (t) => t.y * t.v],
  ['sumDenominatorCovariateNumerator', (t) => t.x * t.u],
  ['sumDenominatorCovariateDenominator', (t) => t.x * t.v],
];

/** `readRatioCovariate`'s moments from unit totals (the units with a record after exposure). */
function summarizeRatioCovariates(
  units: readonly CovariateUnit[],
  definition: MetricDefinition,
): RatioCovariateStats {
  const sums = new Map<keyof RatioCovariateStats, number>(COVARIATE_TERMS.map(([f]) => [f, 0]));
  for (const { post, pre } of units) {
    if (post.yHits + post.xHits === 0) continue;
    const terms = {
      y: capNumber(definition, post.ySum),
      x: post.xSum,
      u: capNumber(definition, pre.ySum),
      v: pre.xSum,
    };
    for (const [field, term] of COVARIATE_TERMS) sums.set(field, sums.get(field)! + term(terms));
  }
  return Object.fromEntries(sums) as unknown as RatioCovariateStats;
}

/**
 * Σ numerator / Σ denominator across units (delta method): per unit y = Σ numerator values, x =
 * Σ denominator values, over the units with at least one record of either. CUPED: the same
 * ratio's numerator and denominator before exposure (`adjustRatioWithCuped` of @tripwire/stats).
 */
export const ratioKind: MetricKindModule = {
  kind: 'ratio',
  buildSql: (definition) => buildRatioSql(definition, false),
  buildCovariateSql: (definition) => buildRatioSql(definition, true),
  readCovariate: (row) => ({ kind: 'ratio', stats: readRatioCovariate(row) }),
  buildParams: buildCappingParams,
  readStats: (row) => ({
    kind: 'ratio',
    units: readNumber(row, 'units'),
    sumNumerator: readNumber(row, 'sum_y'),
    sumDenominator: readNumber(row, 'sum_x'),
    sumNumeratorSquares: readNumber(row, 'sum_y_sq'),
    sumDenominatorSquares: readNumber(row, 'sum_x_sq'),
    sumCrossProducts: readNumber(row, 'sum_xy'),
  }),
  emptyStats: () => EMPTY,
  summarizeCovariates: (units, definition) => ({
    kind: 'ratio',
    stats: summarizeRatioCovariates(units, definition),
  }),
  summarizeUnits: (units, definition) => {
    const counted = units.filter((t) => t.yHits + t.xHits > 0);
    const y = counted.map((u) => capNumber(definition, u.ySum));
    const x = counted.map((u) => u.xSum);
    const total = (values: number[]) => values.reduce((sum, v) => sum + v, 0);
    return {
      kind: 'ratio',
      units: counted.length,
      sumNumerator: total(y),
      sumDenominator: total(x),
      sumNumeratorSquares: total(y.map((v) => v * v)),
      sumDenominatorSquares: total(x.map((v) => v * v)),
      sumCrossProducts: total(y.map((v, i) => v * (x[i] ?? 0))),
    };
  },
  buildTotalsSql: (definition) => ({
    y: capUnitValue(definition, 'toFloat64(y_sum)'),
    x: 'toFloat64(x_sum)',
    counted: 'y_hits + x_hits > 0',
    everyUnit: false,
  }),
};
