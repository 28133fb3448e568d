import {
  buildMeanOfUnitsSql,
  EMPTY_MEAN_STATS,
  readMeanStats,
  type MetricKindModule,
  summarizeUnitCovariates,
  summarizeUnitValues,
  type UnitValue,
} from '../metric-kind.js';

/** 1 when the unit has a matching record with a value > 0, else 0. */
const UNIT_VALUE: UnitValue = { value: (u) => (u.yPositive > 0 ? 1 : 0), counted: () => true };

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
  summarizeUnits: (units) => summarizeUnitValues(units, UNIT_VALUE),
  summarizeCovariates: (units) => summarizeUnitCovariates(units, UNIT_VALUE),
  buildTotalsSql: () => ({
    y: 'toFloat64(y_positive > 0)',
    x: '0',
    counted: '1',
    everyUnit: true,
  }),
};
