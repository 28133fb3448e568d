/**
 * What the results computation takes from ClickHouse (sufficient statistics only), whichever
 * source fetched it (`fetch-results-data.ts` raw per-unit tables, `fetch-rollup-results.ts`
 * the rollups).
 */
import type { QuantileStats } from '@tripwire/stats';
import type { ConversionArm } from './fetch-conversion-stats.js';
import type { RequestMoments } from './fetch-request-stats.js';

export type QuantileMetric = 'latency_p50' | 'latency_p95' | 'latency_p99';
export const QUANTILE_METRICS: Record<QuantileMetric, number> = {
  latency_p50: 0.5,
  latency_p95: 0.95,
  latency_p99: 0.99,
};

/** Most conversion events the results list (most frequent first), on either path. */
export const MAX_CONVERSION_EVENTS = 20;

export interface BreakdownCell {
  dimension: string;
  segment: string;
  variant: string;
  moments: RequestMoments;
}

export interface SeriesRow {
  variant: string;
  /** Bucket start, unix seconds. */
  bucket: number;
  units?: number;
  requests?: number;
  errors?: number;
  latency?: number;
}

/** Everything the results computation needs, as fetched from ClickHouse (sufficient statistics only). */
export interface ResultsData {
  units: { variant: string; units: number; firstExposureMs: number }[];
  excludedMultiVariant: number;
  requests: Map<string, RequestMoments>;
  quantiles: Record<QuantileMetric, Map<string, QuantileStats>>;
  conversions: { event: string; byVariant: Map<string, ConversionArm> }[];
  breakdown: BreakdownCell[];
  series: {
    bucketSeconds: number;
    rows: SeriesRow[];
    /** Each arm's request moments up to the end of each bucket with requests (`fetchSeriesMoments`). */
    moments: SeriesMoments[];
  };
}

/** One arm's request moments over everything up to the end of one bucket. */
export interface SeriesMoments {
  bucket: number;
  variant: string;
  moments: RequestMoments;
}

const BUCKET_CHOICES = [60, 300, 900, 3600, 10_800, 21_600, 86_400, 604_800];
const MAX_POINTS = 100;

/** The smallest bucket that keeps the series at or under 100 points. */
export function chooseBucketSeconds(firstSeconds: number, lastSeconds: number): number {
  const span = Math.max(0, lastSeconds - firstSeconds);
  return BUCKET_CHOICES.find((b) => span / b < MAX_POINTS) ?? BUCKET_CHOICES.at(-1) ?? 604_800;
}
