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
  type UnitTotals,
  type UnitValue,
} from '../metric-kind.js';

const AGGREGATE = { sum: 'sumIf', max: 'maxIf', min: 'minIf', mean: 'avgIf' } as const;
/** The same aggregates among a unit's totals (`UNIT_TOTALS_SQL`). */
const TOTAL = { sum: 'y_sum', max: 'y_max', min: 'y_min', mean: 'y_avg' } as const;

function buildMeanSql(definition: MetricDefinition, covariate: boolean) {
  const aggregation = definition.unitAggregation ?? 'sum';
  return buildMeanOfUnitsSql({
    value: (hit) => capUnitValue(definition, `toFloat64(${AGGREGATE[aggregation]}(y_rec, ${hit}))`),
    having: aggregation === 'sum' ? '1' : 'countIf(y_hit) > 0',
    covariate,
  });
}

/** The unit's aggregate of its records' values from its totals, capped (what the SQL computes). */
function unitValueOf(definition: MetricDefinition): UnitValue {
  const aggregation = definition.unitAggregation ?? 'sum';
  const value = (u: UnitTotals) =>
    aggregation === 'sum'
      ? u.ySum
      : aggregation === 'max'
        ? u.yMax
        : aggregation === 'min'
          ? u.yMin
          : u.ySum / u.yHits;
  return {
    value: (u) => capNumber(definition, value(u)),
    counted: (u) => aggregation === 'sum' || u.yHits > 0,
  };
}

/**
 * Per unit the aggregate of its records' values (`unitAggregation`, default sum), averaged over
 * units. A sum counts every exposed unit (0 without records: revenue per exposed user); max,
 * min and mean only units with at least one record (no value otherwise).
 */
export const meanKind: MetricKindModule = {
  kind: 'mean',
  buildSql: (definition) => buildMeanSql(definition, false),
  buildCovariateSql: (definition) => buildMeanSql(definition, true),
  buildParams: buildCappingParams,
  readStats: (row) => readMeanStats(row),
  emptyStats: () => EMPTY_MEAN_STATS,
  summarizeUnits: (units, definition) => summarizeUnitValues(units, unitValueOf(definition)),
  summarizeCovariates: (units, definition) =>
    summarizeUnitCovariates(units, unitValueOf(definition)),
  buildTotalsSql: (definition) => {
    const aggregation = definition.unitAggregation ?? 'sum';
    return {
      y: capUnitValue(definition, `toFloat64(${TOTAL[aggregation]})`),
      x: '0',
      counted: aggregation === 'sum' ? '1' : 'y_hits > 0',
      everyUnit: aggregation === 'sum',
    };
  },
};
