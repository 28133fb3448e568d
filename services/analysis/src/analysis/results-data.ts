/**
 * What the results computation takes from ClickHouse (sufficient statistics only), whichever
 * query family fetched it (`StatsQueries`, `src/repositories/stats-queries.ts`).
 */
import {
  BUILTIN_METRICS,
  BuiltinMetricIds,
  type BuiltinMetricId,
  type MetricDefinition,
} from '@tripwire/schema';
import type { MetricStats, QuantileStats } from '@tripwire/stats';
import type { MetricCovariate } from '../repositories/metrics/metric-kind.js';
import type {
  BreakdownCell,
  ConversionArm,
  RequestMoments,
  SeriesConversions,
  SeriesMoments,
  SeriesRow,
  TimeRange,
} from '../repositories/stats-rows.js';
import type { SeriesQuantiles } from '../repositories/series-quantile-stats.js';
import type { MetricSeriesPoint } from '../repositories/metrics/fetch-metric-series.js';

/** A built-in metric of kind quantile (one of `QUANTILE_METRICS`). */
export type QuantileMetric = BuiltinMetricId;
/** The built-in quantile metrics and their levels, in registry order (read from `BUILTIN_METRICS`). */
export const QUANTILE_METRICS: readonly (readonly [QuantileMetric, number])[] =
  BuiltinMetricIds.flatMap((id) => {
    const { kind, quantile } = BUILTIN_METRICS[id];
    return kind === 'quantile' && quantile !== undefined ? [[id, quantile] as const] : [];
  });

/** Everything the results computation needs, as fetched from ClickHouse (sufficient statistics only). */
export interface ResultsData {
  units: { variant: string; units: number; firstExposureMs: number }[];
  excludedMultiVariant: number;
  requests: Map<string, RequestMoments>;
  quantiles: Partial<Record<QuantileMetric, Map<string, QuantileStats>>>;
  conversions: { event: string; byVariant: Map<string, ConversionArm> }[];
  breakdown: BreakdownCell[];
  series: {
    bucketSeconds: number;
    rows: SeriesRow[];
    /** Each arm's request moments up to the end of each bucket with requests (`fetchSeriesMoments`). */
    moments: SeriesMoments[];
    /** Each arm's quantile statistics at up to 12 checkpoints (`seriesQuantiles`). */
    quantiles: SeriesQuantiles[];
    /** Units per event and arm whose first counted conversion falls in each minute (`seriesConversions`). */
    conversions: SeriesConversions[];
  };
  /**
   * The catalog metrics the flag names (`fetchCatalogMetrics`), fetched in the same pass as the
   * rest (`fetchScopeData`), so a snapshot holds them too.
   */
  catalog?: CatalogMetricData[];
  /** Ids the flag named, when `catalog` was fetched, that neither the built-ins nor the catalog define. */
  unknownMetrics?: string[];
}

/** A catalog metric the experiment names: its current version and per-variant statistics. */
export interface CatalogMetricData {
  definition: MetricDefinition;
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
  arms: ReadonlyMap<string, MetricStats>;
  /** Definitions with `cuped`: each arm's CUPED input, or why there is none. */
  cuped?:
    | { covariates: ReadonlyMap<string, MetricCovariate>; lookbackDays: number }
    | { notApplicable: string };
  /**
   * Each arm's statistics at the series' checkpoints (`fetchMetricSeries`): every bucket, or
   * `atCheckpoints` (quantiles) up to 12 of them.
   */
  series?: { points: MetricSeriesPoint[]; atCheckpoints: boolean };
}

const BUCKET_CHOICES = [60, 300, 900, 3600, 10_800, 21_600, 86_400, 604_800];
const MAX_POINTS = 100;

/** The smallest bucket that keeps the series at or under 100 points. */
export function chooseBucketSeconds(firstSeconds: number, lastSeconds: number): number {
  const span = Math.max(0, lastSeconds - firstSeconds);
  return BUCKET_CHOICES.find((b) => span / b < MAX_POINTS) ?? BUCKET_CHOICES.at(-1) ?? 604_800;
}

/**
 * The series' bucket size over its request minutes (`range`) and the minutes of its counted
 * conversions, which can come after the last request (the last point must hold them all).
 */
export function chooseSeriesBucketSeconds(
  range: TimeRange,
  conversions: readonly SeriesConversions[],
): number {
  const minutes = conversions.map((row) => row.minute);
  if (range.rows > 0) minutes.push(range.firstMinute, range.lastMinute);
  if (minutes.length === 0) return 60;
  return chooseBucketSeconds(Math.min(...minutes), Math.max(...minutes));
}
