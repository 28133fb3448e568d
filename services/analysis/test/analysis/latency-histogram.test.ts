import { describe, expect, it } from 'vitest';
import {
  BUCKETS_PER_OCTAVE,
  computeBucketBounds,
  locateQuantile,
  sampleQuantiles,
} from '../../src/repositories/latency-histogram.js';

/** The bucket index the view computes for a duration in nanoseconds (migration 0201). */
const bucketOf = (durationNs: number) => Math.floor(BUCKETS_PER_OCTAVE * Math.log2(durationNs));

function histogramOf(durationsMs: number[]): Record<string, number> {
  const histogram: Record<string, number> = {};
  for (const ms of durationsMs) {
    const key = String(bucketOf(ms * 1e6));
    histogram[key] = (histogram[key] ?? 0) + 1;
  }
  return histogram;
}

describe('latency histogram', () => {
  it('puts a duration inside the bounds of its bucket', () => {
    for (const ms of [0.05, 1, 3.7, 20, 250, 9000]) {
      const [lower, upper] = computeBucketBounds(bucketOf(ms * 1e6));
      expect(lower).toBeLessThanOrEqual(ms);
      expect(upper).toBeGreaterThan(ms);
      expect(upper / lower).toBeCloseTo(2 ** (1 / 32), 12);
    }
  });

  it('locates quantiles within one bucket width of the exact order statistic', () => {
    const durations = Array.from({ length: 10_000 }, (_, i) => 5 + ((i * 7919) % 10_000) / 100);
    const sorted = [...durations].sort((a, b) => a - b);
    const histogram = histogramOf(durations);
    for (const p of [0.5, 0.95, 0.99]) {
      const exact = sorted[Math.ceil(p * sorted.length) - 1] ?? NaN;
      const position = locateQuantile(histogram, p);
      expect(Math.abs(position.value / exact - 1)).toBeLessThan(0.022);
      expect(position.fraction).toBeGreaterThanOrEqual(0);
      expect(position.fraction).toBeLessThanOrEqual(1);
    }
  });

  it('splits the quantile bucket so counts below add up to p times the total', () => {
    const histogram = { '100': 10, '101': 30, '102': 60 };
    const position = locateQuantile(histogram, 0.25);
    expect(position.bucket).toBe(101);
    const below = 10 + position.fraction * 30;
    expect(below).toBeCloseTo(25, 12);
  });

  it('samples a non-decreasing quantile function and answers NaN when empty', () => {
    const histogram = histogramOf([1, 2, 2, 3, 5, 8, 13, 21]);
    const values = sampleQuantiles(histogram, [0.1, 0.3, 0.5, 0.7, 0.9]);
    expect(values.every((v, i) => i === 0 || v >= (values[i - 1] ?? 0))).toBe(true);
    expect(locateQuantile({}, 0.5).value).toBeNaN();
  });
});
