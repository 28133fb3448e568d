import type { SeriesRow } from '../repositories/stats-rows.js';
import { buildSeriesLifts, listCheckpointKeys, toBucket } from './build-series-lifts.js';
import type { InferenceSettings } from './compare-arms.js';
import type { CatalogMetricData, ResultsData } from './results-data.js';
import type { PointLift, Timeseries } from './results-schema.js';

/** The series' buckets (starts, unix seconds, ascending): requests, exposures, conversions. */
export function listSeriesBuckets(series: ResultsData['series']): number[] {
  return [
    ...new Set([
      ...series.rows.map((row) => row.bucket),
      ...series.conversions.map((row) => toBucket(row.minute, series.bucketSeconds)),
    ]),
  ].sort((a, b) => a - b);
}

/**
 * Cumulative per-variant series (units by first exposure; requests, errors, latency; per-point
 * lifts, the catalog metrics' among them).
 */
export function buildTimeseries(
  series: ResultsData['series'],
  options: {
    control: string;
    settings: InferenceSettings;
    catalog?: readonly CatalogMetricData[] | undefined;
  },
): Timeseries {
  const lifts = buildSeriesLifts({ series, ...options });
  const checkpointKeys = listCheckpointKeys(options.catalog);
  const buckets = listSeriesBuckets(series);
  const byVariant = new Map<string, SeriesRow[]>();
  for (const row of series.rows) {
    byVariant.set(row.variant, [...(byVariant.get(row.variant) ?? []), row]);
  }
  const variants: Timeseries['variants'] = {};
  for (const [variant, rows] of byVariant) {
    const total = { units: 0, requests: 0, errors: 0, latency: 0 };
    // Per metric key: a bucket without new statistics for it keeps its last lift, except keys
    // served at checkpoints only (a bucket between two has new data they do not cover).
    let carried: Record<string, PointLift> = {};
    variants[variant] = buckets.map((bucket) => {
      const added = lifts.get(variant)?.get(bucket) ?? {};
      const pointLifts = { ...carried, ...added };
      carried = Object.fromEntries(
        Object.entries(pointLifts).filter(([key]) => !checkpointKeys.has(key)),
      );
      for (const row of rows.filter((r) => r.bucket === bucket)) {
        total.units += row.units ?? 0;
        total.requests += Number(row.requests ?? 0);
        total.errors += Number(row.errors ?? 0);
        total.latency += Number(row.latency ?? 0);
      }
      return {
        time: new Date((bucket + series.bucketSeconds) * 1000).toISOString(),
        units: total.units,
        requests: total.requests,
        errorRate: total.requests > 0 ? total.errors / total.requests : null,
        latencyMeanMs: total.requests > 0 ? total.latency / total.requests : null,
        ...(Object.keys(pointLifts).length === 0 ? {} : { lifts: pointLifts }),
      };
    });
  }
  return { bucketSeconds: series.bucketSeconds, variants };
}
