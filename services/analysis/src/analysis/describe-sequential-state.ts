/**
 * Whether a comparison is decided and, if not, how many more units it needs: from the
 * always-valid confidence sequence the results use (same t*), so "decided" and the interval on
 * the page always agree. Power and MDE follow the usual normal approximation on top of the
 * sequence's radius: an effect δ is detected with probability `power` once
 * radius(N) + z_power · se(N) ≤ |δ|, with se(N)² = se² · units / N.
 */
import {
  DEFAULT_GUARDRAIL_TARGET_UNITS,
  confidenceSequence,
  normalQuantile,
} from '@tripwire/stats';

/** Power the MDE and the units still needed are stated at. */
export const SEQUENTIAL_POWER = 0.8;
/** The search for units still needed stops at this many times the units so far. */
const MAX_GROWTH = 2 ** 30;

export interface SequentialState {
  /** decided: the always-valid interval excludes 0; keep_running: it does not yet. */
  state: 'decided' | 'keep_running';
  /** The lift scale the effect sizes below are on: relative when the comparison has one. */
  scale: 'absolute' | 'relative';
  /** Smallest true lift (this scale) detected with `power` at the units so far. */
  minimumDetectableEffect: number | null;
  /** More units (both arms) until the current estimate, if true, is detected with `power`; 0 once decided; null when the estimate is 0. */
  additionalUnits: number | null;
  power: number;
}

function detectableAt(input: {
  se: number;
  units: number;
  alpha: number;
  atUnits: number;
  targetUnits: number;
}): number {
  const variance = (input.se * input.se * input.units) / input.atUnits;
  const { radius } = confidenceSequence({
    estimate: 0,
    variance,
    units: input.atUnits,
    alpha: input.alpha,
    targetUnits: input.targetUnits,
  });
  return radius + normalQuantile(SEQUENTIAL_POWER) * Math.sqrt(variance);
}

/** Bisection on N (the detectable effect falls as N grows past t*'s neighbourhood). */
function findUnitsNeeded(input: {
  effect: number;
  se: number;
  units: number;
  alpha: number;
  targetUnits: number;
}) {
  const fits = (n: number) => detectableAt({ ...input, atUnits: n }) <= input.effect;
  let high = input.units * 2;
  while (!fits(high)) {
    if (high > input.units * MAX_GROWTH) return null;
    high *= 2;
  }
  let low = input.units;
  while (high - low > Math.max(1, low * 0.001)) {
    const middle = Math.floor((low + high) / 2);
    if (fits(middle)) high = middle;
    else low = middle;
  }
  return Math.ceil(high);
}

export function describeSequentialState(input: {
  scale: SequentialState['scale'];
  estimate: number | null;
  standardError: number | null;
  alwaysValidInterval: readonly (number | null)[];
  units: number;
  alpha: number;
  /** The sequence's tuning (t*); the guardrail default unless the stats engine sets another. */
  targetUnits?: number | undefined;
}): SequentialState | undefined {
  const { estimate, standardError: se, units, alpha } = input;
  const targetUnits = input.targetUnits ?? DEFAULT_GUARDRAIL_TARGET_UNITS;
  if (estimate === null || se === null || !(se > 0) || !(units > 1)) return undefined;
  const [lower = null, upper = null] = input.alwaysValidInterval;
  const decided = (lower !== null && lower > 0) || (upper !== null && upper < 0);
  const minimumDetectableEffect = detectableAt({ se, units, alpha, atUnits: units, targetUnits });
  const needed =
    decided || estimate === 0
      ? null
      : findUnitsNeeded({ effect: Math.abs(estimate), se, units, alpha, targetUnits });
  return {
    state: decided ? 'decided' : 'keep_running',
    scale: input.scale,
    minimumDetectableEffect: Number.isFinite(minimumDetectableEffect)
      ? minimumDetectableEffect
      : null,
    additionalUnits: decided ? 0 : needed === null ? null : Math.max(0, needed - units),
    power: SEQUENTIAL_POWER,
  };
}
