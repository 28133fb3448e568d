import {
  buildPerUnitSelect,
  EMPTY_MEAN_STATS,
  MEAN_ARM_SQL,
  readMeanStats,
  type MetricKindModule,
  summarizeValues,
} from '../metric-kind.js';

/** Per unit 1 when any matching record occurred (with a value > 0), else 0; every exposed unit. */
export const proportionKind: MetricKindModule = {
  kind: 'proportion',
  buildSql: () => ({
    ctes: [],
    select: buildPerUnitSelect({
      columns: 'toFloat64(countIf(y_hit AND y_rec > 0) > 0) AS y',
      having: '1',
      arm: MEAN_ARM_SQL,
    }),
  }),
  buildParams: () => ({}),
  readStats: (row) => readMeanStats(row),
  emptyStats: () => EMPTY_MEAN_STATS,
  summarizeUnits: (units) => summarizeValues(units.map((u) => (u.yPositive > 0 ? 1 : 0))),
};
