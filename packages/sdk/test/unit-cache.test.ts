import { describe, expect, it } from 'vitest';
import { hashUnit } from '../src/telemetry/hash-unit.js';
import { FlagExposures, MAX_VARIANT_KEYS } from '../src/telemetry/flag-exposures.js';
import { hashUnitKey, MAX_CHAIN, UnitCache } from '../src/telemetry/unit-cache.js';

describe('UnitCache', () => {
  it('returns the hashed id of a unit', () => {
    const cache = new UnitCache({ hashKey: 'k', capacity: 10 });
    expect(cache.idFor('u1')).toBe(hashUnit('u1', 'k'));
    expect(cache.idFor('u1')).toBe(hashUnit('u1', 'k'));
    expect(cache.size).toBe(1);
  });

  it('never holds more than its capacity', () => {
    const cache = new UnitCache({ hashKey: 'k', capacity: 100 });
    for (let i = 0; i < 10_000; i += 1) cache.idFor(`u${i}`);
    expect(cache.size).toBeLessThanOrEqual(100);
  });

  it('hashes a unit that is used regularly only once while others churn through', () => {
    const hashed: string[] = [];
    const hash = (unitKey: string) => (hashed.push(unitKey), unitKey);
    const cache = new UnitCache({ hashKey: 'k', capacity: 100, hash });
    for (let i = 0; i < 5000; i += 1) {
      cache.idFor(`cold${i}`);
      if (i % 40 === 0) cache.idFor('hot');
    }
    expect(hashed.filter((unitKey) => unitKey === 'hot')).toHaveLength(1);
    expect(cache.size).toBeLessThanOrEqual(100);
  });

  it('forgets units that were not used for more than the capacity', () => {
    const hashed: string[] = [];
    const hash = (unitKey: string) => (hashed.push(unitKey), unitKey);
    const cache = new UnitCache({ hashKey: 'k', capacity: 10, hash });
    cache.idFor('first');
    for (let i = 0; i < 20; i += 1) cache.idFor(`u${i}`);
    cache.idFor('first');
    expect(hashed.filter((unitKey) => unitKey === 'first')).toHaveLength(2);
  });
});

describe('UnitCache entries', () => {
  const identity = (unitKey: string) => unitKey;

  it('gives a unit the same entry until it is evicted, and reports the eviction first', () => {
    const evicted: [number, string][] = [];
    const cache = new UnitCache({
      hashKey: 'k',
      capacity: 4,
      hash: identity,
      onEvict: (entry) => evicted.push([entry, cache.idAt(entry)]),
    });
    const entry = cache.indexOf('a');
    cache.indexOf('b');
    expect([cache.indexOf('a'), cache.idAt(entry)]).toEqual([entry, 'a']);
    for (let i = 0; i < 10; i += 1) cache.indexOf(`u${i}`);
    expect(cache.find('a')).toBeUndefined();
    expect(evicted).toContainEqual([entry, 'a']);
    expect(evicted).toHaveLength(12 - 4);
  });

  it('finds a known unit without admitting an unknown one', () => {
    const hashed: string[] = [];
    const cache = new UnitCache({ hashKey: 'k', capacity: 4, hash: (u) => (hashed.push(u), u) });
    const entry = cache.indexOf('a');
    cache.indexOf('b');
    expect([cache.find('a'), cache.find('b'), cache.find('zzz')]).toEqual([entry, 1, undefined]);
    expect(hashed).toEqual(['a', 'b']);
  });

  it('grows its tables past their first size up to the capacity', () => {
    const cache = new UnitCache({ hashKey: 'k', capacity: 5000, hash: identity });
    for (let i = 0; i < 5000; i += 1) cache.indexOf(`u${i}`);
    expect(cache.size).toBe(5000);
    for (let i = 0; i < 5000; i += 1) expect(cache.idAt(cache.indexOf(`u${i}`))).toBe(`u${i}`);
    cache.indexOf('one-more');
    expect(cache.size).toBe(5000);
  });
});

/**
 * The reference the table must agree with: CLOCK over a `Map` (the implementation before the
 * typed-array index), giving entries in order and then by the hand.
 */
function createReferenceClock(capacity: number) {
  const entryByKey = new Map<string, number>();
  const keys: string[] = [];
  const referenced: boolean[] = [];
  let hand = 0;
  return (unitKey: string): { entry: number; evicted: string | undefined } => {
    const known = entryByKey.get(unitKey);
    if (known !== undefined) {
      referenced[known] = true;
      return { entry: known, evicted: undefined };
    }
    let entry = keys.length;
    let evicted: string | undefined;
    if (entry === capacity) {
      while (referenced[hand]) {
        referenced[hand] = false;
        hand = (hand + 1) % capacity;
      }
      entry = hand;
      hand = (hand + 1) % capacity;
      evicted = keys[entry]!;
      entryByKey.delete(evicted);
    }
    keys[entry] = unitKey;
    referenced[entry] = false;
    entryByKey.set(unitKey, entry);
    return { entry, evicted };
  };
}

describe('UnitCache index', () => {
  const identity = (unitKey: string) => unitKey;

  it.each([1, 7, 64, 1000, 3000])(
    'agrees with a reference CLOCK on entries and evictions (capacity %i, 30,000 random lookups)',
    (capacity) => {
      let evicted: string | undefined;
      const cache = new UnitCache({
        hashKey: 'k',
        capacity,
        hash: identity,
        seed: 7,
        onEvict: (entry) => (evicted = cache.idAt(entry)),
      });
      const reference = createReferenceClock(capacity);
      let state = 12345;
      const mismatches: string[] = [];
      for (let i = 0; i < 30_000; i += 1) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        // Mostly a working set a little larger than the table, sometimes a brand-new unit.
        const unit = state % 5 === 0 ? `new-${i}` : `u${state % Math.ceil(capacity * 1.5)}`;
        evicted = undefined;
        const expected = reference(unit);
        const entry = cache.indexOf(unit);
        if (entry !== expected.entry || evicted !== expected.evicted || cache.idAt(entry) !== unit)
          mismatches.push(
            `${i}: ${unit} → ${entry} evicting ${evicted}, expected ${JSON.stringify(expected)}`,
          );
      }
      expect(mismatches.slice(0, 5)).toEqual([]);
      expect(cache.size).toBeLessThanOrEqual(capacity);
    },
  );

  it('holds at most MAX_CHAIN units whose keys share a bucket: the oldest of them leaves first', () => {
    const seed = 99;
    // 1024 buckets at first: find keys whose hashes share the low 10 bits.
    const colliding: string[] = [];
    for (let i = 0; colliding.length < MAX_CHAIN + 3; i += 1) {
      if ((hashUnitKey(`c${i}`, seed) & 1023) === 5) colliding.push(`c${i}`);
    }
    const evicted: string[] = [];
    const cache = new UnitCache({
      hashKey: 'k',
      capacity: 1000,
      hash: identity,
      seed,
      onEvict: (entry) => evicted.push(cache.idAt(entry)),
    });
    for (const unit of colliding) cache.indexOf(unit);
    expect(evicted).toEqual(colliding.slice(0, 3));
    expect(cache.size).toBe(MAX_CHAIN);
    for (const unit of colliding.slice(3)) expect(cache.idAt(cache.find(unit)!)).toBe(unit);
    expect(colliding.slice(0, 3).map((unit) => cache.find(unit))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('hashes keys by their UTF-16 code units, seeded', () => {
    expect(hashUnitKey('user-1', 1)).toBe(hashUnitKey('user-1', 1));
    expect(hashUnitKey('user-1', 1)).not.toBe(hashUnitKey('user-1', 2));
    expect(hashUnitKey('user-1', 1)).not.toBe(hashUnitKey('user-2', 1));
    expect(hashUnitKey('ab', 1)).not.toBe(hashUnitKey('ba', 1));
    expect(hashUnitKey('a', 1)).not.toBe(hashUnitKey('a\u0000', 1));
  });
});

describe('FlagExposures', () => {
  const identity = (unitKey: string) => unitKey;

  it('answers a repeat, and forgets the other variant when the variant changes', () => {
    const cache = new UnitCache({ hashKey: 'k', capacity: 10, hash: identity });
    const log = new FlagExposures('f', 10);
    const on = log.stampOf('on');
    const off = log.stampOf('off');
    expect([log.stampOf('on'), on === off, on > 0 && off > 0]).toEqual([on, false, true]);
    const entry = cache.indexOf('u');
    expect([log.has(entry, on), log.variantOf(entry)]).toEqual([false, undefined]);
    log.record(entry, on);
    expect([log.has(entry, on), log.has(entry, off), log.variantOf(entry)]).toEqual([
      true,
      false,
      'on',
    ]);
    log.record(entry, off);
    expect([log.has(entry, on), log.has(entry, off), log.variantOf(entry)]).toEqual([
      false,
      true,
      'off',
    ]);
    expect(log.variantOf(cache.indexOf('w'))).toBeUndefined();
  });

  it('forgets a unit whose entry the unit table gives to another unit', () => {
    const log = new FlagExposures('f', 10);
    const cache = new UnitCache({
      hashKey: 'k',
      capacity: 10,
      hash: identity,
      onEvict: (entry) => log.forget(entry),
    });
    const on = log.stampOf('on');
    const first = cache.indexOf('first');
    log.record(first, on);
    for (let i = 0; i < 1000; i += 1) {
      const entry = cache.indexOf(`u${i}`);
      expect(log.has(entry, on)).toBe(false);
      log.record(entry, on);
    }
    expect(cache.find('first')).toBeUndefined();
    expect(log.has(cache.indexOf('first'), on)).toBe(false);
  });

  it('keeps the exposure of a unit that is used while others churn through', () => {
    const log = new FlagExposures('f', 100);
    const cache = new UnitCache({
      hashKey: 'k',
      capacity: 100,
      hash: identity,
      onEvict: (entry) => log.forget(entry),
    });
    const on = log.stampOf('on');
    log.record(cache.indexOf('hot'), on);
    for (let i = 0; i < 5000; i += 1) {
      log.record(cache.indexOf(`cold${i}`), on);
      if (i % 40 === 0) expect(log.has(cache.indexOf('hot'), on)).toBe(true);
    }
  });

  it('reports when it has seen so many variant keys that a new config might not fit', () => {
    const log = new FlagExposures('f', 10);
    for (let i = 0; i < MAX_VARIANT_KEYS - 128; i += 1) log.stampOf(`v${i}`);
    expect(log.isNearlyFull).toBe(false);
    log.stampOf('one-more');
    expect(log.isNearlyFull).toBe(true);
    for (let i = MAX_VARIANT_KEYS - 127; i < MAX_VARIANT_KEYS; i += 1) log.stampOf(`w${i}`);
    expect(() => log.stampOf('too-many')).toThrow(/full/);
  });
});
