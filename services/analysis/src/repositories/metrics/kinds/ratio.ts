import type { MetricStats } from '@tripwire/stats';
import {
  buildCappingParams,
  buildPerUnitSelect,
  capUnitValue,
  readNumber,
  type MetricKindModule,
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
};
