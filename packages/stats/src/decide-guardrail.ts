import { alwaysValidPValue, confidenceSequence } from './confidence-sequence.js';
import { computeRelativeVariance } from './estimate-lift.js';
import {
  requireCount,
  requireFinite,
  requireNonNegative,
  requireOneOf,
  requireOpenProbability,
} from './internal/validate-input.js';
import { findBuiltinMetric } from '@tripwire/schema';
import { adjustGuardrailArms, type GuardrailCovariates } from './internal/adjust-guardrail-arms.js';
import { StatsError } from './stats-error.js';
import { summarizeMetric } from './summarize-metric.js';
import type {
  ArmEstimate,
  Guardrail,
  GuardrailDecision,
  GuardrailEvidence,
  GuardrailMetric,
  GuardrailState,
  MetricStats,
} from './types.js';

/** Default t* (both arms' units together) at which the guardrail's confidence sequence is tightest. */
export const DEFAULT_GUARDRAIL_TARGET_UNITS = 10_000;

/** The statistics kind (and quantile level) a metric's arms must have, when the metric is known. */
function expectedStatsKind(
  metric: GuardrailMetric,
): { kind: MetricStats['kind']; probability?: number } | undefined {
  const definition = findBuiltinMetric(metric);
  if (definition === undefined) return undefined;
  if (definition.kind === 'quantile')
    return { kind: 'quantile', probability: definition.quantile ?? NaN };
  return { kind: definition.kind === 'ratio' ? 'ratio' : 'mean' };
}

export interface DecideGuardrailOptions {
  readonly guardrail: Guardrail;
  readonly control: MetricStats;
  readonly treatment: MetricStats;
  /** t* of the confidence sequence, in units of both arms together; default 10,000. */
  readonly targetUnits?: number;
  /**
   * Each arm's pre-exposure covariate (mean or ratio metrics): the sequence then tests the
   * CUPED-adjusted estimates and variances, and the evidence says so (`adjustment`).
   */
  readonly covariates?: GuardrailCovariates;
}

function validateGuardrail(guardrail: Guardrail): void {
  if (typeof guardrail.metric !== 'string' || guardrail.metric === '') {
    throw new StatsError('invalid_option', 'guardrail.metric must be a metric id');
  }
  requireOneOf(guardrail.direction, ['lower_is_better', 'higher_is_better'], 'guardrail.direction');
  if (!(requireFinite(guardrail.margin, 'guardrail.margin') >= 0)) {
    throw new StatsError('invalid_option', `guardrail.margin must be ≥ 0, got ${guardrail.margin}`);
  }
  requireOpenProbability(guardrail.alpha, 'guardrail.alpha');
  requireCount(guardrail.minimumUnits, 'guardrail.minimumUnits');
}

function requireMatchingKind(guardrail: Guardrail, stats: MetricStats, where: string): void {
  const expected = expectedStatsKind(guardrail.metric);
  if (expected === undefined) return;
  const probabilityOk =
    stats.kind !== 'quantile' ||
    Math.abs(stats.probability - (expected.probability ?? NaN)) < 1e-12;
  if (stats.kind !== expected.kind || !probabilityOk) {
    throw new StatsError(
      'metric_mismatch',
      `${where} must be '${expected.kind}' statistics${expected.probability === undefined ? '' : ` at probability ${expected.probability}`} for guardrail metric '${guardrail.metric}', got '${stats.kind}'`,
    );
  }
}

/** Both arms of one comparison are statistics of the same kind (and quantile level). */
function requireSameKind(control: MetricStats, treatment: MetricStats): void {
  const sameLevel =
    control.kind !== 'quantile' ||
    treatment.kind !== 'quantile' ||
    Math.abs(control.probability - treatment.probability) < 1e-12;
  if (control.kind !== treatment.kind || !sameLevel) {
    throw new StatsError(
      'metric_mismatch',
      `control and treatment must be statistics of one kind, got '${control.kind}' and '${treatment.kind}'`,
    );
  }
}

const NON_NEGATIVE_FIELDS: Record<MetricStats['kind'], readonly string[]> = {
  mean: ['units', 'sum', 'sumSquares'],
  ratio: [
    'units',
    'sumNumerator',
    'sumDenominator',
    'sumNumeratorSquares',
    'sumDenominatorSquares',
    'sumCrossProducts',
  ],
  quantile: [
    'units',
    'sumBelow',
    'sumRequests',
    'sumBelowSquares',
    'sumRequestsSquares',
    'sumBelowRequests',
  ],
};

/**
 * Guardrail metrics count errors, requests, latency or conversions: every sum is ≥ 0, and an
 * arm without units (or, for a ratio or quantile, without requests) has nothing in any sum.
 * Moments no data produce throw `impossible_moments` naming the arm and field.
 */
function requireNonNegativeSums(stats: MetricStats, where: string): void {
  const record = stats as unknown as Record<string, number>;
  const [unitsField, ...sums] = NON_NEGATIVE_FIELDS[stats.kind];
  requireCount(record[unitsField ?? 'units'] ?? NaN, where, 'units');
  for (const field of sums) requireNonNegative(record[field] ?? NaN, where, field);
  const isEmpty = hasNoTraffic(stats);
  const stray = isEmpty ? sums.find((field) => record[field] !== 0) : undefined;
  if (stray !== undefined) {
    const basis = stats.units === 0 ? 'units is 0' : 'the arm has no requests';
    throw new StatsError(
      'impossible_moments',
      `${where}.${stray} = ${record[stray]} but ${where}.${basis}: impossible moments`,
    );
  }
}

/** True when an arm has no unit or nothing to measure (no requests for a ratio or quantile). */
function hasNoTraffic(stats: MetricStats): boolean {
  if (stats.units === 0) return true;
  if (stats.kind === 'ratio') return stats.sumDenominator === 0;
  if (stats.kind === 'quantile') return stats.sumRequests === 0;
  return false;
}

const EMPTY_ARM: ArmEstimate = { mean: NaN, variance: NaN, units: 0 };

/**
 * Guardrail decision for one treatment arm against control, safe to call at every look: a
 * one-sided always-valid test (asymptotic confidence sequence) of the harm h = ±(T/C − 1) against
 * the non-inferiority margin m. `breached` when the sequence's lower bound of h exceeds m
 * (P(ever breached | h ≤ m) ≤ alpha), `healthy` when its upper bound is below m, else
 * `inconclusive`; `no_traffic` when an arm has nothing to measure, `collecting` below
 * `minimumUnits` per arm. If the control value is 0 the absolute difference is tested against 0.
 * With `covariates`, the same test on the CUPED-adjusted arms (any asymptotically normal
 * estimator keeps the sequence's guarantee; README, "Guardrail decision").
 */
export function decideGuardrail(options: DecideGuardrailOptions): GuardrailDecision {
  const { guardrail, control, treatment } = options;
  validateGuardrail(guardrail);
  requireMatchingKind(guardrail, control, 'control');
  requireMatchingKind(guardrail, treatment, 'treatment');
  requireSameKind(control, treatment);
  requireNonNegativeSums(control, 'control');
  requireNonNegativeSums(treatment, 'treatment');
  const targetUnits = options.targetUnits ?? DEFAULT_GUARDRAIL_TARGET_UNITS;
  const nPerArm = { control: control.units, treatment: treatment.units };
  const base = { nPerArm, alpha: guardrail.alpha, test: 'none' as const };
  if (hasNoTraffic(control) || hasNoTraffic(treatment)) {
    return {
      state: 'no_traffic',
      evidence: {
        ...base,
        estimate: NaN,
        interval: [-Infinity, Infinity],
        scale: 'relative',
        margin: guardrail.margin,
        control: hasNoTraffic(control) ? EMPTY_ARM : summarizeMetric(control, { where: 'control' }),
        treatment: hasNoTraffic(treatment)
          ? EMPTY_ARM
          : summarizeMetric(treatment, { where: 'treatment' }),
      },
    };
  }
  const adjusted =
    options.covariates === undefined
      ? undefined
      : adjustGuardrailArms(options.covariates, { control, treatment });
  const armControl =
    adjusted?.control ?? summarizeMetric(control, { alpha: guardrail.alpha, where: 'control' });
  const armTreatment =
    adjusted?.treatment ??
    summarizeMetric(treatment, { alpha: guardrail.alpha, where: 'treatment' });
  const evidence = {
    ...buildEvidence(guardrail, armControl, armTreatment, targetUnits),
    ...(adjusted === undefined ? {} : { adjustment: adjusted.adjustment }),
  };
  if (Math.min(control.units, treatment.units) < guardrail.minimumUnits) {
    return { state: 'collecting', evidence: { ...evidence, test: 'none' } };
  }
  return { state: classifyEvidence(guardrail, evidence), evidence };
}

function classifyEvidence(guardrail: Guardrail, evidence: GuardrailEvidence): GuardrailState {
  const sign = guardrail.direction === 'lower_is_better' ? 1 : -1;
  const [lower, upper] = evidence.interval;
  const lowerHarm = sign === 1 ? lower : -upper;
  const upperHarm = sign === 1 ? upper : -lower;
  if (lowerHarm > evidence.margin) return 'breached';
  if (upperHarm < evidence.margin) return 'healthy';
  return 'inconclusive';
}

function buildEvidence(
  guardrail: Guardrail,
  control: ArmEstimate,
  treatment: ArmEstimate,
  targetUnits: number,
): GuardrailEvidence {
  const estimate = treatment.mean - control.mean;
  const isRelative = control.mean !== 0;
  const theta = isRelative ? treatment.mean / control.mean - 1 : estimate;
  const rawVariance = isRelative
    ? computeRelativeVariance({ control, treatment })
    : control.variance + treatment.variance;
  const variance = Number.isFinite(rawVariance) ? rawVariance : Infinity;
  const margin = isRelative ? guardrail.margin : 0;
  const units = control.units + treatment.units;
  const sign = guardrail.direction === 'lower_is_better' ? 1 : -1;
  // Zero variance (e.g. no error in either arm) is not enough information: inconclusive.
  const isUsable = Number.isFinite(variance) && variance > 0;
  const radius = isUsable
    ? confidenceSequence({
        estimate: theta,
        variance,
        units,
        alpha: guardrail.alpha,
        alternative: 'greater',
        targetUnits,
      }).radius
    : Infinity;
  const pValue = isUsable
    ? alwaysValidPValue({
        estimate: sign * theta,
        variance,
        units,
        nullValue: margin,
        alternative: 'greater',
        targetUnits,
        tuningAlpha: guardrail.alpha,
      })
    : 1;
  return {
    estimate,
    ...(isRelative ? { relativeEstimate: theta } : {}),
    interval: [theta - radius, theta + radius],
    scale: isRelative ? 'relative' : 'absolute',
    nPerArm: { control: control.units, treatment: treatment.units },
    test: 'asymptotic-confidence-sequence',
    alpha: guardrail.alpha,
    margin,
    pValue,
    control,
    treatment,
  };
}
