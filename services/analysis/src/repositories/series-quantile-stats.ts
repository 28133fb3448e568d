/**
 * Per-point latency-quantile statistics of the time series, at up to `MAX_QUANTILE_CHECKPOINTS`
 * checkpoints: at each, every arm's clustered-quantile statistics over everything up to the end
 * of that bucket, exactly as `quantileStats` computes them for all time with `until` = that end.
 * From the per-unit table in both families (a unit's counts below a moving quantile are in no
 * rollup), in two queries: the arms' histograms per bucket (to locate each checkpoint's
 * quantiles), then the per-unit moments of every checkpoint at once.
 */
import type { QuantileStats } from '@tripwire/stats';
import type { ScopeParams } from './arm-queries.js';
import type { LatencyHistogram } from './latency-histogram.js';
import { queryRows, type AnalysisContext } from './query-rows.js';
import { buildSeriesHistogramsSql, buildSeriesQuantileMomentsSql } from './results-queries.js';
import {
  buildQuantilePositions,
  buildQuantileStats,
  type QuantileMomentsRow,
} from './stats-rows.js';

/** Most checkpoints the quantile series has (evenly spread, the last bucket always one). */
export const MAX_QUANTILE_CHECKPOINTS = 12;

/** One arm's statistics of one probability over everything up to the end of one bucket. */
export interface SeriesQuantiles {
  bucket: number;
  variant: string;
  probability: number;
  stats: QuantileStats;
}

/** Up to `MAX_QUANTILE_CHECKPOINTS` of the ascending buckets, evenly spread, ending at the last. */
export function chooseCheckpoints(buckets: readonly number[]): number[] {
  const count = Math.min(MAX_QUANTILE_CHECKPOINTS, buckets.length);
  const picked = Array.from(
    { length: count },
    (_, i) => buckets[Math.round(((i + 1) * buckets.length) / count) - 1] ?? 0,
  );
  return [...new Set(picked)];
}

/** Each arm's histogram over everything up to the end of each checkpoint. */
async function fetchCumulativeHistograms(
  context: AnalysisContext,
  params: ScopeParams & { bucketSeconds: number },
): Promise<{ checkpoints: number[]; histograms: Map<string, LatencyHistogram>[] }> {
  type Row = { variant: string; bucket: number | string; histogram: LatencyHistogram };
  const rows = (await queryRows<Row>(context, buildSeriesHistogramsSql(context.tables), params))
    .map((row) => ({ ...row, bucket: Number(row.bucket) }))
    .sort((a, b) => a.bucket - b.bucket);
  const checkpoints = chooseCheckpoints([...new Set(rows.map((row) => row.bucket))]);
  const totals = new Map<string, Record<string, number>>();
  let next = 0;
  const histograms = checkpoints.map((checkpoint) => {
    for (; next < rows.length && (rows[next]?.bucket ?? Infinity) <= checkpoint; next += 1) {
      const row = rows[next]!;
      const total = totals.get(row.variant) ?? {};
      for (const [key, count] of Object.entries(row.histogram)) {
        total[key] = (total[key] ?? 0) + Number(count);
      }
      totals.set(row.variant, total);
    }
    return new Map([...totals].map(([variant, total]) => [variant, { ...total }]));
  });
  return { checkpoints, histograms };
}

interface SeriesQuantileRow {
  variant: string;
  units: number[];
  sum_requests: number[];
  sum_requests_sq: number[];
  sum_below: number[];
  sum_below_sq: number[];
  sum_below_requests: number[];
}

/**
 * Every probability's clustered-quantile statistics per arm at each checkpoint (arms with
 * requests by then): the quantile located in the arm's histogram so far, the per-unit moments of
 * the requests below it so far (`buildSeriesQuantileMomentsSql`), read as `quantileStats` reads
 * its rows (`buildQuantileStats`).
 */
export async function fetchSeriesQuantiles(
  context: AnalysisContext,
  input: { params: ScopeParams; bucketSeconds: number; probabilities: readonly number[] },
): Promise<SeriesQuantiles[]> {
  const { bucketSeconds, probabilities } = input;
  const params = { ...input.params, bucketSeconds };
  const { checkpoints, histograms } = await fetchCumulativeHistograms(context, params);
  const all = histograms.at(-1);
  if (all === undefined || all.size === 0) return [];
  const at = histograms.map((byArm) =>
    buildQuantilePositions(
      new Map([...all.keys()].map((v) => [v, byArm.get(v) ?? {}])),
      probabilities,
    ),
  );
  const variants = [...all.keys()];
  const rows = await queryRows<SeriesQuantileRow>(
    context,
    buildSeriesQuantileMomentsSql(context.tables),
    {
      ...params,
      variants,
      checkpoints,
      pointOf: checkpoints.flatMap((_, j) => probabilities.map(() => j + 1)),
      thresholds: variants.map((_, v) => at.flatMap((positions) => positions.buckets[v] ?? [])),
      fractions: variants.map((_, v) => at.flatMap((positions) => positions.fractions[v] ?? [])),
    },
  );
  return checkpoints.flatMap((bucket, j) => {
    const entries = (values: number[]) =>
      values.slice(j * probabilities.length, (j + 1) * probabilities.length);
    const moments: QuantileMomentsRow[] = rows
      .filter((row) => Number(row.units[j] ?? 0) > 0)
      .map((row) => ({
        variant: row.variant,
        units: Number(row.units[j]),
        sum_requests: Number(row.sum_requests[j] ?? 0),
        sum_requests_sq: Number(row.sum_requests_sq[j] ?? 0),
        sum_below: entries(row.sum_below),
        sum_below_sq: entries(row.sum_below_sq),
        sum_below_requests: entries(row.sum_below_requests),
      }));
    const stats = buildQuantileStats({
      rows: moments,
      histograms: histograms[j] ?? new Map(),
      probabilities,
    });
    return stats.flatMap((byVariant, q) =>
      [...byVariant].map(([variant, value]) => ({
        bucket,
        variant,
        probability: probabilities[q] ?? 0,
        stats: value,
      })),
    );
  });
}
