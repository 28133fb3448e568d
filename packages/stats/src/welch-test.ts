import {
  buildInference,
  declineInference,
  hasZeroVariance,
  toComponent,
} from './internal/build-inference.js';
import { ALTERNATIVES } from './internal/test-tails.js';
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
 * An arm with zero variance (a constant sample) declines: status `not_enough_information`.
 */
export function welchTest(options: WelchTestOptions): TestResult {
  const alternative = requireOneOf(options.alternative ?? 'two-sided', ALTERNATIVES, 'alternative');
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const nullValue = requireFinite(options.nullDifference ?? 0, 'nullDifference');
  const control = summarizeMean(options.control, { where: 'control' });
  const treatment = summarizeMean(options.treatment, { where: 'treatment' });
  if (control.units < 2 || treatment.units < 2) {
    throw new StatsError('insufficient_data', 'welchTest needs at least 2 units per arm');
  }
  const estimate = treatment.mean - control.mean;
  const inference = hasZeroVariance(control, treatment)
    ? declineInference(estimate)
    : buildInference({
        estimate,
        components: [toComponent(treatment), toComponent(control)],
        alternative,
        alpha,
        nullValue,
      });
  return { ...inference, alternative, alpha };
}
