import { describe, expect, it } from 'vitest';
import {
  alwaysValidPValue,
  computeMixingUnits,
  confidenceSequence,
  msprtPValue,
} from '@tripwire/stats';
import { relativeError } from './seeded-random.js';

// Reference values: R 4.2.2 re-implementation of confseq (Howard, Waudby-Smith & Ramdas,
// github.com/gostevehoward/confseq, uniform_boundaries.h), boundaries in intrinsic time v = t:
//   best_rho <- function(v, a) v / (2*log(1/a) + log(1 + 2*log(1/a)))
//   two <- function(v, a, vopt) { rho <- best_rho(vopt, a); sqrt((v+rho)*(log(1+v/rho) + 2*log(1/a))) }
//   one <- function(v, a, vopt) { rho <- best_rho(vopt, 2*a)
//     f <- function(s) 0.5*log(4*rho/(v+rho)) + s^2/(2*(v+rho)) +
//                      pnorm(s/sqrt(v+rho), log.p=TRUE) - log(1/a)
//     uniroot(f, c(0, 100*sqrt(v+rho)), tol=1e-14)$root }
// and θ-scale radius = boundary · √variance / √t.
describe('confidenceSequence', () => {
  it.each([
    ['two-sided', 5000, 0.0004, 0.05, 10_000, 0.061671374287367006],
    ['greater', 5000, 0.0004, 0.05, 10_000, 0.056413715779309259],
    ['two-sided', 200, 0.09, 0.01, 10_000, 2.1265221906052689],
    ['less', 200, 0.09, 0.01, 10_000, 2.0797633382243652],
    ['greater', 1e6, 4e-6, 0.1, 1000, 0.0068318864806924543],
  ] as const)(
    'matches the confseq normal mixture (%s, t = %d, var = %d, α = %d, t* = %d)',
    (alternative, units, variance, alpha, targetUnits, expected) => {
      const result = confidenceSequence({
        estimate: 0.5,
        variance,
        units,
        alpha,
        alternative,
        targetUnits,
      });
      expect(relativeError(result.radius, expected)).toBeLessThan(1e-9);
      if (alternative === 'greater')
        expect(result.interval).toEqual([0.5 - result.radius, Infinity]);
      if (alternative === 'less') expect(result.interval).toEqual([-Infinity, 0.5 + result.radius]);
    },
  );

  it('is wider than the fixed-horizon interval at every t, and tightest relative to it near t*', () => {
    const ratios = [100, 1000, 10_000, 100_000, 1_000_000].map((units) => {
      const variance = 1 / units;
      const { radius } = confidenceSequence({ estimate: 0, variance, units, targetUnits: 10_000 });
      return radius / (1.959963984540054 * Math.sqrt(variance));
    });
    ratios.forEach((ratio) => expect(ratio).toBeGreaterThan(1));
    expect(Math.min(...ratios)).toBe(ratios[2]);
  });

  it('uses m = t*/(2 ln(1/α) + ln(1 + 2 ln(1/α))), with 2α one-sided', () => {
    const l = 2 * Math.log(20);
    expect(computeMixingUnits({ targetUnits: 1000, alpha: 0.05 })).toBeCloseTo(
      1000 / (l + Math.log(1 + l)),
      10,
    );
    const l1 = 2 * Math.log(10);
    expect(
      computeMixingUnits({ targetUnits: 1000, alpha: 0.05, alternative: 'greater' }),
    ).toBeCloseTo(1000 / (l1 + Math.log(1 + l1)), 10);
  });
});

describe('alwaysValidPValue', () => {
  // R (same definitions): p = min(1, 1/M), S = estimate·√t/√variance;
  // two-sided ln M = ½ln(m/(t+m)) + S²/(2(t+m)); one-sided adds ln 4 and ln Φ(S/√(t+m)).
  it.each([
    ['two-sided', 0.08, 0.0037417470711162987],
    ['greater', 0.08, 0.0023377139512799814],
    ['greater', 0.03, 0.47982838074251621],
    ['greater', -0.01, 1],
  ] as const)('matches R for %s at estimate %d', (alternative, estimate, expected) => {
    const p = alwaysValidPValue({
      estimate,
      variance: 0.0004,
      units: 5000,
      alternative,
      targetUnits: 10_000,
      tuningAlpha: 0.05,
    });
    expect(relativeError(p, expected)).toBeLessThan(1e-9);
  });

  it('equals α at the boundary of the sequence across extreme t, t* and α (Newton root is exact)', () => {
    for (const units of [1, 10, 1e3, 1e6, 1e9]) {
      for (const targetUnits of [1, 100, 1e4, 1e8]) {
        for (const alpha of [1e-9, 1e-3, 0.05, 0.3]) {
          for (const alternative of ['two-sided', 'greater'] as const) {
            const variance = 1 / units;
            const common = { variance, units, alternative, targetUnits };
            const { radius } = confidenceSequence({ ...common, estimate: 0, alpha });
            expect(Number.isFinite(radius)).toBe(true);
            const p = alwaysValidPValue({ ...common, estimate: radius, tuningAlpha: alpha });
            expect(relativeError(p, alpha)).toBeLessThan(1e-6);
          }
        }
      }
    }
  });

  it('is ≤ α exactly when the confidence sequence with the same m excludes the null', () => {
    for (const alternative of ['two-sided', 'greater', 'less'] as const) {
      for (const estimate of [-0.09, -0.06, -0.03, 0, 0.03, 0.06, 0.09]) {
        const common = { estimate, variance: 0.0004, units: 3000, targetUnits: 10_000 };
        const p = alwaysValidPValue({ ...common, alternative, tuningAlpha: 0.05 });
        const [lower, upper] = confidenceSequence({ ...common, alternative, alpha: 0.05 }).interval;
        expect(p <= 0.05).toBe(lower > 0 || upper < 0);
      }
    }
  });
});

describe('msprtPValue', () => {
  // R: V <- 4e-4; tau2 <- 1e-3; th <- 0.05
  // num <- integrate(function(t) dnorm(th, t, sqrt(V)) * dnorm(t, 0, sqrt(tau2)), -Inf, Inf)$value
  // L <- num / dnorm(th, 0, sqrt(V))   # 4.98165105328787305
  it('matches the mixture likelihood ratio integrated numerically in R', () => {
    const result = msprtPValue({ estimate: 0.05, variance: 4e-4, mixingVariance: 1e-3 });
    expect(relativeError(result.logLikelihoodRatio, 1.605761372895173)).toBeLessThan(1e-9);
    expect(relativeError(result.pValue, 0.20073666126012646)).toBeLessThan(1e-9);
  });

  it('never increases across looks (running minimum)', () => {
    const first = msprtPValue({ estimate: 0.08, variance: 4e-4, mixingVariance: 1e-3 });
    const second = msprtPValue({
      estimate: 0.0,
      variance: 3e-4,
      mixingVariance: 1e-3,
      previousPValue: first.pValue,
    });
    expect(second.pValue).toBe(first.pValue);
  });
});
