import { explainCupedLimit, type Guardrail, type MetricDefinition } from '@tripwire/schema';
import {
  decideGuardrail,
  type GuardrailCovariates,
  type GuardrailDecision,
  type Guardrail as StatsGuardrail,
  type MetricStats,
} from '@tripwire/stats';
import { DEFAULT_GUARDRAIL_ALPHA } from '@tripwire/schema';
import type { MetricCovariate } from '../repositories/metrics/metric-kind.js';

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
  covariates?: GuardrailCovariates | undefined;
}): GuardrailDecision {
  return decideGuardrail({
    guardrail: toStatsGuardrail(input.guardrail),
    control: input.control,
    treatment: input.treatment,
    ...(input.targetUnits === undefined ? {} : { targetUnits: input.targetUnits }),
    ...(input.covariates === undefined ? {} : { covariates: input.covariates }),
  });
}

/**
 * Whether a guardrail on this catalog metric decides on CUPED-adjusted estimates: the definition
 * asks for CUPED and CUPED applies to its kind and source. The guardian and calibration both ask.
 */
export function appliesCuped(definition: MetricDefinition): boolean {
  return definition.cuped === true && explainCupedLimit(definition) === undefined;
}

/** Both arms' CUPED inputs as `decideGuardrail` takes them; undefined unless both exist, alike. */
export function pairCovariates(
  covariates: ReadonlyMap<string, MetricCovariate> | undefined,
  arms: { control: string; treatment: string },
): GuardrailCovariates | undefined {
  const control = covariates?.get(arms.control);
  const treatment = covariates?.get(arms.treatment);
  if (control === undefined || treatment === undefined) return undefined;
  if (control.kind === 'mean' && treatment.kind === 'mean')
    return { kind: 'mean', control: control.stats, treatment: treatment.stats };
  if (control.kind === 'ratio' && treatment.kind === 'ratio')
    return { kind: 'ratio', control: control.stats, treatment: treatment.stats };
  return undefined;
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
