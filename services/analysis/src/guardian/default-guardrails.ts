import type { Guardrail } from '@tripwire/schema';

/** Relative harm tolerated by the default guardrails before a kill (10% worse than control). */
export const DEFAULT_GUARDRAIL_MARGIN = 0.1;
/** Units per arm before the default guardrails decide anything. */
export const DEFAULT_GUARDRAIL_MIN_SAMPLE = 100;

/**
 * Guardrails of every rollout that declares none: error rate and p95 latency of the services
 * that evaluate the flag (no `service` filter = every service whose spans carry the flag's
 * variant), one-sided, killing on breach.
 */
export function defaultGuardrails(): Guardrail[] {
  return [
    {
      id: 'default-error-rate',
      metric: 'error_rate',
      direction: 'lower_is_better',
      margin: DEFAULT_GUARDRAIL_MARGIN,
      alpha: 0.05,
      minSample: DEFAULT_GUARDRAIL_MIN_SAMPLE,
      action: 'kill',
    },
    {
      id: 'default-latency-p95',
      metric: 'latency_p95',
      direction: 'lower_is_better',
      margin: DEFAULT_GUARDRAIL_MARGIN,
      alpha: 0.05,
      minSample: DEFAULT_GUARDRAIL_MIN_SAMPLE,
      action: 'kill',
    },
  ];
}
