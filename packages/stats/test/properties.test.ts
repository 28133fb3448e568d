// Invariants every comparison keeps, over seeded random inputs (small and unequal arms, ties,
// zero events): the interval holds the estimate, p is in [0, 1], swapping the arms mirrors the
// result, and a smaller alpha never gives a narrower interval.
import { describe, expect, it } from 'vitest';
import {
  computeWilsonInterval,
  confidenceSequence,
  estimateLift,
  fisherExactTest,
  mannWhitneyU,
  quantileInterval,
  summarizeMean,
  twoProportionTest,
  welchTest,
  type Interval,
  type SampleMoments,
} from '@tripwire/stats';
import { createSeededRandom, type SeededRandom } from './seeded-random.js';

const CASES = 150;
const ALPHAS = [0.2, 0.05, 0.01] as const;

/** Relative float slack for comparisons of values computed along different paths. */
function near(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function expectContains(interval: Interval, value: number): void {
  expect(interval[0] <= value || near(interval[0], value)).toBe(true);
  expect(interval[1] >= value || near(interval[1], value)).toBe(true);
}

/** Each interval (for decreasing alpha) contains the one before it. */
function expectNested(intervals: readonly Interval[]): void {
  for (let i = 1; i < intervals.length; i += 1) {
    const [inner, outer] = [intervals[i - 1]!, intervals[i]!];
    expect(outer[0] <= inner[0] || near(outer[0], inner[0])).toBe(true);
    expect(outer[1] >= inner[1] || near(outer[1], inner[1])).toBe(true);
  }
}

function expectMirrored(a: Interval, b: Interval): void {
  expect(near(a[0], -b[1]) && near(a[1], -b[0])).toBe(true);
}

function sample(random: SeededRandom): number[] {
  const n = 2 + Math.floor(random.next() * 40);
  const mean = random.normal() * 5;
  const sd = 0.1 + random.next() * 3;
  // Rounded to one decimal: ties occur, as in real latency data.
  return Array.from({ length: n }, () => Math.round((mean + sd * random.normal()) * 10) / 10);
}

function momentsOf(values: readonly number[]): SampleMoments {
  return {
    units: values.length,
    sum: values.reduce((s, v) => s + v, 0),
    sumSquares: values.reduce((s, v) => s + v * v, 0),
  };
}

function counts(random: SeededRandom) {
  const units = 1 + Math.floor(random.next() * 60);
  // One case in five has zero or all successes.
  const edge = random.next() < 0.2;
  const successes = edge
    ? random.next() < 0.5
      ? 0
      : units
    : Math.floor(random.next() * (units + 1));
  return { units, successes };
}

describe('welchTest and estimateLift', () => {
  it('hold the estimate, p in [0, 1], p < alpha exactly when 0 is outside, mirror on a swap', () => {
    const random = createSeededRandom(19);
    for (let i = 0; i < CASES; i += 1) {
      const control = momentsOf(sample(random));
      const treatment = momentsOf(sample(random));
      const results = ALPHAS.map((alpha) => welchTest({ control, treatment, alpha }));
      for (const [j, result] of results.entries()) {
        expectContains(result.interval, result.estimate);
        expect(result.pValue).toBeGreaterThanOrEqual(0);
        expect(result.pValue).toBeLessThanOrEqual(1);
        const excludesZero = result.interval[0] > 0 || result.interval[1] < 0;
        if (!near(result.pValue, ALPHAS[j]!)) expect(result.pValue < ALPHAS[j]!).toBe(excludesZero);
      }
      expectNested(results.map((r) => r.interval));
      const swapped = welchTest({ control: treatment, treatment: control });
      expect(near(swapped.estimate, -results[1]!.estimate)).toBe(true);
      expect(near(swapped.pValue, results[1]!.pValue)).toBe(true);
      expectMirrored(swapped.interval, results[1]!.interval);
    }
  });

  it('relative lifts hold their estimate and widen as alpha falls', () => {
    const random = createSeededRandom(1919);
    for (let i = 0; i < CASES; i += 1) {
      const control = summarizeMean(momentsOf(sample(random).map((v) => Math.abs(v) + 1)));
      const treatment = summarizeMean(momentsOf(sample(random).map((v) => Math.abs(v) + 1)));
      const lifts = ALPHAS.map((alpha) => estimateLift({ control, treatment, alpha }));
      for (const lift of lifts) {
        for (const scale of [lift.absolute, lift.relative!]) {
          expectContains(scale.interval, scale.estimate);
          expect(scale.pValue >= 0 && scale.pValue <= 1).toBe(true);
        }
      }
      expectNested(lifts.map((l) => l.relative!.interval));
      expectNested(lifts.map((l) => l.absolute.interval));
      const swapped = estimateLift({ control: treatment, treatment: control });
      expect(near(swapped.absolute.pValue, lifts[1]!.absolute.pValue)).toBe(true);
      expectMirrored(swapped.absolute.interval, lifts[1]!.absolute.interval);
    }
  });
});

describe('proportions', () => {
  it('twoProportionTest (Wald and Newcombe) holds the difference and mirrors on a swap', () => {
    const random = createSeededRandom(7);
    for (let i = 0; i < CASES; i += 1) {
      const control = counts(random);
      const treatment = counts(random);
      for (const interval of ['wald', 'newcombe'] as const) {
        const results = ALPHAS.map((alpha) =>
          twoProportionTest({ control, treatment, alpha, interval, pooling: 'unpooled' }),
        );
        for (const result of results) {
          expect(result.pValue >= 0 && result.pValue <= 1).toBe(true);
          if (result.status === 'ok') expectContains(result.interval, result.estimate);
        }
        if (results[0]!.status !== 'ok') continue;
        expectNested(results.map((r) => r.interval));
        const swapped = twoProportionTest({ control: treatment, treatment: control, interval });
        const pooled = twoProportionTest({ control, treatment, interval });
        expect(near(swapped.pValue, pooled.pValue)).toBe(true);
        expectMirrored(swapped.interval, pooled.interval);
      }
    }
  });

  it('Wilson intervals stay in [0, 1], hold p̂ and mirror when successes and failures swap', () => {
    const random = createSeededRandom(11);
    for (let i = 0; i < CASES; i += 1) {
      const c = counts(random);
      const intervals = ALPHAS.map((alpha) => computeWilsonInterval(c, { alpha }));
      for (const [lower, upper] of intervals) {
        expect(lower >= 0 && upper <= 1 && upper > lower).toBe(true);
        expectContains([lower, upper], c.successes / c.units);
      }
      expectNested(intervals);
      const [lower, upper] = computeWilsonInterval({ ...c, successes: c.units - c.successes });
      expect(near(lower, 1 - intervals[1]![1]) && near(upper, 1 - intervals[1]![0])).toBe(true);
    }
  });

  it('fisherExactTest: p in [0, 1], the odds ratio inverts on a swap with the same p', () => {
    const random = createSeededRandom(23);
    for (let i = 0; i < CASES; i += 1) {
      const control = counts(random);
      const treatment = counts(random);
      const results = ALPHAS.map((alpha) => fisherExactTest({ control, treatment, alpha }));
      for (const result of results) {
        expect(result.pValue >= 0 && result.pValue <= 1).toBe(true);
        expectContains(result.interval, result.estimate);
      }
      expectNested(results.map((r) => r.interval));
      const swapped = fisherExactTest({ control: treatment, treatment: control });
      expect(near(swapped.pValue, results[1]!.pValue)).toBe(true);
      const inverse = 1 / results[1]!.estimate;
      expect(near(swapped.estimate, inverse) || Math.abs(swapped.estimate - inverse) < 1e-6).toBe(
        true,
      );
    }
  });
});

describe('rank, quantile and sequential intervals', () => {
  it('mannWhitneyU: the Hodges–Lehmann shift negates on a swap, same p, nested intervals', () => {
    const random = createSeededRandom(31);
    for (let i = 0; i < CASES; i += 1) {
      const control = sample(random);
      const treatment = sample(random);
      const results = ALPHAS.map((alpha) => mannWhitneyU({ control, treatment, alpha }));
      for (const result of results) {
        expect(result.pValue >= 0 && result.pValue <= 1).toBe(true);
        expectContains(result.interval, result.estimate);
      }
      expectNested(results.map((r) => r.interval));
      const swapped = mannWhitneyU({ control: treatment, treatment: control });
      expect(near(swapped.pValue, results[1]!.pValue)).toBe(true);
      expect(near(swapped.estimate, -results[1]!.estimate)).toBe(true);
      expectMirrored(swapped.interval, results[1]!.interval);
    }
  });

  it('quantileInterval holds the sample quantile and widens as alpha falls', () => {
    const random = createSeededRandom(37);
    for (let i = 0; i < CASES; i += 1) {
      const values = sample(random);
      const probability = [0.1, 0.5, 0.9][i % 3]!;
      const results = ALPHAS.map((alpha) => quantileInterval({ values, probability, alpha }));
      for (const result of results) expectContains(result.interval, result.estimate);
      expectNested(results.map((r) => r.interval));
    }
  });

  it('confidenceSequence holds the estimate, is wider than the fixed-horizon z interval and nests', () => {
    const random = createSeededRandom(41);
    for (let i = 0; i < CASES; i += 1) {
      const estimate = random.normal();
      const variance = 0.001 + random.next();
      const units = 2 + Math.floor(random.next() * 50_000);
      const targetUnits = 100 + Math.floor(random.next() * 20_000);
      const sequences = ALPHAS.map((alpha) =>
        confidenceSequence({ estimate, variance, units, alpha, targetUnits }),
      );
      for (const sequence of sequences) expectContains(sequence.interval, estimate);
      expectNested(sequences.map((s) => s.interval));
      // z(0.975) · SE: the always-valid radius at alpha = 0.05 is larger at every t.
      expect(sequences[1]!.radius).toBeGreaterThan(1.959963984540054 * Math.sqrt(variance));
    }
  });
});
