/**
 * Coverage and A/A error of the fixed-horizon methods at small samples (10–50 units per arm)
 * and with zero-event arms, seeded. Figures: STATS_SIM_REPORT=1 npx vitest run --project
 * @tripwire/stats test/small-sample-coverage
 */
import { describe, expect, it } from 'vitest';
import {
  estimateLift,
  mannWhitneyU,
  quantileInterval,
  summarizeMean,
  twoProportionTest,
} from '@tripwire/stats';
import type { Interval, SampleMoments } from '@tripwire/stats';
import { createSeededRandom } from './seeded-random.js';
import type { SeededRandom } from './seeded-random.js';

const SLOW = { timeout: 120_000 };
const SIZES = [10, 20, 30, 50] as const;
const REPS = 4000;

function report(name: string, figures: Record<string, number | string>): void {
  if (process.env.STATS_SIM_REPORT === '1') console.info(name, JSON.stringify(figures));
}

function draw(rng: SeededRandom, n: number, sample: () => number): number[] {
  return Array.from({ length: n }, sample);
}

function toMoments(values: readonly number[]): SampleMoments {
  let sum = 0;
  let sumSquares = 0;
  for (const v of values) {
    sum += v;
    sumSquares += v * v;
  }
  return { units: values.length, sum, sumSquares };
}

const covers = (interval: Interval, truth: number) => interval[0] <= truth && truth <= interval[1];

/** Share of REPS runs whose interval covers `truth` (declined runs count as covering: (−∞, ∞)). */
function measureCoverage(seed: number, run: (rng: SeededRandom) => Interval, truth: number) {
  const rng = createSeededRandom(seed);
  let covered = 0;
  for (let i = 0; i < REPS; i += 1) if (covers(run(rng), truth)) covered += 1;
  return covered / REPS;
}

describe('coverage of 95% intervals at 10–50 units per arm', () => {
  it(
    'Welch t intervals for the absolute and relative lift of normal means (z undercovers)',
    SLOW,
    () => {
      // Control N(10, 3²), treatment N(11, 4²): absolute truth 1, relative truth 0.1.
      const figures: Record<string, number> = {};
      for (const n of SIZES) {
        const lift = (rng: SeededRandom, reference: 'student_t' | 'normal') =>
          estimateLift({
            control: summarizeMean(toMoments(draw(rng, n, () => 10 + 3 * rng.normal()))),
            treatment: summarizeMean(toMoments(draw(rng, n, () => 11 + 4 * rng.normal()))),
            reference,
          });
        const absolute = measureCoverage(
          1000 + n,
          (rng) => lift(rng, 'student_t').absolute.interval,
          1,
        );
        const relative = measureCoverage(
          2000 + n,
          (rng) => lift(rng, 'student_t').relative!.interval,
          0.1,
        );
        const normal = measureCoverage(1000 + n, (rng) => lift(rng, 'normal').absolute.interval, 1);
        Object.assign(figures, {
          [`abs_t_${n}`]: absolute,
          [`rel_t_${n}`]: relative,
          [`abs_z_${n}`]: normal,
        });
        expect(absolute).toBeGreaterThan(0.94);
        expect(absolute).toBeLessThan(0.96);
        expect(relative).toBeGreaterThan(0.935);
        expect(relative).toBeLessThan(0.965);
        if (n === 10) expect(normal).toBeLessThan(0.94);
      }
      report('coverage means small n', figures);
    },
  );

  it('Newcombe intervals for two proportions with frequent zero-event arms', SLOW, () => {
    // p_C = 0.1, p_T = 0.2: at n = 10 an arm has no event 35 % (control) / 11 % of the time.
    const figures: Record<string, number> = {};
    for (const n of SIZES) {
      let zeroArms = 0;
      let waldCovered = 0;
      const run = (rng: SeededRandom): Interval => {
        const control = { units: n, successes: rng.binomial(n, 0.1) };
        const treatment = { units: n, successes: rng.binomial(n, 0.2) };
        if (control.successes === 0 || treatment.successes === 0) zeroArms += 1;
        const arms = { control, treatment };
        const wald = twoProportionTest(arms);
        if (wald.status === 'ok' && covers(wald.interval, 0.1)) waldCovered += 1;
        return twoProportionTest({ ...arms, interval: 'newcombe' }).interval;
      };
      const newcombe = measureCoverage(3000 + n, run, 0.1);
      Object.assign(figures, {
        [`newcombe_${n}`]: newcombe,
        [`wald_${n}`]: waldCovered / REPS,
        [`zeroArmShare_${n}`]: zeroArms / REPS,
      });
    }
    report('coverage proportions small n', figures);
    for (const n of SIZES) {
      // Discrete counts make the score interval conservative at small n (never below 0.94).
      expect(figures[`newcombe_${n}`]).toBeGreaterThan(0.94);
      expect(figures[`newcombe_${n}`]).toBeLessThan(0.985);
      expect(figures[`wald_${n}`]).toBeLessThan(figures[`newcombe_${n}`] ?? 0);
    }
  });

  it(
    'Hodges–Lehmann and order-statistic quantile intervals on skewed (lognormal) data',
    SLOW,
    () => {
      const figures: Record<string, number> = {};
      for (const n of SIZES) {
        const lognormal = (rng: SeededRandom) => Math.exp(4 + 0.8 * rng.normal());
        // Pure shift of +10 ms: the Hodges–Lehmann target is exactly 10.
        const shift = measureCoverage(
          4000 + n,
          (rng) =>
            mannWhitneyU({
              control: draw(rng, n, () => lognormal(rng)),
              treatment: draw(rng, n, () => lognormal(rng) + 10),
            }).interval,
          10,
        );
        // Median of the lognormal: e^4.
        const median = measureCoverage(
          5000 + n,
          (rng) =>
            quantileInterval({ values: draw(rng, n, () => lognormal(rng)), probability: 0.5 })
              .interval,
          Math.exp(4),
        );
        Object.assign(figures, { [`hodgesLehmann_${n}`]: shift, [`median_${n}`]: median });
        expect(shift).toBeGreaterThan(0.94);
        expect(shift).toBeLessThan(0.96);
        // Order statistics reach only discrete levels: ≥ 0.95 by construction (n = 10: 0.979).
        expect(median).toBeGreaterThan(0.94);
      }
      report('coverage rank and quantile small n', figures);
    },
  );
});

describe('A/A at 10–50 units per arm', () => {
  it(
    'keeps the Welch t false-positive rate at α = 0.05 on a conversion with zero-event arms',
    SLOW,
    () => {
      const figures: Record<string, number> = {};
      for (const n of SIZES) {
        const rng = createSeededRandom(6000 + n);
        let alarms = 0;
        let declined = 0;
        for (let i = 0; i < REPS; i += 1) {
          const arm = () => {
            const converted = rng.binomial(n, 0.15);
            return summarizeMean({ units: n, sum: converted, sumSquares: converted });
          };
          const lift = estimateLift({ control: arm(), treatment: arm() });
          if (lift.absolute.status !== 'ok') declined += 1;
          else if (lift.absolute.pValue < 0.05) alarms += 1;
        }
        Object.assign(figures, {
          [`falsePositive_${n}`]: alarms / REPS,
          [`declined_${n}`]: declined / REPS,
        });
        expect(alarms / REPS).toBeLessThan(0.05 + 3 * Math.sqrt((0.05 * 0.95) / REPS));
      }
      report('A/A conversion small n', figures);
    },
  );
});
