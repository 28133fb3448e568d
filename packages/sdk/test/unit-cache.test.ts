import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createUnitHasher, hashUnit } from '../src/telemetry/hash-unit.js';
import { FlagExposures, MAX_VARIANT_KEYS } from '../src/telemetry/flag-exposures.js';
import { UnitCache } from '../src/telemetry/unit-cache.js';

describe('hashUnit', () => {
  it('is HMAC-SHA256 of the unit key under the configured key, hex, 32 chars', () => {
    const expected = createHmac('sha256', 'k1').update('user-42').digest('hex').slice(0, 32);
    expect(hashUnit('user-42', 'k1')).toBe(expected);
    expect(hashUnit('user-42', 'k1')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('depends on the key, so ids cannot be recomputed without it', () => {
    expect(hashUnit('user-42', 'k1')).not.toBe(hashUnit('user-42', 'k2'));
  });
});

describe('createUnitHasher', () => {
  // Keys around the 64-byte block (longer keys are hashed first), multi-byte and lone surrogates.
  const keys = [
    'k',
    'x'.repeat(63),
    'x'.repeat(64),
    'y'.repeat(65),
    'é'.repeat(40),
    'key-0123456789abcdef',
  ];
  const units = [
    '',
    'user-42',
    'alice@example.com',
    '😀'.repeat(30),
    'z'.repeat(500),
    'a\ud800b',
    '42',
  ];

  it.each(keys)('equals hashUnit (HMAC-SHA256) for every unit under key %j', (key) => {
    const hasher = createUnitHasher(key);
    for (const unit of units) expect(hasher(unit)).toBe(hashUnit(unit, key));
  });

  it('equals hashUnit on both sides of the short ASCII path (128 characters, non-ASCII)', () => {
    const hasher = createUnitHasher('key-0123456789abcdef');
    const units = [
      'a'.repeat(127),
      'a'.repeat(128),
      'a'.repeat(129),
      `${'a'.repeat(50)}\u007f`,
      'ü',
    ];
    for (const unit of units) expect(hasher(unit)).toBe(hashUnit(unit, 'key-0123456789abcdef'));
  });

  it('gives the same id after a longer unit key grew its buffer', () => {
    const hasher = createUnitHasher('key-0123456789abcdef');
    const before = hasher('short');
    hasher('long'.repeat(100));
    expect(hasher('short')).toBe(before);
  });
});

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
