import {
  computeCentredCrossProduct,
  computeCentredSquares,
  requireCount,
  requireFinite,
  requireNonNegative,
} from './internal/validate-input.js';
import { StatsError } from './stats-error.js';
import { summarizeRatio } from './summarize-metric.js';
import type { ArmEstimate, RatioStats } from './types.js';

/**
 * A ratio metric's moments (numerator y_i, denominator x_i of each unit, as `RatioStats`) with
 * the same numerator u_i and denominator v_i over the unit's pre-exposure period, and every
 * cross product of the four.
 */
export interface RatioCovariateStats extends Omit<RatioStats, 'kind'> {
  /** Σ u_i */
  readonly covariateSumNumerator: number;
  /** Σ v_i */
  readonly covariateSumDenominator: number;
  /** Σ u_i² */
  readonly covariateSumNumeratorSquares: number;
  /** Σ v_i² */
  readonly covariateSumDenominatorSquares: number;
  /** Σ u_i·v_i */
  readonly covariateSumCrossProducts: number;
  /** Σ y_i·u_i */
  readonly sumNumeratorCovariateNumerator: number;
  /** Σ y_i·v_i */
  readonly sumNumeratorCovariateDenominator: number;
  /** Σ x_i·u_i */
  readonly sumDenominatorCovariateNumerator: number;
  /** Σ x_i·v_i */
  readonly sumDenominatorCovariateDenominator: number;
}

/**
 * Whether the covariate adjusted the arms: `no_pre_period` when an arm has no pre-exposure
 * denominator (Σv = 0: its pre-period ratio does not exist), `constant_covariate` when the
 * linearised pre-period ratio has no variance in either arm (it cannot explain any); in both
 * cases θ = 0 and the arms are the unadjusted ratios.
 */
export type RatioCupedAdjustment = 'applied' | 'no_pre_period' | 'constant_covariate';

export interface RatioCupedResult {
  /** θ = ΣCov(R̂, P̂)/ΣVar(P̂) over both arms: the θ that minimises Var(Δ̂). */
  readonly theta: number;
  readonly control: ArmEstimate;
  readonly treatment: ArmEstimate;
  /** 1 − Var_adjusted/Var_unadjusted of the difference (0 when not applied). */
  readonly varianceReduction: number;
  readonly adjustment: RatioCupedAdjustment;
}

/** The four per-unit values, in the order of `VALUES`. */
const VALUES = ['y', 'x', 'u', 'v'] as const;
type Value = (typeof VALUES)[number];

/** Per value its sum and sum of squares field; per pair its cross-product field. */
const SUMS: Record<Value, readonly [keyof RatioCovariateStats, keyof RatioCovariateStats]> = {
  y: ['sumNumerator', 'sumNumeratorSquares'],
  x: ['sumDenominator', 'sumDenominatorSquares'],
  u: ['covariateSumNumerator', 'covariateSumNumeratorSquares'],
  v: ['covariateSumDenominator', 'covariateSumDenominatorSquares'],
};
const CROSS: Record<string, keyof RatioCovariateStats> = {
  yx: 'sumCrossProducts',
  yu: 'sumNumeratorCovariateNumerator',
  yv: 'sumNumeratorCovariateDenominator',
  xu: 'sumDenominatorCovariateNumerator',
  xv: 'sumDenominatorCovariateDenominator',
  uv: 'covariateSumCrossProducts',
};

/** Sample (n − 1) covariances of the four values, validated as moments data can produce. */
type Covariances = (a: Value, b: Value) => number;

function readCovariances(stats: RatioCovariateStats, where: string): Covariances {
  const n = requireCount(stats.units, where, 'units');
  if (n < 2) throw new StatsError('insufficient_data', `${where}.units must be ≥ 2`);
  const centred = new Map<string, number>();
  for (const value of VALUES) {
    const [sumField, squaresField] = SUMS[value];
    // Numerators may be negative (refunds); denominators count or weigh, so never are.
    const sum =
      value === 'x' || value === 'v'
        ? requireNonNegative(stats[sumField], where, sumField)
        : requireFinite(stats[sumField], where, sumField);
    const sumSquares = requireNonNegative(stats[squaresField], where, squaresField);
    centred.set(
      value + value,
      computeCentredSquares({ units: n, sum, sumSquares }, where, squaresField),
    );
  }
  for (const [pair, field] of Object.entries(CROSS)) {
    const [a, b] = [pair[0] as Value, pair[1] as Value];
    const input = {
      units: n,
      sumX: stats[SUMS[a][0]],
      sumY: stats[SUMS[b][0]],
      sumXY: requireFinite(stats[field], where, field),
      cxx: centred.get(a + a) ?? NaN,
      cyy: centred.get(b + b) ?? NaN,
    };
    centred.set(pair, computeCentredCrossProduct(input, where, field));
  }
  return (a, b) => (centred.get(a + b) ?? centred.get(b + a) ?? NaN) / (n - 1);
}

/**
 * One arm's delta-method moments: R̂ = Σy/Σx and P̂ = Σu/Σv with the per-unit variances of
 * their linearisations d_i = (y_i − R̂x_i)/x̄ and e_i = (u_i − P̂v_i)/v̄ and their covariance.
 */
function linearise(stats: RatioCovariateStats, where: string) {
  const c = readCovariances(stats, where);
  const n = stats.units;
  const ratio = stats.sumNumerator / stats.sumDenominator;
  const pre = stats.covariateSumNumerator / stats.covariateSumDenominator;
  const xBar = stats.sumDenominator / n;
  const vBar = stats.covariateSumDenominator / n;
  const dd = (c('y', 'y') - 2 * ratio * c('y', 'x') + ratio * ratio * c('x', 'x')) / xBar ** 2;
  const ee = (c('u', 'u') - 2 * pre * c('u', 'v') + pre * pre * c('v', 'v')) / vBar ** 2;
  const de =
    (c('y', 'u') - pre * c('y', 'v') - ratio * c('x', 'u') + ratio * pre * c('x', 'v')) /
    (xBar * vBar);
  // Positive semi-definite for moments of data; max(0, ·) only absorbs rounding.
  return { n, ratio, pre, dd: Math.max(0, dd), ee: Math.max(0, ee), de };
}

type Linearised = ReturnType<typeof linearise>;

function adjustArm(arm: Linearised, theta: number, pooledPre: number): ArmEstimate {
  const variance = Math.max(0, arm.dd - 2 * theta * arm.de + theta * theta * arm.ee) / arm.n;
  return {
    mean: arm.ratio - theta * (arm.pre - pooledPre),
    variance,
    units: arm.n,
    degreesOfFreedom: arm.n - 2,
    unadjustedMean: arm.ratio,
  };
}

/** The unadjusted ratios, when the covariate cannot adjust them. */
function declineAdjustment(
  options: { readonly control: RatioCovariateStats; readonly treatment: RatioCovariateStats },
  adjustment: Exclude<RatioCupedAdjustment, 'applied'>,
): RatioCupedResult {
  const unadjusted = (stats: RatioCovariateStats, where: string): ArmEstimate => {
    const arm = summarizeRatio(stats, { where });
    return { ...arm, unadjustedMean: arm.mean };
  };
  return {
    theta: 0,
    control: unadjusted(options.control, 'control'),
    treatment: unadjusted(options.treatment, 'treatment'),
    varianceReduction: 0,
    adjustment,
  };
}

/**
 * CUPED for a ratio metric (Deng, Xu, Kohavi & Walker 2013, with the delta method of Deng,
 * Knoblich & Lu 2018, §3, as GrowthBook's regression adjustment of ratio metrics): each arm's
 * R̂ = Σy/Σx is adjusted by its pre-exposure ratio P̂ = Σu/Σv, R̂_adj = R̂ − θ(P̂ − P̂_pooled),
 * Var(R̂_adj) = (s_dd − 2θ·s_de + θ²·s_ee)/n over the linearisations d, e (`linearise`), with
 * θ = Σ_arms s_de/n ÷ Σ_arms s_ee/n. Feed the returned arms to `estimateLift`.
 */
export function adjustRatioWithCuped(options: {
  readonly control: RatioCovariateStats;
  readonly treatment: RatioCovariateStats;
}): RatioCupedResult {
  const { control, treatment } = options;
  for (const [stats, where] of [
    [control, 'control'],
    [treatment, 'treatment'],
  ] as const) {
    readCovariances(stats, where);
    if (stats.sumDenominator === 0)
      throw new StatsError('insufficient_data', `${where}.sumDenominator is 0: ratio undefined`);
  }
  if (control.covariateSumDenominator === 0 || treatment.covariateSumDenominator === 0)
    return declineAdjustment(options, 'no_pre_period');
  const armC = linearise(control, 'control');
  const armT = linearise(treatment, 'treatment');
  const preVariance = armC.ee / armC.n + armT.ee / armT.n;
  if (!(preVariance > 0)) return declineAdjustment(options, 'constant_covariate');
  const theta = (armC.de / armC.n + armT.de / armT.n) / preVariance;
  const pooledPre =
    (control.covariateSumNumerator + treatment.covariateSumNumerator) /
    (control.covariateSumDenominator + treatment.covariateSumDenominator);
  const adjustedControl = adjustArm(armC, theta, pooledPre);
  const adjustedTreatment = adjustArm(armT, theta, pooledPre);
  const raw = armC.dd / armC.n + armT.dd / armT.n;
  const adjusted = adjustedControl.variance + adjustedTreatment.variance;
  return {
    theta,
    control: adjustedControl,
    treatment: adjustedTreatment,
    varianceReduction: raw > 0 ? 1 - adjusted / raw : 0,
    adjustment: 'applied',
  };
}
