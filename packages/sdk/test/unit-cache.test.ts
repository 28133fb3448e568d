import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createUnitHasher, hashUnit } from '../src/telemetry/hash-unit.js';
import { FlagExposures } from '../src/telemetry/flag-exposures.js';
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

describe('FlagExposures', () => {
  it('answers a repeat with the unit id, and forgets the other variant when the variant changes', () => {
    const log = new FlagExposures('f', 10);
    const on = log.variant('on');
    const off = log.variant('off');
    expect(log.variant('on')).toBe(on);
    expect(on.get('u')).toBeUndefined();
    log.record(on, 'u', 'id-u');
    expect([on.get('u'), off.get('u'), log.variantOf('u')]).toEqual(['id-u', undefined, 'on']);
    log.record(off, 'u', 'id-u');
    expect([on.get('u'), off.get('u'), log.variantOf('u')]).toEqual([undefined, 'id-u', 'off']);
    expect(log.variantOf('w')).toBeUndefined();
  });

  it('never holds more than its capacity per variant, and forgets units not seen for longer', () => {
    const log = new FlagExposures('f', 10);
    const on = log.variant('on');
    log.record(on, 'first', 'id');
    for (let i = 0; i < 1000; i += 1) log.record(on, `u${i}`, 'id');
    expect(on.size).toBeLessThanOrEqual(10);
    expect(on.get('first')).toBeUndefined();
  });

  it('keeps a unit exposed within the last capacity / 2 units', () => {
    const log = new FlagExposures('f', 100);
    const on = log.variant('on');
    log.record(on, 'hot', 'id-hot');
    for (let i = 0; i < 5000; i += 1) {
      log.record(on, `cold${i}`, 'id');
      if (i % 40 === 0) expect(on.get('hot')).toBe('id-hot');
    }
  });
});
