import { describe, expect, it } from 'vitest';

// Simulations take seconds; the generous timeout keeps a loaded CI machine from failing them.
const SLOW = { timeout: 120_000 };
import {
  confidenceSequence,
  decideGuardrail,
  msprtPValue,
  estimateLift,
  normalQuantile,
  summarizeMean,
  summarizeQuantile,
  summarizeRatio,
} from '@tripwire/stats';
import type { Guardrail, SampleMoments } from '@tripwire/stats';
import { createSeededRandom } from './seeded-random.js';
import type { SeededRandom } from './seeded-random.js';
import {
  addErrorRateUnits,
  addLatencyUnits,
  buildQuantileStats,
  createLatencyArm,
  createRatioStats,
} from './traffic-model.js';

const Z975 = normalQuantile(0.975);
const Z95 = normalQuantile(0.95);

/** 3 Monte-Carlo standard errors of a proportion estimated from `runs` runs. */
function monteCarloSlack(rate: number, runs: number): number {
  return 3 * Math.sqrt((rate * (1 - rate)) / runs);
}

function report(name: string, figures: Record<string, number | string>): void {
  if (process.env.STATS_SIM_REPORT === '1') console.info(name, JSON.stringify(figures));
}

/**
 * Adds a batch of m N(mean, sd²) units to running moments, drawn exactly at the level of
 * sufficient statistics: batch mean ~ N(mean, sd²/m), within-batch SS ~ sd²·χ²(m − 1).
 */
function addNormalBatch(
  moments: SampleMoments,
  rng: SeededRandom,
  options: { units: number; mean: number; sd: number },
): SampleMoments {
  const { units: m, mean, sd } = options;
  const batchMean = mean + (sd / Math.sqrt(m)) * rng.normal();
  const withinSquares = sd * sd * rng.chiSquare(m - 1);
  return {
    units: moments.units + m,
    sum: moments.sum + m * batchMean,
    sumSquares: moments.sumSquares + withinSquares + m * batchMean * batchMean,
  };
}

describe('A/A under continuous monitoring', () => {
  it(
    'keeps the confidence sequence false-positive rate ≤ α over 200 looks × 2000 runs, as does the mSPRT, while naive peeking exceeds it',
    SLOW,
    () => {
      const rng = createSeededRandom(20240601);
      const runs = 2000;
      const alpha = 0.05;
      let alwaysValidAlarms = 0;
      let msprtAlarms = 0;
      let naiveAlarms = 0;
      for (let run = 0; run < runs; run += 1) {
        let msprt = 1;
        let control: SampleMoments = { units: 0, sum: 0, sumSquares: 0 };
        let treatment: SampleMoments = { units: 0, sum: 0, sumSquares: 0 };
        let alwaysValid = false;
        let naive = false;
        for (let look = 0; look < 200; look += 1) {
          control = addNormalBatch(control, rng, { units: 50, mean: 3, sd: 2 });
          treatment = addNormalBatch(treatment, rng, { units: 50, mean: 3, sd: 2 });
          const c = summarizeMean(control);
          const t = summarizeMean(treatment);
          const estimate = t.mean - c.mean;
          const variance = c.variance + t.variance;
          const [lower, upper] = confidenceSequence({
            estimate,
            variance,
            units: c.units + t.units,
            alpha,
            targetUnits: 5000,
          }).interval;
          alwaysValid ||= lower > 0 || upper < 0;
          msprt = msprtPValue({
            estimate,
            variance,
            mixingVariance: 0.01,
            previousPValue: msprt,
          }).pValue;
          naive ||= Math.abs(estimate / Math.sqrt(variance)) > Z975;
        }
        if (alwaysValid) alwaysValidAlarms += 1;
        if (msprt <= alpha) msprtAlarms += 1;
        if (naive) naiveAlarms += 1;
      }
      const alwaysValidRate = alwaysValidAlarms / runs;
      const msprtRate = msprtAlarms / runs;
      const naiveRate = naiveAlarms / runs;
      report('A/A mean metric', { alwaysValidRate, msprtRate, naiveRate });
      expect(alwaysValidRate).toBeLessThanOrEqual(alpha + monteCarloSlack(alpha, runs));
      expect(msprtRate).toBeLessThanOrEqual(alpha + monteCarloSlack(alpha, runs));
      expect(naiveRate).toBeGreaterThan(alpha + monteCarloSlack(alpha, runs));
    },
  );

  it(
    'keeps the guardrail false-breach rate on a clustered error rate ≤ α over 100 looks × 1000 runs, while naive one-sided peeking exceeds it',
    SLOW,
    () => {
      const rng = createSeededRandom(777);
      const runs = 1000;
      const guardrail: Guardrail = {
        metric: 'error_rate',
        direction: 'lower_is_better',
        margin: 0,
        alpha: 0.05,
        minimumUnits: 100,
      };
      let breaches = 0;
      let naiveAlarms = 0;
      for (let run = 0; run < runs; run += 1) {
        const control = createRatioStats();
        const treatment = createRatioStats();
        let breached = false;
        let naive = false;
        for (let look = 0; look < 100; look += 1) {
          addErrorRateUnits(control, rng, { units: 20, errorRate: 0.05, extraRequests: 4 });
          addErrorRateUnits(treatment, rng, { units: 20, errorRate: 0.05, extraRequests: 4 });
          const decision = decideGuardrail({ guardrail, control, treatment, targetUnits: 2000 });
          breached ||= decision.state === 'breached';
          if (control.units >= guardrail.minimumUnits && control.sumNumerator > 0) {
            const lift = estimateLift({
              control: summarizeRatio(control),
              treatment: summarizeRatio(treatment),
            }).relative;
            naive ||= lift !== undefined && lift.estimate / lift.standardError > Z95;
          }
        }
        if (breached) breaches += 1;
        if (naive) naiveAlarms += 1;
      }
      const breachRate = breaches / runs;
      const naiveRate = naiveAlarms / runs;
      report('A/A guardrail error rate', { breachRate, naiveRate });
      expect(breachRate).toBeLessThanOrEqual(0.05 + monteCarloSlack(0.05, runs));
      expect(naiveRate).toBeGreaterThan(0.05 + monteCarloSlack(0.05, runs));
    },
  );
});

describe('A/A on a clustered p95 latency guardrail', () => {
  it('keeps the false-breach rate ≤ α over 10 looks × 300 runs', SLOW, () => {
    const rng = createSeededRandom(5150);
    const runs = 300;
    let breaches = 0;
    for (let run = 0; run < runs; run += 1) {
      const control = createLatencyArm();
      const treatment = createLatencyArm();
      for (let look = 0; look < 10; look += 1) {
        addLatencyUnits(control, rng, { units: 100, scale: 100, extraRequests: 4 });
        addLatencyUnits(treatment, rng, { units: 100, scale: 100, extraRequests: 4 });
        const { state } = decideGuardrail({
          guardrail: {
            metric: 'latency_p95',
            direction: 'lower_is_better',
            margin: 0,
            alpha: 0.05,
            minimumUnits: 100,
          },
          control: buildQuantileStats(control, 0.95),
          treatment: buildQuantileStats(treatment, 0.95),
          targetUnits: 1000,
        });
        if (state === 'breached') {
          breaches += 1;
          break;
        }
      }
    }
    report('A/A guardrail p95', { breachRate: breaches / runs });
    expect(breaches / runs).toBeLessThanOrEqual(0.05 + monteCarloSlack(0.05, runs));
  });
});

describe('coverage of 95% intervals', () => {
  it(
    'delta-method ratio intervals cover the true clustered error rate; per-request binomial ones do not',
    SLOW,
    () => {
      const rng = createSeededRandom(4242);
      const reps = 2000;
      const truth = 0.03;
      let covered = 0;
      let naiveCovered = 0;
      for (let rep = 0; rep < reps; rep += 1) {
        const stats = createRatioStats();
        addErrorRateUnits(stats, rng, { units: 400, errorRate: truth, extraRequests: 9 });
        const { mean, variance } = summarizeRatio(stats);
        if (Math.abs(mean - truth) <= Z975 * Math.sqrt(variance)) covered += 1;
        const naiveSe = Math.sqrt((mean * (1 - mean)) / stats.sumDenominator);
        if (Math.abs(mean - truth) <= Z975 * naiveSe) naiveCovered += 1;
      }
      report('coverage ratio', { delta: covered / reps, naive: naiveCovered / reps });
      expect(Math.abs(covered / reps - 0.95)).toBeLessThan(monteCarloSlack(0.95, reps));
      expect(naiveCovered / reps).toBeLessThan(0.95 - monteCarloSlack(0.95, reps));
    },
  );

  it('relative-lift intervals cover the true relative lift of two error rates', SLOW, () => {
    const rng = createSeededRandom(99);
    const reps = 2000;
    let covered = 0;
    for (let rep = 0; rep < reps; rep += 1) {
      const control = createRatioStats();
      const treatment = createRatioStats();
      addErrorRateUnits(control, rng, { units: 800, errorRate: 0.04, extraRequests: 4 });
      addErrorRateUnits(treatment, rng, { units: 800, errorRate: 0.05, extraRequests: 4 });
      const relative = estimateLift({
        control: summarizeRatio(control),
        treatment: summarizeRatio(treatment),
      }).relative;
      const [lower, upper] = relative?.interval ?? [NaN, NaN];
      if (lower <= 0.25 && 0.25 <= upper) covered += 1;
    }
    report('coverage relative lift', { coverage: covered / reps });
    expect(Math.abs(covered / reps - 0.95)).toBeLessThan(monteCarloSlack(0.95, reps));
  });

  it(
    'clustered quantile intervals cover the true p95 latency; per-request i.i.d. ones do not',
    SLOW,
    () => {
      const rng = createSeededRandom(1234);
      const reps = 800;
      const truth = 100 * Math.exp(Math.sqrt(0.61) * normalQuantile(0.95));
      let covered = 0;
      let naiveCovered = 0;
      for (let rep = 0; rep < reps; rep += 1) {
        const arm = createLatencyArm();
        addLatencyUnits(arm, rng, { units: 300, scale: 100, extraRequests: 9 });
        const clustered = summarizeQuantile(buildQuantileStats(arm, 0.95));
        const naive = summarizeQuantile(buildQuantileStats(arm, 0.95, { ignoreUnits: true }));
        if (Math.abs(clustered.mean - truth) <= Z975 * Math.sqrt(clustered.variance)) covered += 1;
        if (Math.abs(naive.mean - truth) <= Z975 * Math.sqrt(naive.variance)) naiveCovered += 1;
      }
      report('coverage p95', { clustered: covered / reps, naive: naiveCovered / reps });
      expect(Math.abs(covered / reps - 0.95)).toBeLessThan(monteCarloSlack(0.95, reps));
      expect(naiveCovered / reps).toBeLessThan(0.95 - monteCarloSlack(0.95, reps));
    },
  );

  it(
    'intervals for the absolute and relative difference of two clustered p95 latencies cover the truth',
    SLOW,
    () => {
      const rng = createSeededRandom(8080);
      const reps = 500;
      const controlTruth = 100 * Math.exp(Math.sqrt(0.61) * normalQuantile(0.95));
      let absoluteCovered = 0;
      let relativeCovered = 0;
      for (let rep = 0; rep < reps; rep += 1) {
        const control = createLatencyArm();
        const treatment = createLatencyArm();
        addLatencyUnits(control, rng, { units: 300, scale: 100, extraRequests: 9 });
        addLatencyUnits(treatment, rng, { units: 300, scale: 115, extraRequests: 9 });
        const lift = estimateLift({
          control: summarizeQuantile(buildQuantileStats(control, 0.95)),
          treatment: summarizeQuantile(buildQuantileStats(treatment, 0.95)),
        });
        const [lower, upper] = lift.absolute.interval;
        if (lower <= 0.15 * controlTruth && 0.15 * controlTruth <= upper) absoluteCovered += 1;
        const [relLower, relUpper] = lift.relative?.interval ?? [NaN, NaN];
        if (relLower <= 0.15 && 0.15 <= relUpper) relativeCovered += 1;
      }
      const absolute = absoluteCovered / reps;
      const relative = relativeCovered / reps;
      report('coverage p95 difference', { absolute, relative });
      expect(Math.abs(absolute - 0.95)).toBeLessThan(monteCarloSlack(0.95, reps));
      expect(Math.abs(relative - 0.95)).toBeLessThan(monteCarloSlack(0.95, reps));
    },
  );
});

describe('power and time to detect (looks every 10 s, 100 new units per arm per look, 5 requests per unit)', () => {
  const guardrailBase = {
    direction: 'lower_is_better',
    margin: 0.05,
    alpha: 0.05,
    minimumUnits: 200,
  } as const;

  it(
    'breaches a 1.5× error rate (1% → 1.5%) within 60 looks (10 min) in ≥ 90% of runs',
    SLOW,
    () => {
      const rng = createSeededRandom(31337);
      const runs = 200;
      const detectedAt: number[] = [];
      for (let run = 0; run < runs; run += 1) {
        const control = createRatioStats();
        const treatment = createRatioStats();
        for (let look = 1; look <= 60; look += 1) {
          addErrorRateUnits(control, rng, { units: 100, errorRate: 0.01, extraRequests: 4 });
          addErrorRateUnits(treatment, rng, { units: 100, errorRate: 0.015, extraRequests: 4 });
          const { state } = decideGuardrail({
            guardrail: { ...guardrailBase, metric: 'error_rate' },
            control,
            treatment,
          });
          if (state === 'breached') {
            detectedAt.push(look);
            break;
          }
        }
      }
      detectedAt.sort((a, b) => a - b);
      const power = detectedAt.length / runs;
      report('power error rate 1.5x', {
        power,
        medianLook: detectedAt[Math.floor(detectedAt.length / 2)] ?? NaN,
      });
      expect(power).toBeGreaterThanOrEqual(0.9);
    },
  );

  it('breaches a +20% p95 latency within 30 looks (5 min) in ≥ 90% of runs', SLOW, () => {
    const rng = createSeededRandom(2718);
    const runs = 100;
    const detectedAt: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const control = createLatencyArm();
      const treatment = createLatencyArm();
      for (let look = 1; look <= 30; look += 1) {
        addLatencyUnits(control, rng, { units: 100, scale: 100, extraRequests: 4 });
        addLatencyUnits(treatment, rng, { units: 100, scale: 120, extraRequests: 4 });
        const { state } = decideGuardrail({
          guardrail: { ...guardrailBase, metric: 'latency_p95' },
          control: buildQuantileStats(control, 0.95),
          treatment: buildQuantileStats(treatment, 0.95),
        });
        if (state === 'breached') {
          detectedAt.push(look);
          break;
        }
      }
    }
    detectedAt.sort((a, b) => a - b);
    const power = detectedAt.length / runs;
    report('power p95 +20%', {
      power,
      medianLook: detectedAt[Math.floor(detectedAt.length / 2)] ?? NaN,
    });
    expect(power).toBeGreaterThanOrEqual(0.9);
  });
});
