/**
 * Per-point lifts of the time series: at the end of each bucket, each treatment against control
 * with the same estimator and always-valid interval the results use for all time, from the
 * request moments up to that point. The last point therefore equals the scorecard's comparison,
 * except that a relative interval's lower end is cut at −100 %: both series metrics are ratios
 * of non-negative sums, so treatment/control − 1 ≥ −1, and intersecting a confidence set with
 * the values the parameter can take keeps its coverage (early points, with few units, would
 * otherwise reach −400 %).
 */
import { BUILTIN_METRICS } from '@tripwire/schema';
import { compareArms, summarizeArm, type InferenceSettings } from './compare-arms.js';
import type { RequestMoments } from '../repositories/stats-rows.js';
import type { SeriesMoments } from '../repositories/stats-rows.js';
import type { PointLift } from './results-schema.js';

/** The request metrics the series carries moments for, by their results key (the id: no event); both ≥ 0. */
const SERIES_METRICS = [
  { key: BUILTIN_METRICS.error_rate.id, pick: (m: RequestMoments) => m.errorRate },
  { key: BUILTIN_METRICS.latency_mean.id, pick: (m: RequestMoments) => m.latencyMean },
];

/** The smallest relative change of a non-negative metric: −100 %. */
const RELATIVE_FLOOR = -1;

/** Lifts by variant, then bucket, then metric key (treatments with moments only). */
export function buildSeriesLifts(input: {
  moments: SeriesMoments[];
  control: string;
  settings: InferenceSettings;
}): Map<string, Map<number, Record<string, PointLift>>> {
  const { moments, control, settings } = input;
  const at = new Map(moments.map((row) => [`${row.variant}/${row.bucket}`, row.moments]));
  const lifts = new Map<string, Map<number, Record<string, PointLift>>>();
  for (const row of moments) {
    const base = at.get(`${control}/${row.bucket}`);
    if (row.variant === control || base === undefined) continue;
    const point: Record<string, PointLift> = {};
    for (const { key, pick } of SERIES_METRICS) {
      const { comparison } = compareArms(
        summarizeArm(pick(base), { ...settings, where: control }),
        summarizeArm(pick(row.moments), { ...settings, where: row.variant }),
        { ...settings, names: { control, treatment: row.variant } },
      );
      if (comparison === undefined) continue;
      const relative = comparison.relative !== undefined;
      const lift = comparison.relative ?? comparison.absolute;
      const [lower = null, upper = null] = lift.alwaysValidInterval;
      point[key] = {
        scale: relative ? 'relative' : 'absolute',
        estimate: lift.estimate,
        interval: [relative && lower !== null ? Math.max(lower, RELATIVE_FLOOR) : lower, upper],
        units: pick(base).units + pick(row.moments).units,
      };
    }
    const byBucket = lifts.get(row.variant) ?? new Map<number, Record<string, PointLift>>();
    byBucket.set(row.bucket, point);
    lifts.set(row.variant, byBucket);
  }
  return lifts;
}
