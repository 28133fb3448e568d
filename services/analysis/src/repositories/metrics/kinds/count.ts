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
} from '../metric-kind.js';

/** Per unit the number of matching records (0 for an exposed unit with none), averaged over units. */
export const countKind: MetricKindModule = {
  kind: 'count',
  buildSql: (definition) => ({
    ctes: [],
    select: buildPerUnitSelect({
      columns: `${capUnitValue(definition, 'toFloat64(countIf(y_hit))')} AS y`,
      having: '1',
      arm: MEAN_ARM_SQL,
    }),
  }),
  buildParams: buildCappingParams,
  readStats: (row) => readMeanStats(row),
  emptyStats: () => EMPTY_MEAN_STATS,
  summarizeUnits: (units, definition) =>
    summarizeValues(units.map((u) => capNumber(definition, u.yHits))),
};
