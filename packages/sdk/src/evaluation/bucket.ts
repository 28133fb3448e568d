import { COVERAGE_FULL } from '@tripwire/schema';
import { createHashPrefix, hashToInt32, type HashPrefix } from './murmur3.js';

/** Buckets per unit space: resolution 1/10,000 (one basis point), the unit of `coverage`. */
export const BUCKET_COUNT = COVERAGE_FULL;

/**
 * The exact string hashed for a unit: `<salt>.<seed>.<unitKey>`, UTF-8, seed in decimal
 * (default 0), hashed with MurmurHash3 x86 32 (hash seed 0). Returns its prefix.
 */
export function formatBucketingPrefix(salt: string, seed = 0): string {
  return `${salt}.${seed}.`;
}

/** Precomputes the hash state of `<salt>.<seed>.` once per rollout. */
export function createBucketingPrefix(salt: string, seed = 0): HashPrefix {
  return createHashPrefix(formatBucketingPrefix(salt, seed));
}

/** The unit's bucket in [0, 10000): `murmur3("<salt>.<seed>.<unitKey>") mod 10000`. */
export function computeBucket(prefix: HashPrefix, unitKey: string): number {
  return (hashToInt32(prefix, unitKey) >>> 0) % BUCKET_COUNT;
}

/** One-off convenience for tests and vectors: bucket of a unit for a salt and seed. */
export function bucketUnit(options: { salt: string; seed?: number; unitKey: string }): number {
  return computeBucket(createBucketingPrefix(options.salt, options.seed), options.unitKey);
}

/**
 * Variant ranges over the bucket space. Entry i owns [starts[i], ends[i]), where
 * starts[i] = floor(W_<i * 10000 / W) and ends[i] = floor(W_≤i * 10000 / W) (W = total weight,
 * W_<i = weights before i). A unit in range i is covered when
 * (bucket − starts[i]) × 10000 < (ends[i] − starts[i]) × coverage, i.e. coverage takes the same
 * leading share of every range: raising coverage only adds units, and never changes the
 * variant of a unit already in.
 */
export interface Allocation {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly coverage: number;
}

/** Builds the ranges for integer weights (sum > 0) and a coverage in basis points. */
export function createAllocation(weights: readonly number[], coverage: number): Allocation {
  const total = weights.reduce((sum, w) => sum + w, 0);
  const starts = new Int32Array(weights.length);
  const ends = new Int32Array(weights.length);
  let before = 0;
  weights.forEach((weight, i) => {
    starts[i] = Math.floor((before * BUCKET_COUNT) / total);
    before += weight;
    ends[i] = Math.floor((before * BUCKET_COUNT) / total);
  });
  return { starts, ends, coverage };
}

/** Index of the weight entry a bucket is allocated to, or -1 when outside coverage. */
export function allocateBucket(allocation: Allocation, bucket: number): number {
  const { starts, ends, coverage } = allocation;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    if (bucket < end) {
      const start = starts[i]!;
      return (bucket - start) * BUCKET_COUNT < (end - start) * coverage ? i : -1;
    }
  }
  return -1;
}
