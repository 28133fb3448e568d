import { describe, expect, it } from 'vitest';
import { simulateRequest, type Feature } from '../src/simulate-request.js';

const feature: Feature = {
  path: '/x',
  flagKey: 'x',
  baseErrorRate: 0.1,
  baseLatencyMs: 10,
  jitterLatencyMs: 10,
};

/** A seeded generator, so the simulated rates are reproducible. */
function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function sample(
  isTreatment: boolean,
  regression: Parameters<typeof simulateRequest>[1]['regression'],
) {
  const random = createRng(3);
  const outcomes = Array.from({ length: 20_000 }, () =>
    simulateRequest(feature, { isTreatment, regression, random }),
  );
  const latencies = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  return {
    errorRate: outcomes.filter((o) => o.fails).length / outcomes.length,
    p95: latencies[Math.floor(0.95 * latencies.length)]!,
  };
}

describe('simulateRequest', () => {
  it('gives control the base error rate and latency, whatever the regression', () => {
    const control = sample(false, { errorMultiplier: 5, latencyFactor: 3 });
    expect(control.errorRate).toBeCloseTo(0.1, 1);
    expect(control.p95).toBeCloseTo(10 + 10 * Math.log(20), 0);
  });

  it('multiplies the treatment error rate and scales its latency', () => {
    const treated = sample(true, { errorMultiplier: 2, latencyFactor: 1.3 });
    const control = sample(false, undefined);
    expect(treated.errorRate).toBeCloseTo(0.2, 1);
    expect(treated.p95 / control.p95).toBeCloseTo(1.3, 1);
  });

  it('adds a fixed latency and caps the error probability at 1', () => {
    const outcome = simulateRequest(feature, {
      isTreatment: true,
      regression: { addedLatencyMs: 50, errorMultiplier: 100 },
      random: () => 0.5,
    });
    expect(outcome.fails).toBe(true);
    expect(outcome.latencyMs).toBeCloseTo(10 + 10 * Math.log(2) + 50, 6);
  });
});
