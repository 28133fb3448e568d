import type { MetricDefinition } from '@tripwire/schema';
import { quantileSketchLevels, type MetricStats } from '@tripwire/stats';
import { readNumber, type MetricKindModule } from '../metric-kind.js';

/**
 * Signed log buckets of 32 per octave (the built-in latency histogram's width): value v > 0 is in
 * bucket floor(32·log2 v) + OFFSET, v < 0 in the negated bucket of −v, 0 (and only 0) in bucket 0,
 * so the bucket index never decreases as v grows. The exponent is clamped to [−34,400, 32,768]
 * (subnormals to ±∞; NaN counts as +∞, as a sort puts it last).
 */
export const BUCKETS_PER_OCTAVE = 32;
const OFFSET = 34_401;
const TOP = 32_768;

const EXPONENT = (abs: string) =>
  `toInt32(least(greatest(floor(${BUCKETS_PER_OCTAVE} * log2(${abs})), -34400), ${TOP}))`;

/** The bucket index of value `v` (SQL). */
export const BUCKET_OF = (v: string) =>
  `multiIf(isNaN(${v}), ${TOP + OFFSET}, ${v} > 0, ${EXPONENT(v)} + ${OFFSET}, ${v} < 0, -(${EXPONENT(`-${v}`)} + ${OFFSET}), 0)`;

/**
 * The value every record of bucket k stands for: the bucket's geometric middle, so it is within
 * a factor 2^(1/64) (1.09 %) of each value in the bucket, with the same sign (SQL).
 */
export const VALUE_OF = (k: string) =>
  `multiIf(${k} > 0, pow(2, (${k} - ${OFFSET} + 0.5) / ${BUCKETS_PER_OCTAVE}), ${k} < 0, -pow(2, (-${k} - ${OFFSET} + 0.5) / ${BUCKETS_PER_OCTAVE}), 0)`;

/** The largest relative error of a bucket's value against a record in it: 2^(1/64) − 1. */
export const QUANTILE_RELATIVE_ERROR = 2 ** (1 / (2 * BUCKETS_PER_OCTAVE)) - 1;

/**
 * Linear interpolation between order statistics (as `quantileExactInclusive`) at level `l`, over
 * the arm's histogram (`bucket_keys` ascending, `cum` their cumulative counts, `total` the records):
 * the (i+1)-th smallest record stands for its bucket's value (`VALUE_OF`).
 */
const AT = (l: string) => {
  const h = `(${l} * (total - 1))`;
  const nth = (i: string) => VALUE_OF(`bucket_keys[arrayFirstIndex(x -> x > ${i}, cum)]`);
  const lo = nth(`floor(${h})`);
  const hi = nth(`least(floor(${h}) + 1, total - 1)`);
  return `${lo} + (${h} - floor(${h})) * (${hi} - ${lo})`;
};

const levelsOf = (definition: MetricDefinition) => quantileSketchLevels(probabilityOf(definition));

function probabilityOf(definition: MetricDefinition): number {
  if (definition.quantile === undefined) throw new Error(`metric ${definition.id} has no level`);
  return definition.quantile;
}

/**
 * The quantile kind's CTEs and SELECT, per arm or (with `perPoint`: `point`, an expression over
 * `r` and `v` that may `arrayJoin` a record onto several checkpoints, and `where`, a condition on
 * it) per arm and point. Each record of a
 * valid unit gets its `BUCKET_OF` bucket (no sort of the values): the arm's histogram gives its
 * quantile function at `{levels}` (`AT`) and locates the rank p·N: bucket `threshold`, of which
 * the share `share` lies below it (as `locateQuantile` of the built-in latency quantiles). Per
 * unit b_i = its records in lower buckets + share × its records in that bucket (so Σb = p·N),
 * n_i = its records. The records are read twice (the arm's histogram, then per unit), which
 * costs less than keeping them (a MATERIALIZED CTE of every record was 4× slower).
 */
export function buildQuantileSql(perPoint?: { point: string; where: string }): {
  ctes: string[];
  select: string;
} {
  const point = perPoint?.point;
  const by = point === undefined ? ['variant'] : ['variant', 'point'];
  const keys = by.join(', ');
  const of = (alias: string) => by.map((key) => `${alias}.${key} AS ${key}`).join(', ');
  const on = (a: string, b: string) => by.map((key) => `${a}.${key} = ${b}.${key}`).join(' AND ');
  const ctes = [
    `unit_records AS (
    SELECT v.arm AS variant,${point === undefined ? '' : ` ${point} AS point,`} r.unit_id AS unit_id,
      ${BUCKET_OF('r.y_rec')} AS bucket
    FROM records AS r INNER JOIN valid_units AS v ON v.unit_id = r.unit_id
    WHERE r.y_hit${perPoint === undefined ? '' : ` AND ${perPoint.where}`}
  )`,
    // MATERIALIZED: read twice below (per unit, then the arm's quantile function), computed once.
    `arm_quantiles AS MATERIALIZED (
    SELECT ${keys}, arrayMap(l -> ${AT('l')}, {levels:Array(Float64)}) AS arm_values,
      bucket_keys[at] AS threshold, (rank - (cum[at] - counts[at])) / counts[at] AS share
    FROM (
      SELECT ${keys}, arrayMap(t -> t.1, h) AS bucket_keys, arrayMap(t -> t.2, h) AS counts,
        arrayCumSum(counts) AS cum, toFloat64(cum[-1]) AS total,
        {probability:Float64} * total AS rank, arrayFirstIndex(x -> x >= rank, cum) AS at
      FROM (
        SELECT ${keys}, arraySort(groupArray((bucket, c))) AS h
        FROM (SELECT ${keys}, bucket, count() AS c FROM unit_records GROUP BY ${keys}, bucket)
        GROUP BY ${keys}
      )
    )
  )`,
  ];
  const select = `SELECT ${of('s')}, a.arm_values AS arm_values, s.units AS units,
  s.sum_b AS sum_b, s.sum_n AS sum_n, s.sum_b_sq AS sum_b_sq, s.sum_n_sq AS sum_n_sq, s.sum_bn AS sum_bn
FROM (
  SELECT ${keys}, count() AS units,
    sum(b) AS sum_b, sum(n) AS sum_n, sum(b * b) AS sum_b_sq, sum(n * n) AS sum_n_sq, sum(b * n) AS sum_bn
  FROM (
    SELECT ${of('u')}, u.unit_id AS unit_id,
      sum(multiIf(u.bucket < e.threshold, 1.0, u.bucket = e.threshold, e.share, 0.0)) AS b,
      toFloat64(count()) AS n
    FROM unit_records AS u
    INNER JOIN (SELECT ${keys}, threshold, share FROM arm_quantiles) AS e ON ${on('e', 'u')}
    GROUP BY ${keys}, unit_id
  )
  GROUP BY ${keys}
) AS s INNER JOIN arm_quantiles AS a ON ${on('a', 's')}
ORDER BY ${keys}`;
  return { ctes, select };
}

/** The typed parameters of `buildQuantileSql`. */
export function buildQuantileParams(definition: MetricDefinition) {
  return { levels: levelsOf(definition), probability: probabilityOf(definition) };
}

/**
 * A quantile of the per-record value with records clustered in units (Deng, Knoblich & Lu 2018,
 * as `QuantileStats`), over log buckets (`buildQuantileSql`): the clustered statistics of each
 * record's value rounded to its bucket's (`QUANTILE_RELATIVE_ERROR`).
 */
export const quantileKind: MetricKindModule = {
  kind: 'quantile',
  buildSql: () => buildQuantileSql(),
  buildParams: buildQuantileParams,
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
