import { metrics, type Counter, type Histogram } from '@opentelemetry/api';
import type { GuardrailState } from '@tripwire/stats';

/** The guardian's own telemetry, through the OTel API (a no-op until the host registers an SDK). */
export interface GuardianMetrics {
  recordCheck(attributes: { state: GuardrailState; metric: string; action: string }): void;
  recordKill(attributes: { metric: string; flag: string; environment: string }): void;
  /** `trigger`: `interval` (the regular pass) or `telemetry` (an early re-check). */
  recordTick(seconds: number, rollouts: number, trigger?: string): void;
  recordError(stage: string): void;
}

export function createGuardianMetrics(): GuardianMetrics {
  const meter = metrics.getMeter('@tripwire/analysis');
  const checks: Counter = meter.createCounter('tripwire.guardian.checks', {
    description: 'Guardrail checks by resulting state',
  });
  const kills: Counter = meter.createCounter('tripwire.guardian.kills', {
    description: 'Flag kills made by the guardian',
  });
  const errors: Counter = meter.createCounter('tripwire.guardian.errors', {
    description: 'Guardian failures by stage (facts, data, kill, ramp, exemplars, tick)',
  });
  const tick: Histogram = meter.createHistogram('tripwire.guardian.tick.duration', {
    description: 'Time to check every running rollout once',
    unit: 's',
  });
  let lastRollouts = 0;
  meter
    .createObservableGauge('tripwire.guardian.rollouts', {
      description: 'Running rollouts watched at the last tick',
    })
    .addCallback((result) => result.observe(lastRollouts));
  return {
    recordCheck: (attributes) => checks.add(1, attributes),
    recordKill: (attributes) => kills.add(1, attributes),
    recordTick(seconds, rollouts, trigger = 'interval') {
      tick.record(seconds, { trigger });
      lastRollouts = rollouts;
    },
    recordError: (stage) => errors.add(1, { stage }),
  };
}
