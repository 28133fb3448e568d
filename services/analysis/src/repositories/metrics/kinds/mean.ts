import {
  buildCappingParams,
  buildPerUnitSelect,
  capUnitValue,
  EMPTY_MEAN_STATS,
  MEAN_ARM_SQL,
  readMeanStats,
  type MetricKindModule,
  capNumber,
  summarizeValues,
  type UnitTotals,
} from '../metric-kind.js';

const AGGREGATE = { sum: 'sumIf', max: 'maxIf', min: 'minIf', mean: 'avgIf' } as const;

/**
 * Per unit the aggregate of its records' values (`unitAggregation`, default sum), averaged over
 * units. A sum counts every exposed unit (0 without records: revenue per exposed user); max,
 * min and mean only units with at least one record (no value otherwise).
 */
export const meanKind: MetricKindModule = {
  kind: 'mean',
  buildSql: (definition) => {
    const aggregation = definition.unitAggregation ?? 'sum';
    const y = `toFloat64(${AGGREGATE[aggregation]}(y_rec, y_hit))`;
    return {
      ctes: [],
      select: buildPerUnitSelect({
        columns: `${capUnitValue(definition, y)} AS y`,
        having: aggregation === 'sum' ? '1' : 'countIf(y_hit) > 0',
        arm: MEAN_ARM_SQL,
      }),
    };
  },
  buildParams: buildCappingParams,
  readStats: (row) => readMeanStats(row),
  emptyStats: () => EMPTY_MEAN_STATS,
  summarizeUnits: (units, definition) => {
    const aggregation = definition.unitAggregation ?? 'sum';
    const value = (u: UnitTotals) =>
      aggregation === 'sum'
        ? u.ySum
        : aggregation === 'max'
          ? u.yMax
          : aggregation === 'min'
            ? u.yMin
            : u.ySum / u.yHits;
    const counted = aggregation === 'sum' ? units : units.filter((u) => u.yHits > 0);
    return summarizeValues(counted.map((u) => capNumber(definition, value(u))));
  },
};
