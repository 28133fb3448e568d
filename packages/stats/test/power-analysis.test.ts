/**
 * Power and MDE against R: `power.prop.test` exactly (its strict = FALSE formula is the normal
 * approximation with the pooled null standard error), and `power.t.test` (noncentral t) to 1e-3
 * at ≥ 1000 units per arm, where the normal approximation this package uses is that close.
 * References: R's documented examples (power.prop.test(n = 50, p1 = .5, p2 = .75) = 0.7401659,
 * power.t.test(n = 20, delta = 1) = 0.8689528) and the same formulas evaluated with scipy 1.17.1
 * (scipy.stats.norm; scipy.stats.nct with R's ncp = sqrt(n/2) delta / sd and nu = 2(n − 1);
 * deltas by brentq on that power).
 */
import { describe, expect, it } from 'vitest';
import { computeMinimumDetectableEffect, computePower, StatsError } from '../src/index.js';

/** power.prop.test's two standard errors for n per arm. */
function proportionErrors(n: number, p1: number, p2: number) {
  const pooled = (p1 + p2) / 2;
  return {
    standardError: Math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n),
    nullStandardError: Math.sqrt((2 * pooled * (1 - pooled)) / n),
  };
}

/** Standard error of a difference of two means with n units per arm. */
const meanError = (n: number, sd = 1) => sd * Math.sqrt(2 / n);

describe('computePower', () => {
  it("equals R's power.prop.test", () => {
    expect(computePower({ effect: 0.25, ...proportionErrors(50, 0.5, 0.75) })).toBeCloseTo(
      0.7401659013313879,
      12,
    );
    expect(computePower({ effect: 0.02, ...proportionErrors(1000, 0.1, 0.12) })).toBeCloseTo(
      0.2977321312482275,
      12,
    );
  });

  it("is within 1e-3 of R's power.t.test at 1000 units per arm", () => {
    const standardError = meanError(1000);
    expect(Math.abs(computePower({ effect: 0.1, standardError }) - 0.608353059692762)).toBeLessThan(
      1e-3,
    );
    const oneSided = computePower({ effect: 0.1, standardError, alternative: 'greater' });
    expect(Math.abs(oneSided - 0.7225579334470176)).toBeLessThan(1e-3);
    // The normal approximation is not a small-sample method: at 20 per arm it is 0.885, not 0.869.
    expect(computePower({ effect: 1, standardError: meanError(20) })).toBeGreaterThan(0.88);
  });

  it('has no power against an effect of the wrong sign in a one-sided test', () => {
    const standardError = meanError(1000);
    expect(computePower({ effect: -0.1, standardError, alternative: 'greater' })).toBeLessThan(
      0.001,
    );
    expect(computePower({ effect: -0.1, standardError, alternative: 'less' })).toBeCloseTo(
      computePower({ effect: 0.1, standardError, alternative: 'greater' }),
      12,
    );
  });
});

describe('computeMinimumDetectableEffect', () => {
  it("is within 1e-3 (relative) of R's power.t.test delta", () => {
    const mde = computeMinimumDetectableEffect({ standardError: meanError(2000) });
    expect(Math.abs(mde / 0.088615191793952 - 1)).toBeLessThan(1e-3);
    const strict = computeMinimumDetectableEffect({
      standardError: meanError(5000, 3),
      alpha: 0.01,
      power: 0.9,
    });
    expect(Math.abs(strict / 0.2314812581930382 - 1)).toBeLessThan(1e-3);
  });

  it('is the inverse of computePower', () => {
    for (const power of [0.5, 0.8, 0.95]) {
      const errors = proportionErrors(800, 0.3, 0.33);
      const effect = computeMinimumDetectableEffect({ ...errors, power, alpha: 0.1 });
      expect(computePower({ ...errors, effect, alpha: 0.1 })).toBeCloseTo(power, 12);
    }
  });

  it('names the field of a bad input', () => {
    expect(() => computeMinimumDetectableEffect({ standardError: -1 })).toThrow(
      /computeMinimumDetectableEffect\.standardError/,
    );
    expect(() => computeMinimumDetectableEffect({ standardError: 1, power: 1 })).toThrow(
      StatsError,
    );
    expect(() => computePower({ effect: Number.NaN, standardError: 1 })).toThrow(
      /computePower\.effect/,
    );
  });
});
