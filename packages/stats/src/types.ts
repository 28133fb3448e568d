/**
 * Input and output shapes shared by the functions of `@tripwire/stats`.
 * Inputs are sufficient statistics that ClickHouse computes per arm (see README, "Inputs").
 */

/** Direction of the alternative hypothesis for `treatment − control` (or `treatment / control − 1`). */
export type Alternative = 'two-sided' | 'greater' | 'less';

/** A closed interval `[lower, upper]`; a one-sided interval has an infinite end. */
export type Interval = readonly [lower: number, upper: number];

/** Moments of one per-unit value y_i over the n units of an arm: n, Σy_i, Σy_i². */
export interface SampleMoments {
  readonly units: number;
  readonly sum: number;
  readonly sumSquares: number;
}

/** A per-unit mean metric (conversion 0/1, revenue per unit, …): estimate Σy_i / n. */
export interface MeanStats extends SampleMoments {
  readonly kind: 'mean';
}

/**
 * A ratio metric over units, estimate Σy_i / Σx_i (error rate: y_i = errors of unit i,
 * x_i = requests of unit i; mean latency: y_i = total latency of unit i, x_i = requests).
 * The per-unit sums are formed first, then their moments across units.
 */
export interface RatioStats {
  readonly kind: 'ratio';
  readonly units: number;
  /** Σ_i y_i */
  readonly sumNumerator: number;
  /** Σ_i x_i */
  readonly sumDenominator: number;
  /** Σ_i y_i² */
  readonly sumNumeratorSquares: number;
  /** Σ_i x_i² */
  readonly sumDenominatorSquares: number;
  /** Σ_i y_i·x_i */
  readonly sumCrossProducts: number;
}

/**
 * A quantile of a per-request value (p50/p95/p99 latency) with requests clustered in units:
 * Deng, Knoblich & Lu (2018), "Applying the Delta Method in Metric Analytics", KDD, §4.2.
 * `levels`/`values` sample the arm's quantile function (a ClickHouse `quantilesTDigest` or
 * `quantilesExact` over all requests of the arm, at `quantileSketchLevels(probability)`);
 * `levels` must contain `probability`, whose value is the estimate Q̂.
 * The per-unit moments are of b_i = requests of unit i with value ≤ Q̂ and n_i = requests of unit i.
 */
export interface QuantileStats {
  readonly kind: 'quantile';
  /** The quantile level p in (0, 1), e.g. 0.95. */
  readonly probability: number;
  readonly units: number;
  /** Ascending probability levels in (0, 1). */
  readonly levels: readonly number[];
  /** Non-decreasing quantile values at `levels`. */
  readonly values: readonly number[];
  /** Σ_i b_i */
  readonly sumBelow: number;
  /** Σ_i n_i */
  readonly sumRequests: number;
  /** Σ_i b_i² */
  readonly sumBelowSquares: number;
  /** Σ_i n_i² */
  readonly sumRequestsSquares: number;
  /** Σ_i b_i·n_i */
  readonly sumBelowRequests: number;
}

/** Sufficient statistics of one arm for any metric kind. */
export type MetricStats = MeanStats | RatioStats | QuantileStats;

/** A point estimate of one arm's metric with the variance of that estimate (not of a unit). */
export interface ArmEstimate {
  readonly mean: number;
  /** Variance of `mean` as an estimator (squared standard error). */
  readonly variance: number;
  /** Units (randomization units) behind the estimate. */
  readonly units: number;
  /** Degrees of freedom of `variance` (default units − 1), for Welch–Satterthwaite. */
  readonly degreesOfFreedom?: number;
  /** The mean before a CUPED adjustment (GrowthBook's relative-lift denominator). */
  readonly unadjustedMean?: number;
}

/**
 * Conventions of the fixed-horizon comparisons: `tripwire` (default) or `gbstats`, GrowthBook's
 * (see README, "GrowthBook-compatible mode"); the list lives in @tripwire/schema (flag field).
 */
export type { StatsEngine } from '@tripwire/schema';
import type { MetricDirection } from '@tripwire/schema';

/**
 * `ok`, or `not_enough_information` when an arm has zero variance (e.g. no conversion, no
 * error, a constant sample): the test declines (statistic 0, p = 1, interval (−∞, ∞)) instead
 * of reporting a zero-width interval, as GrowthBook does.
 */
export type InferenceStatus = 'ok' | 'not_enough_information';

/**
 * What every fixed-horizon comparison returns. `degreesOfFreedom` is the Welch–Satterthwaite
 * ν of a Student t reference, `Infinity` for a normal (z) reference and `NaN` for exact and
 * rank methods, whose `standardError` is `NaN` too (distribution-free).
 */
export interface Inference {
  readonly status: InferenceStatus;
  /** treatment − control (or treatment / control − 1 on the relative scale). */
  readonly estimate: number;
  readonly standardError: number;
  readonly statistic: number;
  readonly degreesOfFreedom: number;
  readonly pValue: number;
  /** Confidence interval at level 1 − alpha, one-sided when `alternative` is. */
  readonly interval: Interval;
}

/** Result of a fixed-horizon test of `treatment − control`. */
export interface TestResult extends Inference {
  readonly alternative: Alternative;
  readonly alpha: number;
}

/** One scale (absolute or relative) of a lift estimate. */
export type LiftEstimate = Inference;

/** Absolute (treatment − control) and relative (treatment / control − 1) lift. */
export interface LiftResult {
  readonly absolute: LiftEstimate;
  /** Absent when the control mean is 0 (relative lift undefined). */
  readonly relative?: LiftEstimate;
  readonly alternative: Alternative;
  readonly alpha: number;
}

/**
 * A metric id: a built-in (`error_rate`, `latency_p95`, … from `BUILTIN_METRICS` in
 * @tripwire/schema, whose statistics kind is checked) or any catalog metric.
 */
export type GuardrailMetric = string;

/** Which way of the metric is harm; the one direction vocabulary of this package. */
export type Direction = MetricDirection;
export type GuardrailDirection = Direction;

export interface Guardrail {
  readonly metric: GuardrailMetric;
  readonly direction: GuardrailDirection;
  /** Tolerated relative harm, a fraction: 0.05 = 5% worse than control is still acceptable. */
  readonly margin: number;
  /** Type I error of a false breach over the whole (continuously monitored) experiment. */
  readonly alpha: number;
  /** Units per arm before any decision other than `collecting` / `no_traffic`. */
  readonly minimumUnits: number;
}

/**
 * `invalid_data` is never returned by `decideGuardrail`: callers record it when it throws
 * `StatsError` on impossible input (a data fault: never a breach, never a kill).
 */
export type GuardrailState =
  'collecting' | 'healthy' | 'inconclusive' | 'no_traffic' | 'breached' | 'invalid_data';

export interface GuardrailEvidence {
  /** Absolute difference treatment − control of the metric. */
  readonly estimate: number;
  /** Relative difference treatment / control − 1 (absent when the control value is 0). */
  readonly relativeEstimate?: number;
  /**
   * Always-valid interval for the difference on the scale of `scale`: each end is a one-sided
   * confidence sequence at level 1 − alpha.
   */
  readonly interval: Interval;
  readonly scale: 'relative' | 'absolute';
  readonly nPerArm: { readonly control: number; readonly treatment: number };
  readonly test: 'asymptotic-confidence-sequence' | 'none';
  readonly alpha: number;
  /** The margin on `scale` (the relative margin, or 0 on the absolute fallback scale). */
  readonly margin: number;
  /** Always-valid one-sided p-value of H0: harm ≤ margin (small = breach). */
  readonly pValue?: number;
  /** The arms' means and variances are CUPED-adjusted (present when covariates were given). */
  readonly adjustment?: GuardrailAdjustment;
  readonly control: ArmEstimate;
  readonly treatment: ArmEstimate;
}

/**
 * How `decideGuardrail` used the pre-exposure covariates: `applied` (the arms are the
 * CUPED-adjusted estimates), or why the arms stayed unadjusted (θ = 0): `no_pre_period` (no
 * pre-exposure data in an arm), `constant_covariate` (it does not vary), `too_few_units` (< 2
 * per arm).
 */
export interface GuardrailAdjustment {
  readonly method: 'cuped';
  readonly status: 'applied' | 'no_pre_period' | 'constant_covariate' | 'too_few_units';
  readonly theta: number;
  readonly varianceReduction: number;
}

export interface GuardrailDecision {
  readonly state: GuardrailState;
  readonly evidence: GuardrailEvidence;
}
