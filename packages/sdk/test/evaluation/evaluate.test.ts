import type { ConfigSnapshot, Flag } from '@tripwire/schema';
import { describe, expect, it } from 'vitest';
import { compileConfig } from '../../src/evaluation/index.js';
import { makeFlag, makeRollout, makeSnapshot } from './fixtures.js';

const withPrerequisite = (key: string, on: string): Flag =>
  makeFlag({ key, prerequisites: [{ flag: on, variants: ['b'] }] }, { variant: 'b' });

describe('evaluate', () => {
  const config = compileConfig(
    makeSnapshot([
      makeFlag({ key: 'split' }, makeRollout([1, 1], 10_000)),
      makeFlag({
        key: 'json',
        type: 'json',
        variants: [{ key: 'a', value: { nested: { list: [1] } } }],
      }),
    ]),
  );

  it('returns one shared frozen result per variant and reason, so repeat calls allocate nothing', () => {
    const first = config.evaluate('split', { targetingKey: 'u-1' }, '');
    expect(config.evaluate('split', { targetingKey: 'u-1' }, '')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('deep-freezes JSON values and does not share them with the snapshot', () => {
    const snapshot = makeSnapshot([
      makeFlag({ key: 'j', type: 'json', variants: [{ key: 'a', value: { list: [1] } }] }),
    ]);
    const result = compileConfig(snapshot).evaluate('j', {}, {});
    expect(result.value).toEqual({ list: [1] });
    expect(Object.isFrozen((result.value as { list: number[] }).list)).toBe(true);
    expect(Object.isFrozen(snapshot.flags[0]!.variants[0]!.value)).toBe(false);
  });

  it('returns the default with general when a context getter throws', () => {
    const hostile = Object.defineProperty({}, 'targetingKey', {
      get() {
        throw new Error('boom');
      },
    });
    expect(config.evaluate('split', hostile, 'dflt')).toMatchObject({
      value: 'dflt',
      reason: 'error',
      errorCode: 'general',
    });
  });

  it('returns invalid_context for a context that is not an object', () => {
    expect(config.evaluate('split', null as never, 'd')).toMatchObject({
      value: 'd',
      errorCode: 'invalid_context',
    });
  });

  it('turns a garbage flag into a parse_error that says where, without throwing', () => {
    const snapshot = {
      ...makeSnapshot([]),
      flags: [{ key: 'bad', kind: 'nope' }, 42, null],
    } as unknown as ConfigSnapshot;
    const result = compileConfig(snapshot).evaluate('bad', {}, true);
    expect(result).toMatchObject({ value: true, reason: 'error', errorCode: 'parse_error' });
    expect(result.errorMessage).toContain("flag 'bad' is invalid at");
  });

  it('still evaluates a flag whose only problems are in metadata or guardrails', () => {
    const flag = makeFlag({ key: 'meta' }, { variant: 'b' });
    const broken = {
      ...flag,
      metadata: { createdAt: 'not a date' },
      guardrails: [{ id: 'g' }],
    } as unknown as Flag;
    expect(compileConfig(makeSnapshot([broken])).evaluate('meta', {}, '')).toMatchObject({
      value: 'b',
      reason: 'static',
    });
  });

  it('compiles a snapshot with no flags array to an empty config', () => {
    const config = compileConfig({
      environment: 'production',
      version: 1,
    } as unknown as ConfigSnapshot);
    expect(config.listFlagKeys()).toEqual([]);
  });

  it('breaks every flag on a prerequisite cycle', () => {
    const cyclic = compileConfig(
      makeSnapshot([withPrerequisite('x', 'y'), withPrerequisite('y', 'x')]),
    );
    expect(cyclic.evaluate('x', {}, '')).toMatchObject({ errorCode: 'parse_error' });
    expect(cyclic.evaluate('x', {}, '').errorMessage).toContain('cycle');
  });

  it('breaks flags that use a segment on a reference cycle', () => {
    const flag = makeFlag({
      key: 'f',
      environments: {
        production: {
          enabled: true,
          rules: [{ id: 'r', when: { segment: 's1' }, serve: { variant: 'b' } }],
          fallthrough: { variant: 'a' },
        },
      },
    });
    const segments = [
      { key: 's1', included: [], excluded: [], when: { segment: 's2' }, version: 1 },
      { key: 's2', included: [], excluded: [], when: { segment: 's1' }, version: 1 },
    ];
    const result = compileConfig(makeSnapshot([flag], segments)).evaluate('f', {}, '');
    expect(result).toMatchObject({ errorCode: 'parse_error' });
    expect(result.errorMessage).toContain('references itself');
  });

  it("propagates a prerequisite's error with its code", () => {
    const flags = [
      makeFlag({ key: 'base' }, makeRollout([1, 1], 10_000)),
      withPrerequisite('child', 'base'),
    ];
    const result = compileConfig(makeSnapshot(flags)).evaluate('child', {}, 'd');
    expect(result).toMatchObject({ value: 'd', errorCode: 'targeting_key_missing' });
    expect(result.errorMessage).toContain("prerequisite 'base'");
  });

  it('evaluates without a default through resolve (bulk evaluation)', () => {
    expect(config.resolve('json', {})).toMatchObject({
      value: { nested: { list: [1] } },
      variant: 'a',
      reason: 'static',
    });
    expect(config.resolve('missing', {})).toMatchObject({
      value: undefined,
      errorCode: 'flag_not_found',
    });
  });

  it('describes flags for telemetry', () => {
    expect(config.getFlag('split')).toMatchObject({
      key: 'split',
      kind: 'experiment',
      unit: 'targetingKey',
      version: 1,
    });
    expect(config.listFlagKeys()).toEqual(['split', 'json']);
  });

  it('serves only the offVariant while disabled, without reading the context', () => {
    const off = makeFlag({
      key: 'off',
      environments: {
        production: {
          enabled: false,
          rules: [],
          fallthrough: makeRollout([1, 1], 10_000),
          offVariant: 'c',
        },
      },
    });
    expect(compileConfig(makeSnapshot([off])).evaluate('off', {}, '')).toEqual({
      value: 'c',
      variant: 'c',
      reason: 'disabled',
      flagVersion: 1,
    });
  });
});
