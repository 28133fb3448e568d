import {
  computeCentredCrossProduct,
  computeCentredSquares,
  requireCount,
  requireFinite,
  requireNonNegative,
} from './internal/validate-input.js';
import { StatsError } from './stats-error.js';
import type { ArmEstimate } from './types.js';

/** Per-unit metric y_i and pre-exposure covariate x_i (e.g. the same metric before exposure). */
export interface CovariateStats {
  readonly units: number;
  /** Σ y_i */
  readonly sum: number;
  /** Σ y_i² */
  readonly sumSquares: number;
  /** Σ x_i */
  readonly covariateSum: number;
  /** Σ x_i² */
  readonly covariateSumSquares: number;
  /** Σ x_i·y_i */
  readonly sumCrossProducts: number;
}

export interface CupedResult {
  /** θ = Cov(x, y)/Var(x), pooled over both arms. */
  readonly theta: number;
  readonly control: ArmEstimate;
  readonly treatment: ArmEstimate;
  /** 1 − Var_adjusted/Var_unadjusted of the difference (≈ corr(x, y)²). */
  readonly varianceReduction: number;
}

/** Checks counts, finiteness and that the moments are possible (`impossible_moments` if not). */
function validate(stats: CovariateStats, where: string): void {
  requireCount(stats.units, where, 'units');
  if (stats.units < 2) throw new StatsError('insufficient_data', `${where}.units must be ≥ 2`);
  const units = stats.units;
  const sum = requireFinite(stats.sum, where, 'sum');
  const sumSquares = requireNonNegative(stats.sumSquares, where, 'sumSquares');
  const covariateSum = requireFinite(stats.covariateSum, where, 'covariateSum');
  const covariateSquares = requireNonNegative(
    stats.covariateSumSquares,
    where,
    'covariateSumSquares',
  );
  const sumXY = requireFinite(stats.sumCrossProducts, where, 'sumCrossProducts');
  const cyy = computeCentredSquares({ units, sum, sumSquares }, where, 'sumSquares');
  const cxx = computeCentredSquares(
    { units, sum: covariateSum, sumSquares: covariateSquares },
    where,
    'covariateSumSquares',
  );
  computeCentredCrossProduct(
    { units, sumX: covariateSum, sumY: sum, sumXY, cxx, cyy },
    where,
    'sumCrossProducts',
  );
}

function covariance(n: number, sumA: number, sumB: number, sumAB: number): number {
  return (sumAB - (sumA * sumB) / n) / (n - 1);
}

/**
 * Adjusted arm: ȳ − θ(x̄ − x̄_pooled), Var = (s_yy − 2θ s_xy + θ² s_xx)/n (n − 1 moments), with
 * n − 2 degrees of freedom (a residual variance about an estimated slope).
 */
function adjustArm(stats: CovariateStats, theta: number, pooledMean: number): ArmEstimate {
  const n = stats.units;
  const syy = covariance(n, stats.sum, stats.sum, stats.sumSquares);
  const sxy = covariance(n, stats.covariateSum, stats.sum, stats.sumCrossProducts);
  const sxx = covariance(n, stats.covariateSum, stats.covariateSum, stats.covariateSumSquares);
  const mean = stats.sum / n - theta * (stats.covariateSum / n - pooledMean);
  // Positive semi-definite (moments validated); max(0, ·) only absorbs rounding.
  const variance = Math.max(0, syy - 2 * theta * sxy + theta * theta * sxx) / n;
  return {
    mean,
    variance,
    units: n,
    degreesOfFreedom: theta === 0 ? n - 1 : n - 2,
    unadjustedMean: stats.sum / n,
  };
}

/**
 * CUPED (Deng, Xu, Kohavi & Walker 2013, "Improving the sensitivity of online controlled
 * experiments by utilizing pre-experiment data", WSDM): θ from the pooled (both arms) moments,
 * each arm's mean adjusted by θ times its covariate's deviation from the pooled covariate mean.
 * Feed the returned arms to `estimateLift` / `welchTest`-style comparisons.
 */
export function adjustWithCuped(options: {
  readonly control: CovariateStats;
  readonly treatment: CovariateStats;
}): CupedResult {
  const { control, treatment } = options;
  validate(control, 'control');
  validate(treatment, 'treatment');
  const n = control.units + treatment.units;
  const sumX = control.covariateSum + treatment.covariateSum;
  const sumY = control.sum + treatment.sum;
  const sxx = covariance(
    n,
    sumX,
    sumX,
    control.covariateSumSquares + treatment.covariateSumSquares,
  );
  const sxy = covariance(n, sumX, sumY, control.sumCrossProducts + treatment.sumCrossProducts);
  const theta = sxx > 0 ? sxy / sxx : 0;
  const pooledMean = sumX / n;
  const adjustedControl = adjustArm(control, theta, pooledMean);
  const adjustedTreatment = adjustArm(treatment, theta, pooledMean);
  const raw = adjustArm(control, 0, 0).variance + adjustArm(treatment, 0, 0).variance;
  const adjusted = adjustedControl.variance + adjustedTreatment.variance;
  return {
    theta,
    control: adjustedControl,
    treatment: adjustedTreatment,
    varianceReduction: raw > 0 ? 1 - adjusted / raw : 0,
  };
}
