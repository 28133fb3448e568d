import {
  buildMeanOfUnitsSql,
  EMPTY_MEAN_STATS,
  readMeanStats,
  type MetricKindModule,
  summarizeValues,
} from '../metric-kind.js';

const buildProportionSql = (covariate: boolean) =>
  buildMeanOfUnitsSql({
    value: (hit) => `toFloat64(countIf(${hit} AND y_rec > 0) > 0)`,
    having: '1',
    covariate,
  });

/** Per unit 1 when any matching record occurred (with a value > 0), else 0; every exposed unit. */
export const proportionKind: MetricKindModule = {
  kind: 'proportion',
  buildSql: () => buildProportionSql(false),
  buildCovariateSql: () => buildProportionSql(true),
  buildParams: () => ({}),
  readStats: (row) => readMeanStats(row),
  emptyStats: () => EMPTY_MEAN_STATS,
  summarizeUnits: (units) => summarizeValues(units.map((u) => (u.yPositive > 0 ? 1 : 0))),
  buildTotalsSql: () => ({
    y: 'toFloat64(y_positive > 0)',
    x: '0',
    counted: '1',
    everyUnit: true,
  }),
};
