import type { Guardrail } from '@tripwire/schema';
import {
  decideGuardrail,
  type GuardrailDecision,
  type Guardrail as StatsGuardrail,
  type MetricStats,
} from '@tripwire/stats';
import { DEFAULT_GUARDRAIL_ALPHA } from '@tripwire/schema';

/** The schema's guardrail (stored in the flag) as the statistics package takes it. */
export function toStatsGuardrail(guardrail: Guardrail): StatsGuardrail {
  return {
    metric: guardrail.metric,
    direction: guardrail.direction,
    margin: guardrail.margin,
    alpha: guardrail.alpha ?? DEFAULT_GUARDRAIL_ALPHA,
    minimumUnits: guardrail.minSample,
  };
}

/**
 * One always-valid, one-sided non-inferiority decision (see `decideGuardrail` in @tripwire/stats).
 * `targetUnits` (t*) only moves where the intervals are tightest; any value keeps the guarantee.
 */
export function evaluateGuardrail(input: {
  guardrail: Guardrail;
  control: MetricStats;
  treatment: MetricStats;
  targetUnits?: number;
}): GuardrailDecision {
  return decideGuardrail({
    guardrail: toStatsGuardrail(input.guardrail),
    control: input.control,
    treatment: input.treatment,
    ...(input.targetUnits === undefined ? {} : { targetUnits: input.targetUnits }),
  });
}

/**
 * The decision recorded when the facts are impossible (`StatsError` from `decideGuardrail`, e.g.
 * Σx² < (Σx)²/n): a data fault, shown in the decision's `detail`; never kills, never promotes.
 */
export function decideDataFault(
  guardrail: Guardrail,
  units: { control: number; treatment: number },
): GuardrailDecision {
  const empty = { mean: Number.NaN, variance: Number.NaN, units: 0 };
  return {
    state: 'invalid_data',
    evidence: {
      estimate: Number.NaN,
      interval: [-Infinity, Infinity],
      scale: 'relative',
      nPerArm: units,
      test: 'none',
      alpha: guardrail.alpha ?? DEFAULT_GUARDRAIL_ALPHA,
      margin: guardrail.margin,
      control: { ...empty, units: units.control },
      treatment: { ...empty, units: units.treatment },
    },
  };
}
