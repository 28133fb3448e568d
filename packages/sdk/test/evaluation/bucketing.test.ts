import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { describe, expect, it } from 'vitest';
import { allocateBucket, compileConfig, createAllocation } from '../../src/evaluation/index.js';
import { makeFlag, makeRollout, makeSnapshot, unitKeys } from './fixtures.js';

/** Variant (or undefined when outside coverage) of each unit under one rollout. */
function assign(
  weights: number[],
  coverage: number,
  units: string[],
  seed?: number,
): (string | undefined)[] {
  const config = compileConfig(
    makeSnapshot([makeFlag({ key: 'exp' }, makeRollout(weights, coverage, seed))]),
  );
  const assigned = units.map((targetingKey) => {
    const result = config.evaluate('exp', { targetingKey }, '');
    return result.reason === 'split' ? result.variant : result.reason;
  });
  expect(
    assigned.filter((v) => v !== undefined && !['a', 'b', 'c', 'd', 'default'].includes(v)),
  ).toEqual([]);
  return assigned.map((v) => (v === 'default' ? undefined : v));
}

/** χ² goodness-of-fit p-value of observed counts against expected proportions. */
function chiSquarePValue(observed: number[], proportions: number[]): number {
  const total = observed.reduce((a, b) => a + b, 0);
  const statistic = observed.reduce((sum, o, i) => {
    const expected = total * proportions[i]!;
    return sum + (o - expected) ** 2 / expected;
  }, 0);
  return 1 - chisquareCdf(statistic, observed.length - 1);
}

describe('bucketing', () => {
  const units = unitKeys(20_000);

  it.each([
    { weights: [1, 1], from: 0, to: 500 },
    { weights: [1, 1], from: 1000, to: 5000 },
    { weights: [1, 2, 7], from: 2500, to: 10_000 },
    { weights: [3, 0, 5, 1], from: 1, to: 9999 },
  ])(
    'widening coverage $from→$to with weights $weights never moves a unit out or to another variant',
    ({ weights, from, to }) => {
      const narrow = assign(weights, from, units);
      const wide = assign(weights, to, units);
      const moved = narrow.filter((variant, i) => variant !== undefined && wide[i] !== variant);
      expect(moved).toEqual([]);
      const kept = narrow.filter((v) => v !== undefined).length;
      expect(wide.filter((v) => v !== undefined).length).toBeGreaterThan(kept);
    },
  );

  it.each([
    { before: [10, 90], after: [20, 80], grown: 'a' },
    { before: [90, 10], after: [80, 20], grown: 'b' },
    { before: [1, 1], after: [3, 1], grown: 'a' },
  ])(
    'raising the weight of $grown ($before → $after) keeps every unit it had',
    ({ before, after, grown }) => {
      const old = assign(before, 10_000, units);
      const now = assign(after, 10_000, units);
      const lost = old.filter((variant, i) => variant === grown && now[i] !== grown);
      expect(lost).toEqual([]);
      expect(now.filter((v) => v === grown).length).toBeGreaterThan(
        old.filter((v) => v === grown).length,
      );
    },
  );

  it.each([
    { weights: [1, 1] },
    { weights: [1, 2, 7] },
    { weights: [25, 25, 25, 25] },
    { weights: [1, 1], seed: 99 },
  ])(
    'weights $weights produce the stated split over 100k units (χ², p > 0.001)',
    ({ weights, seed }) => {
      const assigned = assign(weights, 10_000, unitKeys(100_000, 'unit-'), seed);
      const counts = weights.map(
        (_, i) => assigned.filter((v) => v === ['a', 'b', 'c', 'd'][i]).length,
      );
      const total = weights.reduce((a, b) => a + b, 0);
      expect(
        chiSquarePValue(
          counts,
          weights.map((w) => w / total),
        ),
      ).toBeGreaterThan(0.001);
    },
  );

  it('a χ² check on a biased assignment fails, so the check above can fail', () => {
    expect(chiSquarePValue([50_600, 49_400], [0.5, 0.5])).toBeLessThan(0.001);
  });

  it('coverage admits its share of units: 20% of 100k within 4 standard deviations', () => {
    const assigned = assign([1, 1], 2000, unitKeys(100_000, 'unit-'));
    const inside = assigned.filter((v) => v !== undefined).length;
    expect(Math.abs(inside - 20_000)).toBeLessThan(4 * Math.sqrt(100_000 * 0.2 * 0.8));
  });

  it('a different seed reshuffles units (re-salting is explicit)', () => {
    const first = assign([1, 1], 10_000, units, 0);
    const second = assign([1, 1], 10_000, units, 1);
    const same = first.filter((v, i) => v === second[i]).length / units.length;
    expect(same).toBeGreaterThan(0.45);
    expect(same).toBeLessThan(0.55);
  });

  it('allocates integer ranges that tile [0, 10000) at full coverage', () => {
    const allocation = createAllocation([1, 2, 7], 10_000);
    expect([...allocation.starts]).toEqual([0, 1000, 3000]);
    expect([...allocation.ends]).toEqual([1000, 3000, 10_000]);
    expect([0, 999, 1000, 2999, 3000, 9999].map((b) => allocateBucket(allocation, b))).toEqual([
      0, 0, 1, 1, 2, 2,
    ]);
  });

  it('puts the first coverage share of every range inside', () => {
    const allocation = createAllocation([1, 1], 2000);
    expect(
      [0, 999, 1000, 4999, 5000, 5999, 6000].map((b) => allocateBucket(allocation, b)),
    ).toEqual([0, 0, -1, -1, 1, 1, -1]);
  });
});
