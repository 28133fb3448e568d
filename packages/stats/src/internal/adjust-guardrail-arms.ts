import { adjustRatioWithCuped, type RatioCovariateStats } from '../adjust-ratio-with-cuped.js';
import { adjustWithCuped, type CovariateStats } from '../adjust-with-cuped.js';
import { StatsError } from '../stats-error.js';
import type { ArmEstimate, GuardrailAdjustment, MetricStats } from '../types.js';

/** Each arm's pre-exposure covariate of a mean or ratio metric (CUPED input), for `decideGuardrail`. */
export type GuardrailCovariates =
  | {
      readonly kind: 'mean';
      readonly control: CovariateStats;
      readonly treatment: CovariateStats;
    }
  | {
      readonly kind: 'ratio';
      readonly control: RatioCovariateStats;
      readonly treatment: RatioCovariateStats;
    };

/** The post-exposure moments the covariate stats repeat, by the metric stats' field names. */
function postMoments(covariates: GuardrailCovariates, arm: 'control' | 'treatment') {
  if (covariates.kind === 'ratio') {
    const stats = covariates[arm];
    return {
      units: stats.units,
      sumNumerator: stats.sumNumerator,
      sumDenominator: stats.sumDenominator,
    };
  }
  const stats = covariates[arm];
  return { units: stats.units, sum: stats.sum, sumSquares: stats.sumSquares };
}

/** The covariates describe the same arms as the metric stats (same kind, units and sums). */
function requireSameArms(
  covariates: GuardrailCovariates,
  arms: Record<'control' | 'treatment', MetricStats>,
) {
  for (const arm of ['control', 'treatment'] as const) {
    const stats = arms[arm];
    if (stats.kind !== covariates.kind) {
      const reason = stats.kind === 'quantile' ? ': a quantile has no linear CUPED estimator' : '';
      throw new StatsError(
        'metric_mismatch',
        `covariates are '${covariates.kind}' statistics but ${arm} is '${stats.kind}'${reason}`,
      );
    }
    const record = stats as unknown as Record<string, number>;
    for (const [field, value] of Object.entries(postMoments(covariates, arm))) {
      const expected = record[field] ?? NaN;
      if (!(Math.abs(value - expected) <= 1e-9 * Math.max(1, Math.abs(expected)))) {
        throw new StatsError(
          'metric_mismatch',
          `covariates.${arm}.${field} = ${value} differs from ${arm}.${field} = ${expected}: not the same arm`,
        );
      }
    }
  }
}

/** Pooled Σ(x − x̄)² of a mean metric's covariate over both arms (0: constant or absent). */
function pooledCovariateSpread(control: CovariateStats, treatment: CovariateStats): number {
  const n = control.units + treatment.units;
  const sum = control.covariateSum + treatment.covariateSum;
  return control.covariateSumSquares + treatment.covariateSumSquares - (sum * sum) / n;
}

/**
 * The CUPED-adjusted arm estimates a guardrail decides on (`adjustWithCuped` for means,
 * `adjustRatioWithCuped` for ratios), and how the covariates were used; `undefined` arms when
 * an arm has < 2 units (the caller keeps the unadjusted ones).
 */
export function adjustGuardrailArms(
  covariates: GuardrailCovariates,
  arms: Record<'control' | 'treatment', MetricStats>,
): { control?: ArmEstimate; treatment?: ArmEstimate; adjustment: GuardrailAdjustment } {
  requireSameArms(covariates, arms);
  const base = { method: 'cuped', theta: 0, varianceReduction: 0 } as const;
  if (Math.min(covariates.control.units, covariates.treatment.units) < 2)
    return { adjustment: { ...base, status: 'too_few_units' } };
  if (covariates.kind === 'ratio') {
    const result = adjustRatioWithCuped(covariates);
    const { theta, varianceReduction, adjustment: status } = result;
    return { ...result, adjustment: { ...base, status, theta, varianceReduction } };
  }
  const result = adjustWithCuped(covariates);
  const { control, treatment } = covariates;
  const hasPrePeriod = control.covariateSumSquares + treatment.covariateSumSquares > 0;
  const status = !hasPrePeriod
    ? 'no_pre_period'
    : pooledCovariateSpread(control, treatment) > 0
      ? 'applied'
      : 'constant_covariate';
  const { theta, varianceReduction } = result;
  return { ...result, adjustment: { ...base, status, theta, varianceReduction } };
}
