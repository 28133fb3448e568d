import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashUnit } from '../src/telemetry/hash-unit.js';
import { hasExposure, listExposures, setExposure, UnitCache } from '../src/telemetry/unit-cache.js';

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

describe('UnitCache', () => {
  it('returns the same entry for a unit while it is cached', () => {
    const cache = new UnitCache({ hashKey: 'k', capacity: 10 });
    const entry = cache.entryFor('u1');
    expect(cache.entryFor('u1')).toBe(entry);
    expect(entry.id).toBe(hashUnit('u1', 'k'));
  });

  it('never holds more than its capacity', () => {
    const cache = new UnitCache({ hashKey: 'k', capacity: 100 });
    for (let i = 0; i < 10_000; i += 1) cache.entryFor(`u${i}`);
    expect(cache.size).toBeLessThanOrEqual(100);
  });

  it('keeps a unit that is used regularly while others churn through', () => {
    const cache = new UnitCache({ hashKey: 'k', capacity: 100 });
    const hot = cache.entryFor('hot');
    for (let i = 0; i < 5000; i += 1) {
      cache.entryFor(`cold${i}`);
      if (i % 40 === 0) expect(cache.entryFor('hot')).toBe(hot);
    }
  });

  it('forgets units that were not used for more than the capacity', () => {
    const cache = new UnitCache({ hashKey: 'k', capacity: 10 });
    const first = cache.entryFor('first');
    for (let i = 0; i < 20; i += 1) cache.entryFor(`u${i}`);
    expect(cache.entryFor('first')).not.toBe(first);
  });
});

describe('per-unit exposure record', () => {
  it('remembers the last variant per flag, for any number of flags', () => {
    const unit = new UnitCache({ hashKey: 'k', capacity: 10 }).entryFor('u');
    expect(hasExposure(unit, 'a', 'on')).toBe(false);
    for (const flag of ['a', 'b', 'c']) setExposure(unit, flag, 'on');
    expect(['a', 'b', 'c', 'd'].map((f) => hasExposure(unit, f, 'on'))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    setExposure(unit, 'a', 'off');
    setExposure(unit, 'c', 'off');
    expect(hasExposure(unit, 'a', 'on')).toBe(false);
    expect(hasExposure(unit, 'c', 'off')).toBe(true);
    expect(listExposures(unit)).toEqual([
      ['a', 'off'],
      ['b', 'on'],
      ['c', 'off'],
    ]);
  });
});
