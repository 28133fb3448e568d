import { describe, expect, it } from 'vitest';
import { createSharedResult } from '../src/evaluation/compiled-flag.js';
import { EvaluationTally } from '../src/telemetry/evaluation-tally.js';
import { FlagExposures } from '../src/telemetry/flag-exposures.js';

const info = { unitKind: 'targetingKey', exposureLog: new FlagExposures('f', 10) };

describe('EvaluationTally', () => {
  it('gives each shared result one slot and counts through it', () => {
    const tally = new EvaluationTally();
    const shared = Object.freeze({ variant: 'on', reason: 'split' as const, flagVersion: 2 });
    const slot = tally.createSlot(shared, 'f', info);
    expect(tally.findSlot(shared, 'f')).toBe(slot);
    expect(tally.findSlot(shared, 'other-flag')).toBeUndefined();
    slot!.count += 3;
    tally.countExposure(slot!);
    expect([...tally.entries()]).toEqual([
      { flagKey: 'f', variant: 'on', reason: 'split', count: 3 },
    ]);
    expect([...tally.exposureEntries()]).toEqual([
      { flagKey: 'f', variant: 'on', reason: 'split', count: 1 },
    ]);
  });

  it('makes no slot for errors or results the core did not share', () => {
    const tally = new EvaluationTally();
    expect(tally.createSlot({ reason: 'error' }, 'f', info)).toBeUndefined();
    expect(tally.createSlot({ variant: 'on', reason: 'split' }, 'f', info)).toBeUndefined();
    tally.countUnslotted('f', undefined, 'error');
    expect([...tally.entries()]).toEqual([
      { flagKey: 'f', variant: '', reason: 'error', count: 1 },
    ]);
  });

  it('keeps totals cumulative when a new config retires the slots', () => {
    const tally = new EvaluationTally();
    const before = Object.freeze({ variant: 'on', reason: 'split' as const });
    const after = Object.freeze({ variant: 'on', reason: 'split' as const });
    tally.createSlot(before, 'f', info)!.count += 2;
    tally.retire();
    expect(tally.findSlot(before, 'f')).toBeUndefined();
    tally.createSlot(after, 'f', info)!.count += 5;
    expect([...tally.entries()]).toEqual([
      { flagKey: 'f', variant: 'on', reason: 'split', count: 7 },
    ]);
  });

  it('finds slots through the shared result cell, only those of its current slots', () => {
    const shared = createSharedResult({
      value: true,
      variant: 'on',
      reason: 'split',
      flagVersion: 1,
    });
    expect(Object.keys(shared)).toEqual(['value', 'variant', 'reason', 'flagVersion']);
    expect(JSON.parse(JSON.stringify(shared))).toEqual(shared);
    const first = new EvaluationTally();
    const second = new EvaluationTally();
    const slot = first.createSlot(shared, 'f', info);
    const other = second.createSlot(shared, 'f', info);
    // The cell now names the second tally's slots: the first finds its own through its map.
    expect(first.findSlot(shared, 'f')).toBe(slot);
    expect(second.findSlot(shared, 'f')).toBe(other);
    expect(second.findSlot(shared, 'g')).toBeUndefined();
    second.retire();
    expect(second.findSlot(shared, 'f')).toBeUndefined();
    const renewed = second.createSlot(shared, 'f', info);
    expect(renewed).not.toBe(other);
    expect(second.findSlot(shared, 'f')).toBe(renewed);
  });
});
