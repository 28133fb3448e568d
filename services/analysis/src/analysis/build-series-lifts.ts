/**
 * Per-point lifts of the time series: at the end of each bucket, each treatment against control
 * with the same estimator and always-valid interval the results use for all time, from the
 * statistics up to that point (request moments; latency quantiles at up to 12 checkpoints;
 * conversions of every event the results list; each catalog metric by its own kind, a quantile
 * one at up to 12 checkpoints).
 * The last point therefore equals the scorecard's comparison (CUPED left out), except that a
 * relative interval's lower end is cut at −100 % for a metric whose values cannot be negative
 * (every built-in one, and a catalog metric `isNonNegativeMetric` says so of): there
 * treatment/control − 1 ≥ −1, and intersecting a confidence set with the values the parameter can
 * take keeps its coverage (early points, with few units, would otherwise reach −400 %). A metric
 * that can be negative (a refund, a profit) keeps its interval as computed.
 */
import { BUILTIN_METRICS } from '@tripwire/schema';
import type { MetricStats } from '@tripwire/stats';
import type { SeriesRow } from '../repositories/stats-rows.js';
import { compareArms, summarizeArm, type InferenceSettings } from './compare-arms.js';
import { isNonNegativeMetric } from './is-non-negative-metric.js';
import { QUANTILE_METRICS, type CatalogMetricData, type ResultsData } from './results-data.js';
import type { PointLift } from './results-schema.js';

/** One arm's statistics of one metric (by results key) over everything up to one bucket's end. */
interface SeriesArmStats {
  bucket: number;
  variant: string;
  key: string;
  stats: MetricStats;
  /** 0/1 per unit (conversions): summarized as a proportion, as on the scorecard. */
  isProportion?: boolean;
  /** The metric cannot be negative: its relative interval is cut at `RELATIVE_FLOOR`. */
  isNonNegative: boolean;
}

/** The smallest relative change of a non-negative metric: −100 %. */
const RELATIVE_FLOOR = -1;

/** The bucket (start, unix seconds) holding `seconds`, as `toStartOfInterval` in the series SQL. */
export function toBucket(seconds: number, bucketSeconds: number): number {
  return Math.floor(seconds / bucketSeconds) * bucketSeconds;
}

/**
 * Every per-point statistic the series holds: request moments, quantiles, each event's
 * conversions (all non-negative), each catalog metric's points.
 */
function listSeriesStats(
  series: ResultsData['series'],
  catalog: readonly CatalogMetricData[],
): SeriesArmStats[] {
  const requests = [
    ...series.moments.flatMap(({ bucket, variant, moments }) => [
      { bucket, variant, key: BUILTIN_METRICS.error_rate.id, stats: moments.errorRate },
      { bucket, variant, key: BUILTIN_METRICS.latency_mean.id, stats: moments.latencyMean },
    ]),
    ...series.quantiles.flatMap(({ bucket, variant, probability, stats }) => {
      const metric = QUANTILE_METRICS.find(([, p]) => p === probability);
      return metric === undefined ? [] : [{ bucket, variant, key: metric[0], stats }];
    }),
  ];
  return [
    ...requests.map((row) => ({ ...row, isNonNegative: true })),
    ...accumulateConversions(series),
    ...catalog.flatMap(({ definition, series: metricSeries }) =>
      metricSeries === undefined
        ? []
        : metricSeries.points.map((point) => ({
            ...point,
            key: definition.id,
            isNonNegative: isNonNegativeMetric(definition),
          })),
    ),
  ];
}

/**
 * Keys served at checkpoints only (the latency quantiles, catalog quantiles): a point between
 * two has no value for them.
 */
export function listCheckpointKeys(catalog: readonly CatalogMetricData[] = []): Set<string> {
  return new Set([
    ...QUANTILE_METRICS.map(([metric]) => metric),
    ...catalog.flatMap(({ definition, series }) =>
      series?.atCheckpoints === true ? [definition.id] : [],
    ),
  ]);
}

/**
 * Each event's conversion statistics per arm at every bucket where some arm's units or
 * conversions change (from the arm's first unit on): units first exposed so far (the exposure
 * rows) and units converted so far (0/1 each), i.e. the scorecard's conversion with `until` =
 * that bucket's end (CUPED left out).
 */
function accumulateConversions(series: ResultsData['series']): SeriesArmStats[] {
  const exposures = series.rows.filter(
    (row): row is SeriesRow & { units: number } => row.units !== undefined,
  );
  const variants = [...new Set(exposures.map((row) => row.variant))];
  const out: SeriesArmStats[] = [];
  for (const event of new Set(series.conversions.map((row) => row.event))) {
    const key = `${BUILTIN_METRICS.conversion.id}:${event}`;
    const cells = [
      ...exposures.map((row) => ({ ...row, converted: 0 })),
      ...series.conversions
        .filter((row) => row.event === event)
        .map((row) => ({ ...row, bucket: toBucket(row.minute, series.bucketSeconds), units: 0 })),
    ];
    const buckets = [...new Set(cells.map((cell) => cell.bucket))].sort((a, b) => a - b);
    for (const variant of variants) {
      const added = new Map<number, { units: number; converted: number }>();
      for (const cell of cells.filter((c) => c.variant === variant)) {
        const sum = added.get(cell.bucket) ?? { units: 0, converted: 0 };
        added.set(cell.bucket, {
          units: sum.units + cell.units,
          converted: sum.converted + cell.converted,
        });
      }
      let [units, converted] = [0, 0];
      for (const bucket of buckets) {
        units += added.get(bucket)?.units ?? 0;
        converted += added.get(bucket)?.converted ?? 0;
        if (units === 0) continue;
        const stats = { kind: 'mean', units, sum: converted, sumSquares: converted } as const;
        out.push({ bucket, variant, key, stats, isProportion: true, isNonNegative: true });
      }
    }
  }
  return out;
}

/** Lifts by variant, then bucket, then metric key (treatments, where both arms have statistics). */
export function buildSeriesLifts(input: {
  series: ResultsData['series'];
  catalog?: readonly CatalogMetricData[] | undefined;
  control: string;
  settings: InferenceSettings;
}): Map<string, Map<number, Record<string, PointLift>>> {
  const { control, settings } = input;
  const all = listSeriesStats(input.series, input.catalog ?? []);
  const at = new Map(all.map((row) => [`${row.key}\x1F${row.variant}\x1F${row.bucket}`, row]));
  const lifts = new Map<string, Map<number, Record<string, PointLift>>>();
  for (const row of all) {
    const base = at.get(`${row.key}\x1F${control}\x1F${row.bucket}`)?.stats;
    if (row.variant === control || base === undefined) continue;
    const summarize = (stats: MetricStats, where: string) =>
      summarizeArm(stats, { ...settings, where, isProportion: row.isProportion === true });
    const { comparison } = compareArms(
      summarize(base, control),
      summarize(row.stats, row.variant),
      {
        ...settings,
        names: { control, treatment: row.variant },
      },
    );
    if (comparison === undefined) continue;
    const relative = comparison.relative !== undefined;
    const lift = comparison.relative ?? comparison.absolute;
    const [lower = null, upper = null] = lift.alwaysValidInterval;
    const isFloored = relative && row.isNonNegative && lower !== null;
    const byBucket = lifts.get(row.variant) ?? new Map<number, Record<string, PointLift>>();
    byBucket.set(row.bucket, {
      ...byBucket.get(row.bucket),
      [row.key]: {
        scale: relative ? 'relative' : 'absolute',
        estimate: lift.estimate,
        interval: [isFloored ? Math.max(lower, RELATIVE_FLOOR) : lower, upper],
        units: base.units + row.stats.units,
      },
    });
    lifts.set(row.variant, byBucket);
  }
  return lifts;
}
