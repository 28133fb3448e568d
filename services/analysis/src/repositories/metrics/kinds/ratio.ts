import type { MetricStats } from '@tripwire/stats';
import {
  buildCappingParams,
  buildPerUnitSelect,
  capUnitValue,
  readNumber,
  type MetricKindModule,
  capNumber,
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

/**
 * Σ numerator / Σ denominator across units (delta method): per unit y = Σ numerator values, x =
 * Σ denominator values, over the units with at least one record of either.
 */
export const ratioKind: MetricKindModule = {
  kind: 'ratio',
  buildSql: (definition) => ({
    ctes: [],
    select: buildPerUnitSelect({
      columns: `${capUnitValue(definition, 'toFloat64(sumIf(y_rec, y_hit))')} AS y, toFloat64(sumIf(x_rec, x_hit)) AS x`,
      having: 'countIf(y_hit OR x_hit) > 0',
      arm: 'count() AS units, sum(y) AS sum_y, sum(x) AS sum_x, sum(y * y) AS sum_y_sq, sum(x * x) AS sum_x_sq, sum(x * y) AS sum_xy',
    }),
  }),
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
