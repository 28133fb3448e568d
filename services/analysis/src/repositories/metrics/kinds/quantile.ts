import type { MetricDefinition } from '@tripwire/schema';
import { quantileSketchLevels, type MetricStats } from '@tripwire/stats';
import { readNumber, type MetricKindModule } from '../metric-kind.js';

/** Linear interpolation between order statistics (as `quantileExactInclusive`) at level `l`. */
export const AT = (l: string) => {
  const h = `(${l} * (length(sorted) - 1))`;
  const lo = `(toUInt64(floor(${h})) + 1)`;
  return `sorted[${lo}] + (${h} - floor(${h})) * (sorted[least(${lo} + 1, length(sorted))] - sorted[${lo}])`;
};

const levelsOf = (definition: MetricDefinition) => quantileSketchLevels(probabilityOf(definition));

function probabilityOf(definition: MetricDefinition): number {
  if (definition.quantile === undefined) throw new Error(`metric ${definition.id} has no level`);
  return definition.quantile;
}

/**
 * A quantile of the per-record value with records clustered in units (Deng, Knoblich & Lu 2018,
 * as `QuantileStats`): per arm the exact quantile function at `quantileSketchLevels(p)`, then
 * per unit b_i = its records ≤ the arm's estimate and n_i = its records.
 */
export const quantileKind: MetricKindModule = {
  kind: 'quantile',
  buildSql: () => ({
    // MATERIALIZED: each is read twice below and computed once (the sort of every value too).
    ctes: [
      `unit_records AS MATERIALIZED (
    SELECT v.arm AS variant, r.unit_id AS unit_id, r.y_rec AS value
    FROM records AS r INNER JOIN valid_units AS v ON v.unit_id = r.unit_id
    WHERE r.y_hit
  )`,
      `arm_quantiles AS MATERIALIZED (
    SELECT variant, arm_values, arm_values[{estimateIndex:UInt32}] AS estimate
    FROM (
      SELECT variant, arrayMap(l -> ${AT('l')}, {levels:Array(Float64)}) AS arm_values
      FROM (SELECT variant, arraySort(groupArray(value)) AS sorted FROM unit_records GROUP BY variant)
    )
  )`,
    ],
    // Per unit only the arm's estimate joins (not its quantile function); that joins per arm.
    select: `SELECT s.variant AS variant, a.arm_values AS arm_values, s.units AS units,
  s.sum_b AS sum_b, s.sum_n AS sum_n, s.sum_b_sq AS sum_b_sq, s.sum_n_sq AS sum_n_sq, s.sum_bn AS sum_bn
FROM (
  SELECT variant, count() AS units,
    sum(b) AS sum_b, sum(n) AS sum_n, sum(b * b) AS sum_b_sq, sum(n * n) AS sum_n_sq, sum(b * n) AS sum_bn
  FROM (
    SELECT u.variant AS variant, u.unit_id AS unit_id,
      toFloat64(countIf(u.value <= e.estimate)) AS b, toFloat64(count()) AS n
    FROM unit_records AS u
    INNER JOIN (SELECT variant, estimate FROM arm_quantiles) AS e ON e.variant = u.variant
    GROUP BY variant, unit_id
  )
  GROUP BY variant
) AS s INNER JOIN arm_quantiles AS a ON a.variant = s.variant
ORDER BY variant`,
  }),
  buildParams: (definition) => {
    const levels = levelsOf(definition);
    return { levels, estimateIndex: levels.indexOf(probabilityOf(definition)) + 1 };
  },
  readStats: (row, definition): MetricStats => ({
    kind: 'quantile',
    probability: probabilityOf(definition),
    units: readNumber(row, 'units'),
    levels: levelsOf(definition),
    values: (row.arm_values as number[]).map(Number),
    sumBelow: readNumber(row, 'sum_b'),
    sumRequests: readNumber(row, 'sum_n'),
    sumBelowSquares: readNumber(row, 'sum_b_sq'),
    sumRequestsSquares: readNumber(row, 'sum_n_sq'),
    sumBelowRequests: readNumber(row, 'sum_bn'),
  }),
  emptyStats: (definition) => {
    const levels = levelsOf(definition);
    return {
      kind: 'quantile',
      probability: probabilityOf(definition),
      units: 0,
      levels,
      values: levels.map(() => 0),
      sumBelow: 0,
      sumRequests: 0,
      sumBelowSquares: 0,
      sumRequestsSquares: 0,
      sumBelowRequests: 0,
    };
  },
};
