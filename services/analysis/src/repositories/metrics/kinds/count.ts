import type { MetricDefinition } from '@tripwire/schema';
import {
  buildCappingParams,
  buildMeanOfUnitsSql,
  capUnitValue,
  EMPTY_MEAN_STATS,
  readMeanStats,
  type MetricKindModule,
  capNumber,
  summarizeUnitCovariates,
  summarizeUnitValues,
  type UnitValue,
} from '../metric-kind.js';

/** The unit's number of matching records, capped. */
const unitValueOf = (definition: MetricDefinition): UnitValue => ({
  value: (u) => capNumber(definition, u.yHits),
  counted: () => true,
});

const buildCountSql = (definition: MetricDefinition, covariate: boolean) =>
  buildMeanOfUnitsSql({
    value: (hit) => capUnitValue(definition, `toFloat64(countIf(${hit}))`),
    having: '1',
    covariate,
  });

/** Per unit the number of matching records (0 for an exposed unit with none), averaged over units. */
export const countKind: MetricKindModule = {
  kind: 'count',
  buildSql: (definition) => buildCountSql(definition, false),
  buildCovariateSql: (definition) => buildCountSql(definition, true),
  buildParams: buildCappingParams,
  readStats: (row) => readMeanStats(row),
  emptyStats: () => EMPTY_MEAN_STATS,
  summarizeUnits: (units, definition) => summarizeUnitValues(units, unitValueOf(definition)),
  summarizeCovariates: (units, definition) =>
    summarizeUnitCovariates(units, unitValueOf(definition)),
  buildTotalsSql: (definition) => ({
    y: capUnitValue(definition, 'toFloat64(y_hits)'),
    x: '0',
    counted: '1',
    everyUnit: true,
  }),
};
