import { describe, expect, it } from 'vitest';
import type { Guardrail } from '@tripwire/schema';
import { calibrateGuardrail, type UnitMinute } from '../../src/guardian/calibrate-guardrail.js';
import { evaluateGuardrail } from '../../src/guardian/evaluate-guardrail.js';
import { createRng } from '../../src/create-rng.js';

const guardrail = (metric: Guardrail['metric']): Guardrail => ({
  id: metric,
  metric,
  direction: 'lower_is_better',
  margin: 0.05,
  alpha: 0.05,
  minSample: 20,
  action: 'kill',
});

/** 300 units over 6 minutes, 2 requests each per minute, 10% errors, ~20 ms latency. */
function simulateStoredRequests(seed: number): UnitMinute[] {
  const rng = createRng(seed);
  const rows: UnitMinute[] = [];
  for (let minute = 0; minute < 6; minute++) {
    for (let unit = 0; unit < 300; unit++) {
      let errors = 0;
      let latencySumMs = 0;
      let latencySumSquaresMs = 0;
      const histogram: Record<string, number> = {};
      for (let r = 0; r < 2; r++) {
        if (rng() < 0.1) errors++;
        const ms = 10 - Math.log(1 - rng()) * 10;
        latencySumMs += ms;
        latencySumSquaresMs += ms * ms;
        const bucket = String(Math.floor(32 * Math.log2(ms * 1e6)));
        histogram[bucket] = (histogram[bucket] ?? 0) + 1;
      }
      rows.push({
        unitId: `u${unit}`,
        minute,
        requests: 2,
        errors,
        latencySumMs,
        latencySumSquaresMs,
        histogram,
      });
    }
  }
  return rows;
}

/** t* near the replay's size, as `--guardian-target-units` would be set for it. */
const decide: Parameters<typeof calibrateGuardrail>[0]['decide'] = (input) =>
  evaluateGuardrail({ ...input, targetUnits: 300 });

describe('calibrateGuardrail', () => {
  const rows = simulateStoredRequests(7);

  it.each(['error_rate', 'latency_mean', 'latency_p95'] as const)(
    'keeps the A/A false-kill rate of %s under alpha and detects a large injected harm',
    (metric) => {
      const result = calibrateGuardrail({
        guardrail: guardrail(metric),
        rows,
        permutations: 10,
        effect: 0.6,
        random: createRng(11),
        decide,
      });
      expect(result).toMatchObject({ permutations: 10, looks: 6, units: 300 });
      expect(result.falseKillRate).toBeLessThanOrEqual(0.1);
      expect(result.detectedShare).toBeGreaterThan(0.5);
      expect(result.medianDetectionMinutes).toBeGreaterThanOrEqual(1);
    },
    60_000,
  );

  it('does not detect an injected harm smaller than the margin', () => {
    const result = calibrateGuardrail({
      guardrail: { ...guardrail('latency_mean'), margin: 0.5 },
      rows,
      permutations: 5,
      effect: 0.1,
      random: createRng(12),
      decide,
    });
    expect(result.detectedShare).toBe(0);
    expect(result.medianDetectionMinutes).toBeNull();
  }, 60_000);

  it('refuses conversion guardrails, which are not request metrics', () => {
    expect(() =>
      calibrateGuardrail({
        guardrail: guardrail('conversion'),
        rows,
        permutations: 1,
        effect: 0,
        random: createRng(1),
        decide,
      }),
    ).toThrow(/request metrics/);
  });
});
