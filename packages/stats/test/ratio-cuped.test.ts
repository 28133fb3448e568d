import { describe, expect, it } from 'vitest';
import { adjustRatioWithCuped, StatsError, summarizeRatio } from '@tripwire/stats';
import type { RatioCovariateStats } from '@tripwire/stats';
import { createSeededRandom, relativeError } from './seeded-random.js';

/** Per unit [y, x, u, v]: post numerator and denominator, pre-exposure numerator and denominator. */
type Row = readonly [number, number, number, number];

function toStats(rows: readonly Row[]): RatioCovariateStats {
  const sum = (f: (r: Row) => number) => rows.reduce((total, r) => total + f(r), 0);
  return {
    units: rows.length,
    sumNumerator: sum((r) => r[0]),
    sumDenominator: sum((r) => r[1]),
    sumNumeratorSquares: sum((r) => r[0] ** 2),
    sumDenominatorSquares: sum((r) => r[1] ** 2),
    sumCrossProducts: sum((r) => r[0] * r[1]),
    covariateSumNumerator: sum((r) => r[2]),
    covariateSumDenominator: sum((r) => r[3]),
    covariateSumNumeratorSquares: sum((r) => r[2] ** 2),
    covariateSumDenominatorSquares: sum((r) => r[3] ** 2),
    covariateSumCrossProducts: sum((r) => r[2] * r[3]),
    sumNumeratorCovariateNumerator: sum((r) => r[0] * r[2]),
    sumNumeratorCovariateDenominator: sum((r) => r[0] * r[3]),
    sumDenominatorCovariateNumerator: sum((r) => r[1] * r[2]),
    sumDenominatorCovariateDenominator: sum((r) => r[1] * r[3]),
  };
}

/**
 * Independent reference from rows, the delta method in matrix form (as numpy below): S = the
 * 4 × 4 sample covariance of the unit rows / n, gradients of f = ȳ/x̄ and g = ū/v̄ at the means,
 * θ = Σ gf'S gg / Σ gg'S gg, Var(f − θg) = w'Sw with w = gf − θ·gg.
 */
function referenceFromRows(control: readonly Row[], treatment: readonly Row[]) {
  const arm = (rows: readonly Row[]) => {
    const n = rows.length;
    const m = [0, 1, 2, 3].map((j) => rows.reduce((s, r) => s + r[j]!, 0) / n);
    const cov = (i: number, j: number) =>
      rows.reduce((s, r) => s + (r[i]! - m[i]!) * (r[j]! - m[j]!), 0) / (n - 1) / n;
    const quad = (a: number[], b: number[]) =>
      a.reduce((s, ai, i) => s + b.reduce((t, bj, j) => t + ai * cov(i, j) * bj, 0), 0);
    const gf = [1 / m[1]!, -m[0]! / m[1]! ** 2, 0, 0];
    const gg = [0, 0, 1 / m[3]!, -m[2]! / m[3]! ** 2];
    return { quad, gf, gg, f: m[0]! / m[1]!, g: m[2]! / m[3]! };
  };
  const [c, t] = [arm(control), arm(treatment)];
  const theta =
    (c.quad(c.gf, c.gg) + t.quad(t.gf, t.gg)) / (c.quad(c.gg, c.gg) + t.quad(t.gg, t.gg));
  const all = [...control, ...treatment];
  const pooled = all.reduce((s, r) => s + r[2], 0) / all.reduce((s, r) => s + r[3], 0);
  const adjust = (a: typeof c) => {
    const w = a.gf.map((gi, i) => gi - theta * a.gg[i]!);
    return { mean: a.f - theta * (a.g - pooled), variance: a.quad(w, w) };
  };
  return { theta, control: adjust(c), treatment: adjust(t) };
}

// numpy 2.4.6 (np.cov(Z.T, ddof=1)/n and the same gradients), from these rows:
const CONTROL: Row[] = [
  [2, 10, 1, 8],
  [0, 4, 0, 5],
  [5, 12, 4, 11],
  [1, 7, 1, 6],
  [3, 9, 2, 9],
  [0, 3, 0, 0],
  [4, 15, 3, 12],
  [2, 6, 1, 7],
  [1, 8, 0, 4],
  [6, 14, 5, 13],
];
const TREATMENT: Row[] = [
  [3, 9, 1, 7],
  [1, 5, 0, 4],
  [6, 11, 4, 10],
  [2, 8, 1, 8],
  [0, 2, 0, 0],
  [5, 13, 3, 12],
  [2, 7, 2, 6],
  [4, 10, 2, 9],
  [7, 16, 5, 14],
];

describe('adjustRatioWithCuped', () => {
  it('matches θ, adjusted ratios and delta-method variances computed with numpy from rows', () => {
    const result = adjustRatioWithCuped({
      control: toStats(CONTROL),
      treatment: toStats(TREATMENT),
    });
    expect(result.adjustment).toBe('applied');
    expect(relativeError(result.theta, 0.8082576327912674)).toBeLessThan(1e-9);
    expect(relativeError(result.control.mean, 0.28461887927868446)).toBeLessThan(1e-9);
    expect(relativeError(result.control.variance, 0.00036665195125658946)).toBeLessThan(1e-9);
    expect(relativeError(result.treatment.mean, 0.35762936335100065)).toBeLessThan(1e-9);
    expect(relativeError(result.treatment.variance, 0.0004451934008079276)).toBeLessThan(1e-9);
    expect(relativeError(result.varianceReduction, 0.7420360478034704)).toBeLessThan(1e-9);
    expect(result.control.unadjustedMean).toBeCloseTo(24 / 88, 14);
    expect(result.control.degreesOfFreedom).toBe(8);
  });

  it('equals the matrix-form delta method on 50 seeded data sets (units with and without a pre-period)', () => {
    const random = createSeededRandom(17);
    const draw = (n: number): Row[] =>
      Array.from({ length: n }, () => {
        const rate = random.next();
        const x = 1 + Math.floor(random.next() * 20);
        const v = random.next() < 0.2 ? 0 : 1 + Math.floor(random.next() * 20);
        return [random.binomial(x, rate), x, random.binomial(v, rate), v] as const;
      });
    for (let i = 0; i < 50; i += 1) {
      const [control, treatment] = [draw(5 + i), draw(40 - (i % 30))];
      const result = adjustRatioWithCuped({
        control: toStats(control),
        treatment: toStats(treatment),
      });
      const reference = referenceFromRows(control, treatment);
      expect(relativeError(result.theta, reference.theta)).toBeLessThan(1e-9);
      for (const arm of ['control', 'treatment'] as const) {
        expect(relativeError(result[arm].mean, reference[arm].mean)).toBeLessThan(1e-9);
        expect(relativeError(result[arm].variance, reference[arm].variance)).toBeLessThan(1e-7);
      }
    }
  });

  it('reduces the variance by about corr² with a real pre-period correlation, and the reported variance is the sampling variance', () => {
    // A/A: each unit has its own error rate (beta-like spread), the same before and after exposure.
    const random = createSeededRandom(2026);
    const unit = (): Row => {
      const rate = 0.02 + 0.3 * random.next() ** 2;
      const x = 10 + random.binomial(40, 0.5);
      const v = 10 + random.binomial(40, 0.5);
      return [random.binomial(x, rate), x, random.binomial(v, rate), v];
    };
    const differences = { adjusted: [] as number[], raw: [] as number[] };
    const reported = { adjusted: 0, raw: 0, reduction: 0 };
    const runs = 1000;
    for (let run = 0; run < runs; run += 1) {
      const control = toStats(Array.from({ length: 150 }, unit));
      const treatment = toStats(Array.from({ length: 150 }, unit));
      const result = adjustRatioWithCuped({ control, treatment });
      const raw = [summarizeRatio(control), summarizeRatio(treatment)] as const;
      differences.adjusted.push(result.treatment.mean - result.control.mean);
      differences.raw.push(raw[1].mean - raw[0].mean);
      reported.adjusted += (result.treatment.variance + result.control.variance) / runs;
      reported.raw += (raw[0].variance + raw[1].variance) / runs;
      reported.reduction += result.varianceReduction / runs;
    }
    const variance = (values: number[]) => {
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      return values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
    };
    const empirical = { adjusted: variance(differences.adjusted), raw: variance(differences.raw) };
    if (process.env.STATS_SIM_REPORT === '1') console.log({ reported, empirical });
    // Reported variances within 15 % of the sampling variances (Monte-Carlo SE ≈ 4.5 %).
    expect(relativeError(reported.adjusted, empirical.adjusted)).toBeLessThan(0.15);
    expect(relativeError(reported.raw, empirical.raw)).toBeLessThan(0.15);
    // The pre-period explains a good part of the between-unit spread.
    expect(reported.reduction).toBeGreaterThan(0.4);
    expect(1 - empirical.adjusted / empirical.raw).toBeGreaterThan(0.4);
  });

  it('removes all variance of the difference when the covariate is the metric itself (θ = 1)', () => {
    const same = (rows: Row[]): Row[] => rows.map(([y, x]) => [y, x, y, x]);
    const result = adjustRatioWithCuped({
      control: toStats(same(CONTROL)),
      treatment: toStats(same(TREATMENT)),
    });
    expect(result.theta).toBeCloseTo(1, 12);
    expect(result.treatment.mean - result.control.mean).toBeCloseTo(0, 12);
    expect(result.varianceReduction).toBeCloseTo(1, 9);
  });

  it('leaves the ratios unadjusted (θ = 0, no_pre_period) when an arm has no pre-period data', () => {
    const noPre = TREATMENT.map(([y, x]): Row => [y, x, 0, 0]);
    for (const treatment of [noPre, TREATMENT]) {
      const control = treatment === noPre ? CONTROL : CONTROL.map(([y, x]): Row => [y, x, 0, 0]);
      const result = adjustRatioWithCuped({
        control: toStats(control),
        treatment: toStats(treatment),
      });
      expect(result.adjustment).toBe('no_pre_period');
      expect(result.theta).toBe(0);
      expect(result.varianceReduction).toBe(0);
      const plain = summarizeRatio(toStats(treatment));
      expect(result.treatment.mean).toBe(plain.mean);
      expect(result.treatment.variance).toBe(plain.variance);
      expect(result.treatment.unadjustedMean).toBe(plain.mean);
    }
  });

  it('leaves the ratios unadjusted (constant_covariate) when the pre-period ratio does not vary', () => {
    // Every unit's pre-period ratio is 1/2: the linearised covariate is 0 for every unit.
    const constant = (rows: Row[]): Row[] =>
      rows.map(([y, x], i): Row => [y, x, i + 1, 2 * (i + 1)]);
    const result = adjustRatioWithCuped({
      control: toStats(constant(CONTROL)),
      treatment: toStats(constant(TREATMENT)),
    });
    expect(result.adjustment).toBe('constant_covariate');
    expect(result.theta).toBe(0);
    expect(result.control.variance).toBe(summarizeRatio(toStats(CONTROL)).variance);
  });

  it('throws for fewer than 2 units, an empty denominator and impossible moments, naming the field', () => {
    const control = toStats(CONTROL);
    const treatment = toStats(TREATMENT);
    const codeOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error instanceof StatsError ? `${error.code}: ${error.message}` : String(error);
      }
      return 'no error';
    };
    expect(
      codeOf(() => adjustRatioWithCuped({ control: toStats(CONTROL.slice(0, 1)), treatment })),
    ).toMatch(/^insufficient_data: control.units/);
    const empty = toStats(TREATMENT.map(([, , u, v]): Row => [0, 0, u, v]));
    expect(codeOf(() => adjustRatioWithCuped({ control, treatment: empty }))).toMatch(
      /^insufficient_data: treatment.sumDenominator/,
    );
    expect(
      codeOf(() =>
        adjustRatioWithCuped({
          control,
          treatment: { ...treatment, sumNumeratorCovariateNumerator: 1e6 },
        }),
      ),
    ).toMatch(/^impossible_moments: treatment.sumNumeratorCovariateNumerator/);
    expect(
      codeOf(() =>
        adjustRatioWithCuped({ control: { ...control, covariateSumDenominator: -1 }, treatment }),
      ),
    ).toMatch(/^invalid_count: control.covariateSumDenominator/);
  });
});
