import { describe, expect, it } from 'vitest';
import { decideGuardrail, StatsError } from '@tripwire/stats';
import type { Guardrail, MeanStats, RatioStats } from '@tripwire/stats';

const errorRate: Guardrail = {
  metric: 'error_rate',
  direction: 'lower_is_better',
  margin: 0.05,
  alpha: 0.05,
  minimumUnits: 100,
};

/** Ratio stats of `units` units with `requests` requests each and errors spread evenly (±1). */
function ratioArm(units: number, requests: number, rate: number): RatioStats {
  // Half the units get ⌈r⌉ errors, half ⌊r⌋, where r = rate·requests (so some variance exists).
  const high = Math.ceil(rate * requests);
  const low = Math.floor(rate * requests);
  const highShare = rate * requests - low;
  const highUnits = Math.round(units * highShare);
  const lowUnits = units - highUnits;
  const sumNumerator = highUnits * high + lowUnits * low;
  return {
    kind: 'ratio',
    units,
    sumNumerator,
    sumDenominator: units * requests,
    sumNumeratorSquares: highUnits * high * high + lowUnits * low * low,
    sumDenominatorSquares: units * requests * requests,
    sumCrossProducts: sumNumerator * requests,
  };
}

function conversionArm(units: number, conversions: number): MeanStats {
  return { kind: 'mean', units, sum: conversions, sumSquares: conversions };
}

describe('decideGuardrail', () => {
  it('is no_traffic when an arm has no units, with no test run', () => {
    const decision = decideGuardrail({
      guardrail: errorRate,
      control: ratioArm(500, 10, 0.05),
      treatment: { ...ratioArm(1, 1, 0), units: 0, sumDenominator: 0, sumDenominatorSquares: 0 },
    });
    expect(decision.state).toBe('no_traffic');
    expect(decision.evidence.test).toBe('none');
    expect(decision.evidence.nPerArm).toEqual({ control: 500, treatment: 0 });
  });

  it('is no_traffic when units were exposed but sent no request', () => {
    const decision = decideGuardrail({
      guardrail: errorRate,
      control: ratioArm(500, 10, 0.05),
      treatment: { ...ratioArm(40, 1, 0), sumDenominator: 0, sumDenominatorSquares: 0 },
    });
    expect(decision.state).toBe('no_traffic');
  });

  it('is collecting below minimumUnits per arm, even with a large difference', () => {
    const decision = decideGuardrail({
      guardrail: errorRate,
      control: ratioArm(99, 10, 0.01),
      treatment: ratioArm(150, 10, 0.5),
    });
    expect(decision.state).toBe('collecting');
    expect(decision.evidence.test).toBe('none');
    expect(decision.evidence.relativeEstimate).toBeGreaterThan(10);
  });

  it('is breached when the error rate doubles on ample traffic, with an always-valid p-value ≤ α', () => {
    const decision = decideGuardrail({
      guardrail: errorRate,
      control: ratioArm(20_000, 10, 0.05),
      treatment: ratioArm(20_000, 10, 0.1),
    });
    expect(decision.state).toBe('breached');
    const { evidence } = decision;
    expect(evidence.test).toBe('asymptotic-confidence-sequence');
    expect(evidence.scale).toBe('relative');
    expect(evidence.relativeEstimate).toBeCloseTo(1, 10);
    expect(evidence.estimate).toBeCloseTo(0.05, 10);
    expect(evidence.interval[0]).toBeGreaterThan(evidence.margin);
    expect(evidence.pValue).toBeLessThanOrEqual(evidence.alpha);
  });

  it('is healthy when equal error rates are measured precisely, and inconclusive on little traffic', () => {
    const healthy = decideGuardrail({
      guardrail: errorRate,
      control: ratioArm(50_000, 20, 0.075),
      treatment: ratioArm(50_000, 20, 0.075),
    });
    expect(healthy.state).toBe('healthy');
    expect(healthy.evidence.interval[1]).toBeLessThan(0.05);
    expect(healthy.evidence.pValue).toBe(1);
    const unsure = decideGuardrail({
      guardrail: errorRate,
      control: ratioArm(200, 5, 0.05),
      treatment: ratioArm(200, 5, 0.06),
    });
    expect(unsure.state).toBe('inconclusive');
    expect(unsure.evidence.pValue).toBeGreaterThan(0.05);
  });

  it('honours higher_is_better: a conversion drop breaches, a conversion rise does not', () => {
    const guardrail: Guardrail = {
      ...errorRate,
      metric: 'conversion',
      direction: 'higher_is_better',
    };
    const drop = decideGuardrail({
      guardrail,
      control: conversionArm(40_000, 4000),
      treatment: conversionArm(40_000, 3000),
    });
    expect(drop.state).toBe('breached');
    const rise = decideGuardrail({
      guardrail,
      control: conversionArm(40_000, 3000),
      treatment: conversionArm(40_000, 4000),
    });
    expect(rise.state).toBe('healthy');
  });

  it('tolerates harm within the margin: +3% with a 5% margin is never breached', () => {
    const decision = decideGuardrail({
      guardrail: errorRate,
      control: ratioArm(200_000, 50, 0.1),
      treatment: ratioArm(200_000, 50, 0.103),
    });
    expect(decision.state).not.toBe('breached');
    expect(decision.evidence.relativeEstimate).toBeCloseTo(0.03, 6);
  });

  it('falls back to the absolute difference against 0 when the control has no errors', () => {
    const decision = decideGuardrail({
      guardrail: errorRate,
      control: ratioArm(5000, 10, 0),
      treatment: ratioArm(5000, 10, 0.25),
    });
    expect(decision.state).toBe('breached');
    expect(decision.evidence.scale).toBe('absolute');
    expect(decision.evidence.margin).toBe(0);
    expect(decision.evidence.relativeEstimate).toBeUndefined();
  });

  it('stays inconclusive when neither arm has any error (no variance to decide on)', () => {
    const decision = decideGuardrail({
      guardrail: errorRate,
      control: ratioArm(5000, 10, 0),
      treatment: ratioArm(5000, 10, 0),
    });
    expect(decision.state).toBe('inconclusive');
    expect(decision.evidence.pValue).toBe(1);
  });

  it('reports an always-valid p-value ≤ α exactly when it breaches', () => {
    const states = new Set<string>();
    for (const rate of [0.05, 0.052, 0.055, 0.058, 0.06, 0.065, 0.08]) {
      for (const units of [200, 2000, 20_000]) {
        for (const direction of ['lower_is_better', 'higher_is_better'] as const) {
          const decision = decideGuardrail({
            guardrail: { ...errorRate, direction },
            control: ratioArm(units, 10, direction === 'lower_is_better' ? 0.05 : rate),
            treatment: ratioArm(units, 10, direction === 'lower_is_better' ? rate : 0.05),
          });
          expect((decision.evidence.pValue ?? 1) <= errorRate.alpha).toBe(
            decision.state === 'breached',
          );
          states.add(decision.state);
        }
      }
    }
    expect([...states].sort()).toEqual(['breached', 'healthy', 'inconclusive']);
  });

  it('rejects statistics of the wrong kind for the metric', () => {
    expect(() =>
      decideGuardrail({
        guardrail: errorRate,
        control: conversionArm(100, 10),
        treatment: conversionArm(100, 10),
      }),
    ).toThrowError(expect.objectContaining({ code: 'metric_mismatch' }) as Error);
    const quantile = {
      kind: 'quantile' as const,
      probability: 0.95,
      units: 10,
      levels: [0.9, 0.95, 0.99],
      values: [1, 2, 3],
      sumBelow: 9,
      sumRequests: 10,
      sumBelowSquares: 9,
      sumRequestsSquares: 10,
      sumBelowRequests: 9,
    };
    expect(() =>
      decideGuardrail({
        guardrail: { ...errorRate, metric: 'latency_p99' },
        control: quantile,
        treatment: quantile,
      }),
    ).toThrowError(/at probability 0.99/);
  });

  it('rejects an invalid guardrail or negative counts with StatsError naming the field', () => {
    const arms = { control: ratioArm(10, 10, 0.1), treatment: ratioArm(10, 10, 0.1) };
    expect(() =>
      decideGuardrail({ guardrail: { ...errorRate, alpha: 1.5 }, ...arms }),
    ).toThrowError(/guardrail.alpha must be in \(0, 1\)/);
    expect(() =>
      decideGuardrail({ guardrail: { ...errorRate, margin: -0.1 }, ...arms }),
    ).toThrowError(StatsError);
    expect(() =>
      decideGuardrail({
        guardrail: errorRate,
        control: arms.control,
        treatment: { ...arms.treatment, sumNumerator: -3 },
      }),
    ).toThrowError(/treatment.sumNumerator/);
    expect(() =>
      decideGuardrail({
        guardrail: errorRate,
        ...arms,
        treatment: { ...arms.treatment, units: -1 },
      }),
    ).toThrowError(expect.objectContaining({ code: 'invalid_count' }) as Error);
  });
});
