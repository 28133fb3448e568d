import {
  BUILTIN_METRICS,
  BuiltinMetricIds,
  findBuiltinMetric,
  type Guardrail,
  type MetricDefinition,
} from '@tripwire/schema';
import type {
  GuardrailAdjustment,
  GuardrailCovariates,
  GuardrailDecision,
  MetricStats,
} from '@tripwire/stats';
import type { MetricCovariate } from '../repositories/metrics/metric-kind.js';
import { pairCovariates } from './evaluate-guardrail.js';
import { quantileSketchLevels } from '@tripwire/stats';
import {
  BUCKETS_PER_OCTAVE,
  locateQuantile,
  sampleQuantiles,
  type LatencyHistogram,
} from '../repositories/latency-histogram.js';

/** One unit's requests in one minute, as the variant-requests view stores them. */
export interface UnitMinute {
  unitId: string;
  /** Minute index (any increasing integer, e.g. epoch minutes). */
  minute: number;
  requests: number;
  errors: number;
  latencySumMs: number;
  latencySumSquaresMs: number;
  histogram: LatencyHistogram;
}

export interface CalibrationOptions {
  guardrail: Guardrail;
  rows: readonly UnitMinute[];
  permutations: number;
  /** Relative harm injected into arm B for the time-to-detect runs (0.2 = 20% worse). */
  effect: number;
  random: () => number;
  decide: (input: {
    guardrail: Guardrail;
    control: MetricStats;
    treatment: MetricStats;
    /** Both halves' CUPED inputs, when the guardrail's metric has CUPED (as the guardian's). */
    covariates?: GuardrailCovariates | undefined;
  }) => GuardrailDecision;
}

/** How the A/A replays' decisions adjusted their estimates (a guardrail with CUPED). */
export interface CalibrationCuped {
  /** Permutations whose last look (breach or final minute) decided on CUPED-adjusted estimates. */
  applied: number;
  /** Why the others' last looks stayed unadjusted, by `GuardrailAdjustment` status. */
  notApplied: Partial<Record<GuardrailAdjustment['status'], number>>;
  /** Median variance reduction of the applied last looks (0.48 = −48 %), null without any. */
  medianVarianceReduction: number | null;
}

export interface CalibrationResult {
  permutations: number;
  looks: number;
  units: number;
  /** A/A: share of permutations breached at any look (the empirical false-kill rate). */
  falseKills: number;
  falseKillRate: number;
  /** With the injected effect: minutes from the first minute to the first breach, per run. */
  detectionMinutes: (number | null)[];
  detectedShare: number;
  medianDetectionMinutes: number | null;
  /** Null when the decisions had no covariates (no CUPED on the guardrail's metric). */
  cuped: CalibrationCuped | null;
}

/** The metrics a calibration can replay from request minutes: the built-in span metrics. */
const REPLAYED = BuiltinMetricIds.filter((id) => BUILTIN_METRICS[id].source === 'spans');

/** The definition of the guardrail's metric, when calibration can replay it. */
function replayedDefinition(guardrail: Guardrail): MetricDefinition {
  const definition = findBuiltinMetric(guardrail.metric);
  if (definition === undefined || definition.source !== 'spans')
    throw new Error(
      `calibration replays request metrics (${REPLAYED.join(', ')}), not ${guardrail.metric}`,
    );
  return definition;
}

/** A per-unit, per-minute row of replayed telemetry. */
export interface ReplayRow {
  unitId: string;
  /** Minute index (any increasing integer, e.g. epoch minutes). */
  minute: number;
}

/** How one kind of replayed row adds up, becomes an arm's statistics and carries an injected harm. */
export interface ReplayModel<R extends ReplayRow> {
  accumulate(total: R | undefined, row: R): R;
  toStats(units: readonly R[]): MetricStats;
  /** The half's CUPED input over the same units, when the guardrail decides on adjusted estimates. */
  toCovariate?: (units: readonly R[]) => MetricCovariate;
  /** A row of a unit in arm B with the harm injected; `draw(unitId)`: one uniform per unit and run. */
  inject(row: R, draw: (unitId: string) => number): R;
}

/** Everything a calibration takes besides its rows and their model. */
export type CalibrationRun = Omit<CalibrationOptions, 'rows'>;

/**
 * Replays stored telemetry through a guardrail (pure; randomness passed in). Units are split
 * 50/50 at random (labels permuted), so both arms come from the same population: every breach
 * is a false kill. The same splits with the effect injected into arm B give the time to detect.
 * Looks happen once per stored minute, on cumulative data, as the guardian would look.
 */
export function calibrateGuardrail(options: CalibrationOptions): CalibrationResult {
  replayedDefinition(options.guardrail);
  return runCalibration({ ...options, model: createRequestModel(options) });
}

/** The permutation replays of `calibrateGuardrail` over any rows and their model. */
export function runCalibration<R extends ReplayRow>(
  options: CalibrationRun & { rows: readonly R[]; model: ReplayModel<R> },
): CalibrationResult {
  const { rows, model } = options;
  const unitIds = [...new Set(rows.map((row) => row.unitId))];
  const minutes = [...new Set(rows.map((row) => row.minute))].sort((a, b) => a - b);
  let falseKills = 0;
  const detectionMinutes: (number | null)[] = [];
  const adjustments: (GuardrailAdjustment | undefined)[] = [];
  for (let run = 0; run < options.permutations; run++) {
    const inB = new Set(unitIds.filter(() => options.random() < 0.5));
    const plain = replay(options, { rows, minutes, inB, model });
    if (plain.breachMinute !== null) falseKills++;
    adjustments.push(plain.adjustment);
    const draws = new Map<string, number>();
    const draw = (unitId: string) => {
      const known = draws.get(unitId);
      if (known !== undefined) return known;
      const fresh = options.random();
      draws.set(unitId, fresh);
      return fresh;
    };
    const injected = rows.map((row) => (inB.has(row.unitId) ? model.inject(row, draw) : row));
    const detected = replay(options, { rows: injected, minutes, inB, model });
    const { breachMinute } = detected;
    detectionMinutes.push(breachMinute === null ? null : breachMinute - minutes[0]! + 1);
  }
  const found = detectionMinutes.filter((m): m is number => m !== null).sort((a, b) => a - b);
  return {
    permutations: options.permutations,
    looks: minutes.length,
    units: unitIds.length,
    falseKills,
    falseKillRate: options.permutations === 0 ? 0 : falseKills / options.permutations,
    detectionMinutes,
    detectedShare: options.permutations === 0 ? 0 : found.length / options.permutations,
    medianDetectionMinutes: median(found),
    cuped: summarizeAdjustments(adjustments),
  };
}

/** The CUPED summary of the A/A replays' last looks; null when none had covariates. */
function summarizeAdjustments(
  adjustments: readonly (GuardrailAdjustment | undefined)[],
): CalibrationCuped | null {
  const known = adjustments.filter((a): a is GuardrailAdjustment => a !== undefined);
  if (known.length === 0) return null;
  const applied = known.filter((a) => a.status === 'applied');
  const notApplied: CalibrationCuped['notApplied'] = {};
  for (const { status } of known)
    if (status !== 'applied') notApplied[status] = (notApplied[status] ?? 0) + 1;
  const reductions = applied.map((a) => a.varianceReduction).sort((a, b) => a - b);
  return { applied: applied.length, notApplied, medianVarianceReduction: median(reductions) };
}

/** The lower median of sorted numbers, null when empty. */
function median(sorted: readonly number[]): number | null {
  return sorted.length === 0 ? null : sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** The built-in request metrics' rows: requests, errors, latency sums and histograms. */
function createRequestModel(options: CalibrationOptions): ReplayModel<UnitMinute> {
  const { guardrail, rows } = options;
  const pooledErrorRate =
    sum(rows, (r) => r.errors) /
    Math.max(
      1,
      sum(rows, (r) => r.requests),
    );
  return {
    accumulate,
    toStats: (units) => toStats(guardrail, units),
    inject: (row) => injectEffect(row, guardrail, options, pooledErrorRate),
  };
}

/**
 * The first minute at which the guardrail is breached (or null) and the adjustment of the last
 * decision; each look decides as the guardian does, CUPED covariates paired by `pairCovariates`.
 */
function replay<R extends ReplayRow>(
  options: CalibrationRun,
  input: {
    rows: readonly R[];
    minutes: readonly number[];
    inB: ReadonlySet<string>;
    model: ReplayModel<R>;
  },
): { breachMinute: number | null; adjustment: GuardrailAdjustment | undefined } {
  const byMinute = new Map<number, R[]>();
  for (const row of input.rows) {
    const list = byMinute.get(row.minute);
    if (list === undefined) byMinute.set(row.minute, [row]);
    else list.push(row);
  }
  const arms = { a: new Map<string, R>(), b: new Map<string, R>() };
  const { model } = input;
  let adjustment: GuardrailAdjustment | undefined;
  for (const minute of input.minutes) {
    for (const row of byMinute.get(minute) ?? []) {
      const arm = input.inB.has(row.unitId) ? arms.b : arms.a;
      arm.set(row.unitId, model.accumulate(arm.get(row.unitId), row));
    }
    if (arms.a.size === 0 || arms.b.size === 0) continue;
    const a = [...arms.a.values()];
    const b = [...arms.b.values()];
    const covariates =
      model.toCovariate === undefined
        ? undefined
        : new Map([
            ['a', model.toCovariate(a)],
            ['b', model.toCovariate(b)],
          ]);
    const decision = options.decide({
      guardrail: options.guardrail,
      control: model.toStats(a),
      treatment: model.toStats(b),
      covariates: pairCovariates(covariates, { control: 'a', treatment: 'b' }),
    });
    adjustment = decision.evidence.adjustment;
    if (decision.state === 'breached') return { breachMinute: minute, adjustment };
  }
  return { breachMinute: null, adjustment };
}

function accumulate(total: UnitMinute | undefined, row: UnitMinute): UnitMinute {
  if (total === undefined) return { ...row, histogram: { ...row.histogram } };
  const histogram: Record<string, number> = { ...total.histogram };
  for (const [bucket, count] of Object.entries(row.histogram))
    histogram[bucket] = (histogram[bucket] ?? 0) + Number(count);
  return {
    ...total,
    requests: total.requests + row.requests,
    errors: total.errors + row.errors,
    latencySumMs: total.latencySumMs + row.latencySumMs,
    latencySumSquaresMs: total.latencySumSquaresMs + row.latencySumSquaresMs,
    histogram,
  };
}

/** Sufficient statistics of one arm from cumulative per-unit totals (as the SQL computes them). */
export function toStats(guardrail: Guardrail, units: readonly UnitMinute[]): MetricStats {
  const definition = replayedDefinition(guardrail);
  if (definition.kind === 'ratio') {
    const errors = definition.value.type === 'error';
    const y = (u: UnitMinute) => (errors ? u.errors : u.latencySumMs);
    return {
      kind: 'ratio',
      units: units.length,
      sumNumerator: sum(units, y),
      sumDenominator: sum(units, (u) => u.requests),
      sumNumeratorSquares: sum(units, (u) => y(u) ** 2),
      sumDenominatorSquares: sum(units, (u) => u.requests ** 2),
      sumCrossProducts: sum(units, (u) => y(u) * u.requests),
    };
  }
  const probability = definition.quantile ?? NaN;
  const merged: Record<string, number> = {};
  for (const unit of units)
    for (const [k, c] of Object.entries(unit.histogram)) merged[k] = (merged[k] ?? 0) + Number(c);
  const position = locateQuantile(merged, probability);
  const below = (u: UnitMinute) => {
    let count = 0;
    for (const [k, c] of Object.entries(u.histogram)) {
      const index = Number(k);
      if (index < position.bucket) count += Number(c);
      else if (index === position.bucket) count += position.fraction * Number(c);
    }
    return count;
  };
  const levels = quantileSketchLevels(probability);
  return {
    kind: 'quantile',
    probability,
    units: units.length,
    levels,
    values: sampleQuantiles(merged, levels),
    sumBelow: sum(units, below),
    sumRequests: sum(units, (u) => u.requests),
    sumBelowSquares: sum(units, (u) => below(u) ** 2),
    sumRequestsSquares: sum(units, (u) => u.requests ** 2),
    sumBelowRequests: sum(units, (u) => below(u) * u.requests),
  };
}

/** The row as it would look with the harm `effect` in the guardrail's metric. */
function injectEffect(
  row: UnitMinute,
  guardrail: Guardrail,
  options: CalibrationOptions,
  pooledErrorRate: number,
): UnitMinute {
  const sign = guardrail.direction === 'lower_is_better' ? 1 : -1;
  const factor = 1 + sign * options.effect;
  if (replayedDefinition(guardrail).value.type === 'error') {
    // Turn successes into errors with the probability that multiplies the error rate by `factor`.
    const q =
      pooledErrorRate >= 1
        ? 0
        : Math.max(0, Math.min(1, (pooledErrorRate * (factor - 1)) / (1 - pooledErrorRate)));
    let extra = 0;
    for (let i = 0; i < row.requests - row.errors; i++) if (options.random() < q) extra++;
    return { ...row, errors: row.errors + extra };
  }
  const shift = Math.round(BUCKETS_PER_OCTAVE * Math.log2(Math.max(factor, 1e-6)));
  const histogram: Record<string, number> = {};
  for (const [k, c] of Object.entries(row.histogram))
    histogram[String(Number(k) + shift)] = Number(c);
  return {
    ...row,
    latencySumMs: row.latencySumMs * factor,
    latencySumSquaresMs: row.latencySumSquaresMs * factor ** 2,
    histogram,
  };
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += value(item);
  return total;
}
