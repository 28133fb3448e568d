import { describe, expect, it } from 'vitest';
import { decideGuardrail, StatsError } from '@tripwire/stats';
import type {
  CovariateStats,
  Guardrail,
  GuardrailCovariates,
  GuardrailDecision,
  RatioCovariateStats,
  RatioStats,
} from '@tripwire/stats';
import { createSeededRandom } from './seeded-random.js';

const guardrail: Guardrail = {
  metric: 'checkout_errors',
  direction: 'lower_is_better',
  margin: 0,
  alpha: 0.05,
  minimumUnits: 50,
};

/** One unit: errors y of x requests after exposure, u of v before (its own error rate in both). */
interface Unit {
  y: number;
  x: number;
  u: number;
  v: number;
}

/** Deterministic units (seeded): heterogeneous error rates, × `lift` after exposure. */
function drawUnits(seed: number, count: number, lift: number): Unit[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: count }, () => {
    const rate = 0.01 + 0.1 * random.next() ** 2;
    const x = 40 + random.binomial(40, 0.5);
    const v = 40 + random.binomial(40, 0.5);
    return { y: random.binomial(x, Math.min(1, rate * lift)), x, u: random.binomial(v, rate), v };
  });
}

function toCovariateStats(units: readonly Unit[]): RatioCovariateStats {
  const sum = (f: (unit: Unit) => number) => units.reduce((total, unit) => total + f(unit), 0);
  return {
    units: units.length,
    sumNumerator: sum((t) => t.y),
    sumDenominator: sum((t) => t.x),
    sumNumeratorSquares: sum((t) => t.y * t.y),
    sumDenominatorSquares: sum((t) => t.x * t.x),
    sumCrossProducts: sum((t) => t.x * t.y),
    covariateSumNumerator: sum((t) => t.u),
    covariateSumDenominator: sum((t) => t.v),
    covariateSumNumeratorSquares: sum((t) => t.u * t.u),
    covariateSumDenominatorSquares: sum((t) => t.v * t.v),
    covariateSumCrossProducts: sum((t) => t.u * t.v),
    sumNumeratorCovariateNumerator: sum((t) => t.y * t.u),
    sumNumeratorCovariateDenominator: sum((t) => t.y * t.v),
    sumDenominatorCovariateNumerator: sum((t) => t.x * t.u),
    sumDenominatorCovariateDenominator: sum((t) => t.x * t.v),
  };
}

function toRatioStats(stats: RatioCovariateStats): RatioStats {
  const { units, sumNumerator, sumDenominator, sumCrossProducts } = stats;
  const { sumNumeratorSquares, sumDenominatorSquares } = stats;
  return {
    kind: 'ratio',
    ...{ units, sumNumerator, sumDenominator, sumNumeratorSquares, sumDenominatorSquares },
    sumCrossProducts,
  };
}

/** Looks every 10 units per arm, as the guardian's passes would; the decisions per look. */
function monitor(input: { lift: number; isAdjusted: boolean; looks: number }) {
  const control = drawUnits(1, 10 * input.looks, 1);
  const treatment = drawUnits(2, 10 * input.looks, input.lift);
  const decisions: { units: number; decision: GuardrailDecision }[] = [];
  for (let look = 1; look <= input.looks; look += 1) {
    const c = toCovariateStats(control.slice(0, 10 * look));
    const t = toCovariateStats(treatment.slice(0, 10 * look));
    const covariates: GuardrailCovariates = { kind: 'ratio', control: c, treatment: t };
    const decision = decideGuardrail({
      guardrail,
      control: toRatioStats(c),
      treatment: toRatioStats(t),
      targetUnits: 1000,
      ...(input.isAdjusted ? { covariates } : {}),
    });
    decisions.push({ units: 10 * look, decision });
  }
  return decisions;
}

const firstBreach = (decisions: ReturnType<typeof monitor>) =>
  decisions.find((d) => d.decision.state === 'breached')?.units ?? Infinity;

describe('decideGuardrail with CUPED covariates', () => {
  it('breaches a +10 % error-rate regression with fewer units than without the adjustment', () => {
    const adjusted = monitor({ lift: 1.1, isAdjusted: true, looks: 150 });
    const plain = monitor({ lift: 1.1, isAdjusted: false, looks: 150 });
    const [withCuped, without] = [firstBreach(adjusted), firstBreach(plain)];
    if (process.env.STATS_SIM_REPORT === '1')
      console.log({
        withCuped,
        without,
        reduction: adjusted.find((d) => d.units === withCuped)?.decision.evidence.adjustment,
      });
    expect(withCuped).toBeLessThan(Infinity);
    expect(withCuped).toBeLessThan(without);
    const breach = adjusted.find((d) => d.decision.state === 'breached')?.decision;
    expect(breach?.evidence.adjustment?.status).toBe('applied');
    expect(breach?.evidence.adjustment?.varianceReduction).toBeGreaterThan(0.3);
    expect(breach?.evidence.test).toBe('asymptotic-confidence-sequence');
    expect(plain.every((d) => d.decision.evidence.adjustment === undefined)).toBe(true);
  });

  it('never breaches without a regression (same error rates) at any look', () => {
    const decisions = monitor({ lift: 1, isAdjusted: true, looks: 150 });
    expect(decisions.some((d) => d.decision.state === 'breached')).toBe(false);
    expect(decisions.at(-1)?.decision.evidence.adjustment?.status).toBe('applied');
  });

  it('decides on the unadjusted arms, saying why, without pre-exposure data', () => {
    const noPre = drawUnits(3, 200, 1).map((unit) => ({ ...unit, u: 0, v: 0 }));
    const stats = toCovariateStats(noPre);
    const decision = decideGuardrail({
      guardrail,
      control: toRatioStats(stats),
      treatment: toRatioStats(stats),
      covariates: { kind: 'ratio', control: stats, treatment: stats },
    });
    const plain = decideGuardrail({
      guardrail,
      control: toRatioStats(stats),
      treatment: toRatioStats(stats),
    });
    expect(decision.evidence.adjustment).toEqual({
      method: 'cuped',
      status: 'no_pre_period',
      theta: 0,
      varianceReduction: 0,
    });
    expect(decision.evidence.interval).toEqual(plain.evidence.interval);
  });

  it('adjusts mean metrics too, and rejects covariates of another arm or kind', () => {
    const arm = (sum: number): CovariateStats => ({
      units: 100,
      sum,
      sumSquares: sum * 3,
      covariateSum: sum,
      covariateSumSquares: sum * 3,
      sumCrossProducts: sum * 2,
    });
    const mean = (stats: CovariateStats) => ({ kind: 'mean' as const, ...stats });
    const decision = decideGuardrail({
      guardrail,
      control: mean(arm(40)),
      treatment: mean(arm(44)),
      covariates: { kind: 'mean', control: arm(40), treatment: arm(44) },
    });
    expect(decision.evidence.adjustment?.status).toBe('applied');
    const messageOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error instanceof StatsError ? `${error.code}: ${error.message}` : String(error);
      }
      return 'no error';
    };
    expect(
      messageOf(() =>
        decideGuardrail({
          guardrail,
          control: mean(arm(40)),
          treatment: mean(arm(44)),
          covariates: { kind: 'mean', control: arm(40), treatment: arm(45) },
        }),
      ),
    ).toMatch(/^metric_mismatch: covariates.treatment.sum = 45 differs/);
    const ratio = toCovariateStats(drawUnits(4, 100, 1));
    expect(
      messageOf(() =>
        decideGuardrail({
          guardrail,
          control: mean(arm(40)),
          treatment: mean(arm(44)),
          covariates: { kind: 'ratio', control: ratio, treatment: ratio },
        }),
      ),
    ).toMatch(/^metric_mismatch: covariates are 'ratio' statistics but control is 'mean'/);
  });
});
