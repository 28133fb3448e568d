/**
 * The log-bucket latency histogram the variant-requests view keeps (migration 0201): bucket k
 * holds durations d (ns) with floor(32·log2 d) = k, i.e. [2^(k/32), 2^((k+1)/32)) ns, 2.2% wide.
 * Pure functions: the arm's quantile function and the position of a quantile inside a bucket.
 */
export const BUCKETS_PER_OCTAVE = 32;

/** Bucket counts keyed by bucket index (ClickHouse returns Map keys as strings in JSON). */
export type LatencyHistogram = Readonly<Record<string, number>>;

interface Bucket {
  index: number;
  count: number;
}

/** Lower and upper bound of bucket k in milliseconds. */
export function computeBucketBounds(index: number): [lower: number, upper: number] {
  return [2 ** (index / BUCKETS_PER_OCTAVE) / 1e6, 2 ** ((index + 1) / BUCKETS_PER_OCTAVE) / 1e6];
}

function sortBuckets(histogram: LatencyHistogram): Bucket[] {
  return Object.entries(histogram)
    .map(([key, count]) => ({ index: Number(key), count: Number(count) }))
    .filter((bucket) => bucket.count > 0)
    .sort((a, b) => a.index - b.index);
}

export interface QuantilePosition {
  /** The quantile in milliseconds (log-linear interpolation inside its bucket). */
  value: number;
  /** Bucket holding the quantile. */
  bucket: number;
  /** Share of that bucket's requests below the quantile, in [0, 1]. */
  fraction: number;
}

/**
 * Locates quantile p: the rank p·N falls in one bucket; the value is interpolated on the log
 * scale inside it, and `fraction` is the share of the bucket below the value, so a unit's count
 * below the quantile is Σ_{k<bucket} c_k + fraction·c_bucket and the counts add up to p·N.
 */
export function locateQuantile(histogram: LatencyHistogram, probability: number): QuantilePosition {
  return locateInBuckets(sortBuckets(histogram), probability);
}

function locateInBuckets(buckets: readonly Bucket[], probability: number): QuantilePosition {
  const total = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  if (total === 0) return { value: NaN, bucket: 0, fraction: 0 };
  const rank = probability * total;
  let below = 0;
  for (const bucket of buckets) {
    if (below + bucket.count >= rank) {
      const fraction = Math.min(1, Math.max(0, (rank - below) / bucket.count));
      const [lower, upper] = computeBucketBounds(bucket.index);
      return { value: lower * (upper / lower) ** fraction, bucket: bucket.index, fraction };
    }
    below += bucket.count;
  }
  const last = buckets[buckets.length - 1] ?? { index: 0, count: 0 };
  return { value: computeBucketBounds(last.index)[1], bucket: last.index, fraction: 1 };
}

/** The quantile function sampled at ascending `levels` (non-decreasing by construction). */
export function sampleQuantiles(histogram: LatencyHistogram, levels: readonly number[]): number[] {
  const buckets = sortBuckets(histogram);
  return levels.map((level) => locateInBuckets(buckets, level).value);
}
