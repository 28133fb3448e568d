/**
 * Fixed-horizon power and minimum detectable effect of a two-arm comparison, by the normal
 * approximation on the lift's standard error (the large-sample form online experiments use).
 * Two-sided tests count only the tail the effect lies in, as R's `power.prop.test` and
 * `power.t.test` do by default (`strict = FALSE`); the other tail adds less than alpha / 2.
 */
import { normalCdf, normalQuantile } from './distributions.js';
import {
  requireFinite,
  requireNonNegative,
  requireOneOf,
  requireOpenProbability,
} from './internal/validate-input.js';
import type { Alternative } from './types.js';

const ALTERNATIVES: readonly Alternative[] = ['two-sided', 'greater', 'less'];

export interface PowerOptions {
  /** Standard error of the estimated lift when the effect is true (both arms). */
  standardError: number;
  /**
   * Standard error under the null hypothesis, when it differs (a two-proportion test pools the
   * arms: `power.prop.test`); default `standardError`.
   */
  nullStandardError?: number | undefined;
  /** Significance level; default 0.05. */
  alpha?: number | undefined;
  /** Default 'two-sided'. */
  alternative?: Alternative | undefined;
}

/** The critical value z of the test and the two standard errors, validated. */
function readPowerOptions(options: PowerOptions, where: string) {
  const alpha = requireOpenProbability(options.alpha ?? 0.05, where, 'alpha');
  const alternative = requireOneOf(options.alternative ?? 'two-sided', ALTERNATIVES, where);
  const se = requireNonNegative(options.standardError, where, 'standardError');
  const nullSe = requireNonNegative(options.nullStandardError ?? se, where, 'nullStandardError');
  const z = normalQuantile(alternative === 'two-sided' ? 1 - alpha / 2 : 1 - alpha);
  return { alternative, se, nullSe, z };
}

/**
 * Probability that the test rejects the null when the true lift is `effect` (same scale as the
 * standard errors). One-sided tests have no power against an effect of the other sign.
 */
export function computePower(options: PowerOptions & { effect: number }): number {
  const where = 'computePower';
  const { alternative, se, nullSe, z } = readPowerOptions(options, where);
  const effect = requireFinite(options.effect, where, 'effect');
  const signed =
    alternative === 'less' ? -effect : alternative === 'greater' ? effect : Math.abs(effect);
  if (se === 0) return signed > z * nullSe ? 1 : 0;
  return normalCdf((signed - z * nullSe) / se);
}

/**
 * Smallest true lift (same scale as the standard errors, positive) that the test detects with
 * probability `power`: z · nullSE + z_power · SE. The exact inverse of `computePower`.
 */
export function computeMinimumDetectableEffect(
  options: PowerOptions & { power?: number | undefined },
): number {
  const where = 'computeMinimumDetectableEffect';
  const { se, nullSe, z } = readPowerOptions(options, where);
  const power = requireOpenProbability(options.power ?? 0.8, where, 'power');
  return z * nullSe + normalQuantile(power) * se;
}
