import { studentTQuantile, studentTSurvival } from './distributions.js';
import { ALTERNATIVES, computeInterval, computePValue } from './internal/test-tails.js';
import { requireFinite, requireOneOf, requireOpenProbability } from './internal/validate-input.js';
import { StatsError } from './stats-error.js';
import { summarizeMean } from './summarize-metric.js';
import type { Alternative, SampleMoments, TestResult } from './types.js';

export interface WelchTestOptions {
  readonly control: SampleMoments;
  readonly treatment: SampleMoments;
  /** Default 'two-sided'. */
  readonly alternative?: Alternative;
  /** Default 0.05. */
  readonly alpha?: number;
  /** H0 value of treatment − control, default 0. */
  readonly nullDifference?: number;
}

/**
 * Welch's unequal-variance t-test of treatment − control, as R's
 * `t.test(treatment, control, var.equal = FALSE)`: SE² = s_T²/n_T + s_C²/n_C (n − 1 variances),
 * Welch–Satterthwaite ν = SE⁴ / (s_T⁴/(n_T²(n_T − 1)) + s_C⁴/(n_C²(n_C − 1))).
 */
export function welchTest(options: WelchTestOptions): TestResult {
  const alternative = requireOneOf(options.alternative ?? 'two-sided', ALTERNATIVES, 'alternative');
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const nullDifference = requireFinite(options.nullDifference ?? 0, 'nullDifference');
  const control = summarizeMean(options.control, 'control');
  const treatment = summarizeMean(options.treatment, 'treatment');
  if (control.units < 2 || treatment.units < 2) {
    throw new StatsError('insufficient_data', 'welchTest needs at least 2 units per arm');
  }
  const variance = control.variance + treatment.variance;
  if (variance === 0) {
    throw new StatsError('insufficient_data', 'welchTest: both arms are constant (variance 0)');
  }
  const standardError = Math.sqrt(variance);
  const degreesOfFreedom =
    (variance * variance) /
    (control.variance ** 2 / (control.units - 1) + treatment.variance ** 2 / (treatment.units - 1));
  const estimate = treatment.mean - control.mean;
  const statistic = (estimate - nullDifference) / standardError;
  return {
    estimate,
    standardError,
    statistic,
    degreesOfFreedom,
    pValue: computePValue(statistic, alternative, (x) => studentTSurvival(x, degreesOfFreedom)),
    interval: computeInterval(estimate, standardError, {
      alternative,
      alpha,
      quantile: (p) => studentTQuantile(p, degreesOfFreedom),
    }),
    alternative,
    alpha,
  };
}
