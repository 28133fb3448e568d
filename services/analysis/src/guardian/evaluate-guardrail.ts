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
