/**
 * Test-only traffic models that produce the sufficient statistics ClickHouse would, from
 * simulated units with clustered requests.
 */
import { quantileSketchLevels } from '@tripwire/stats';
import type { QuantileStats, RatioStats } from '@tripwire/stats';
import type { SeededRandom } from './seeded-random.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function createRatioStats(): Mutable<RatioStats> {
  return {
    kind: 'ratio',
    units: 0,
    sumNumerator: 0,
    sumDenominator: 0,
    sumNumeratorSquares: 0,
    sumDenominatorSquares: 0,
    sumCrossProducts: 0,
  };
}

/**
 * Adds units whose requests (1 + Poisson(extraRequests)) fail with probability errorRate·G_i,
 * G_i = 4.2 for 20% of units and 0.2 otherwise (mean 1): strongly clustered errors whose
 * request-level error rate is exactly `errorRate`.
 */
export function addErrorRateUnits(
  stats: Mutable<RatioStats>,
  rng: SeededRandom,
  options: { units: number; errorRate: number; extraRequests: number },
): void {
  for (let i = 0; i < options.units; i += 1) {
    const requests = 1 + rng.poisson(options.extraRequests);
    const propensity = Math.min(1, options.errorRate * (rng.next() < 0.2 ? 4.2 : 0.2));
    const errors = rng.binomial(requests, propensity);
    stats.units += 1;
    stats.sumNumerator += errors;
    stats.sumDenominator += requests;
    stats.sumNumeratorSquares += errors * errors;
    stats.sumDenominatorSquares += requests * requests;
    stats.sumCrossProducts += errors * requests;
  }
}

/** Per-request latencies with the unit of each request. */
export interface LatencyArm {
  values: number[];
  unitOf: number[];
  units: number;
  /** All values in ascending order, kept by merging each new batch (cheaper than re-sorting). */
  sorted?: Float64Array;
}

export function createLatencyArm(): LatencyArm {
  return { values: [], unitOf: [], units: 0, sorted: new Float64Array(0) };
}

function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const merged = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length)
    merged[k++] = (a[i] ?? 0) <= (b[j] ?? 0) ? (a[i++] ?? 0) : (b[j++] ?? 0);
  while (i < a.length) merged[k++] = a[i++] ?? 0;
  while (j < b.length) merged[k++] = b[j++] ?? 0;
  return merged;
}

/**
 * Adds units with 1 + Poisson(extraRequests) requests of latency scale·exp(u_i + ε_ij),
 * u_i ~ N(0, 0.6²), ε ~ N(0, 0.5²): request-level law lognormal(ln scale, √0.61).
 */
export function addLatencyUnits(
  arm: LatencyArm,
  rng: SeededRandom,
  options: { units: number; scale: number; extraRequests: number },
): void {
  const start = arm.values.length;
  for (let i = 0; i < options.units; i += 1) {
    const unit = arm.units;
    arm.units += 1;
    const effect = 0.6 * rng.normal();
    const requests = 1 + rng.poisson(options.extraRequests);
    for (let j = 0; j < requests; j += 1) {
      arm.values.push(options.scale * Math.exp(effect + 0.5 * rng.normal()));
      arm.unitOf.push(unit);
    }
  }
  const batch = Float64Array.from(arm.values.slice(start)).sort();
  arm.sorted = mergeSorted(arm.sorted ?? new Float64Array(0), batch);
}

/**
 * What the analysis service's query returns for a quantile metric: quantileExact-style values
 * (sorted value at ⌊level·n⌋) at `quantileSketchLevels(p)`, then per-unit counts at/below Q̂.
 * With `ignoreUnits`, every request is treated as its own unit (the naive i.i.d. analysis).
 */
export function buildQuantileStats(
  arm: LatencyArm,
  probability: number,
  options: { ignoreUnits?: boolean } = {},
): QuantileStats {
  const sorted = arm.sorted ?? Float64Array.from(arm.values).sort();
  const n = sorted.length;
  const levels = quantileSketchLevels(probability);
  const values = levels.map((level) => sorted[Math.min(n - 1, Math.floor(level * n))] ?? NaN);
  const estimate = values[levels.indexOf(probability)] ?? NaN;
  const unitCount = options.ignoreUnits === true ? n : arm.units;
  const below = new Float64Array(unitCount);
  const requests = new Float64Array(unitCount);
  arm.values.forEach((value, i) => {
    const unit = options.ignoreUnits === true ? i : (arm.unitOf[i] ?? 0);
    requests[unit] = (requests[unit] ?? 0) + 1;
    if (value <= estimate) below[unit] = (below[unit] ?? 0) + 1;
  });
  let sumBelow = 0;
  let sumBelowSquares = 0;
  let sumRequestsSquares = 0;
  let sumBelowRequests = 0;
  for (let u = 0; u < unitCount; u += 1) {
    const b = below[u] ?? 0;
    const r = requests[u] ?? 0;
    sumBelow += b;
    sumBelowSquares += b * b;
    sumRequestsSquares += r * r;
    sumBelowRequests += b * r;
  }
  return {
    kind: 'quantile',
    probability,
    units: unitCount,
    levels,
    values,
    sumBelow,
    sumRequests: n,
    sumBelowSquares,
    sumRequestsSquares,
    sumBelowRequests,
  };
}
