import type { ConfigSnapshot, EvaluationContext, Flag } from '@tripwire/schema';
import { FlagAttributes, SpanNames } from '@tripwire/schema';
import { describe, expect, it, vi } from 'vitest';
import { createClientWithSource } from '../src/client.js';
import { compileConfig } from '../src/evaluation/index.js';
import type { ConfigSink, ConfigSource } from '../src/sources/config-source.js';
import type { TripwireClient } from '../src/client-types.js';
import { makeFlag, makeRollout, makeSnapshot, unitKeys } from './evaluation/fixtures.js';
import { createTracing } from './support/otel.js';
import { UnitCache } from '../src/telemetry/unit-cache.js';
import { hashUnit } from '../src/telemetry/hash-unit.js';

/** Experiments whose buckets the memo keeps: fallthrough splits, a seeded rule split, bucketBy. */
function experiments(seed: number): Flag[] {
  return [
    makeFlag({ key: 'split-a' }, makeRollout([1, 1], 10_000, seed)),
    makeFlag({ key: 'split-b' }, makeRollout([1, 2, 3, 4], 9000)),
    makeFlag(
      {
        key: 'ruled',
        environments: {
          production: {
            enabled: true,
            rules: [
              {
                id: 'pro',
                when: { attribute: 'plan', op: 'equals', values: ['pro'] },
                serve: makeRollout([3, 1], 10_000, seed + 7),
              },
            ],
            fallthrough: makeRollout([1, 1, 1], 10_000),
          },
        },
      },
      undefined,
    ),
    makeFlag({ key: 'by-team', unit: 'team' }, makeRollout([1, 1], 10_000)),
    makeFlag(
      { key: 'user-bucketed-by-team' },
      {
        rollout: {
          coverage: 10_000,
          weights: [
            { variant: 'a', weight: 1 },
            { variant: 'b', weight: 1 },
          ],
          bucketBy: 'team',
        },
      },
    ),
  ];
}

const HASH_KEY = 'memo-test-hash-key-0123';

const snapshotWith = (seed: number, version: number): ConfigSnapshot => ({
  ...makeSnapshot(experiments(seed)),
  version,
});

/** A client over a source the test drives, with an OTel SDK (so exposures and the memo are live). */
function createDrivenClient(unitCacheSize: number): {
  client: TripwireClient;
  sink: ConfigSink;
  tracing: ReturnType<typeof createTracing>;
} {
  let sink: ConfigSink | undefined;
  const source: ConfigSource = {
    origin: 'static',
    start: (s) => {
      sink = s;
      s.put(snapshotWith(1, 1), 'static');
    },
    close: () => Promise.resolve(),
  };
  const tracing = createTracing();
  const { tracer } = tracing;
  const client = createClientWithSource(
    {
      environment: 'production',
      hashKey: HASH_KEY,
      source: { type: 'static', config: snapshotWith(1, 1) },
      tracer,
      logger: null,
      unitCacheSize,
    },
    source,
  );
  return { client, sink: sink!, tracing };
}

const FLAG_KEYS = ['split-a', 'split-b', 'ruled', 'by-team'];
const contextsOf = (units: string[]): EvaluationContext[] =>
  units.map((targetingKey, i) => ({
    targetingKey,
    plan: i % 3 === 0 ? 'pro' : 'free',
    team: `team-${i % 37}`,
  }));

/** Each context's variant per flag, three passes (the third reads buckets from the memo). */
function variantsOf(
  evaluate: (flagKey: string, ctx: EvaluationContext) => string | undefined,
  contexts: EvaluationContext[],
): (string | undefined)[] {
  const seen: (string | undefined)[] = [];
  for (let pass = 0; pass < 3; pass += 1) {
    for (const ctx of contexts) for (const flagKey of FLAG_KEYS) seen.push(evaluate(flagKey, ctx));
  }
  return seen;
}

describe('the bucket memo (client evaluation with an OTel SDK)', () => {
  it('gives every unit the core’s variant while units are evicted and reused entries fill again', () => {
    // 16 entries for 400 units: every entry changes hands many times between passes.
    const { client } = createDrivenClient(16);
    const contexts = contextsOf(unitKeys(400));
    const core = compileConfig(snapshotWith(1, 1));
    const expected = variantsOf((f, ctx) => core.evaluate(f, ctx, 'x').variant, contexts);
    // A unit evaluated in a burst is promoted, then memoized; bursts of 4 units keep them in.
    const actual: (string | undefined)[] = [];
    for (let pass = 0; pass < 3; pass += 1) {
      for (let start = 0; start < contexts.length; start += 4) {
        const burst = contexts.slice(start, start + 4);
        for (let round = 0; round < 3; round += 1) {
          for (const ctx of burst) {
            for (const flagKey of FLAG_KEYS) {
              const variant = client.assign(flagKey, ctx, 'x').variant;
              if (round === 2) actual.push(variant);
            }
          }
        }
      }
    }
    expect(actual).toEqual(expected);
  });

  it('reads the rollouts of a new config afresh (a changed seed moves units)', () => {
    const { client, sink } = createDrivenClient(1000);
    const contexts = contextsOf(unitKeys(300));
    const evaluateClient = (f: string, ctx: EvaluationContext) =>
      client.assign(f, ctx, 'x').variant;
    const before = compileConfig(snapshotWith(1, 1));
    expect(variantsOf(evaluateClient, contexts)).toEqual(
      variantsOf((f, ctx) => before.evaluate(f, ctx, 'x').variant, contexts),
    );
    expect(sink.put(snapshotWith(2, 2), 'static')).toBe(true);
    const after = compileConfig(snapshotWith(2, 2));
    const expected = variantsOf((f, ctx) => after.evaluate(f, ctx, 'x').variant, contexts);
    expect(variantsOf(evaluateClient, contexts)).toEqual(expected);
    // The new seed moves units: the check above would pass on stale buckets otherwise.
    expect(expected).not.toEqual(
      variantsOf((f, ctx) => before.evaluate(f, ctx, 'x').variant, contexts),
    );
  });

  it('after a memo miss, finds the unit without a second promoted lookup', () => {
    const { client } = createDrivenClient(1000);
    const targetingKey = unitKeys(1)[0]!;
    const ctx = { targetingKey };
    const unitId = client.hashUnit(targetingKey); // known, not promoted
    const indexOf = vi.spyOn(UnitCache.prototype, 'indexOf');
    const unpromoted = vi.spyOn(UnitCache.prototype, 'indexOfUnpromoted');
    try {
      client.assign('split-a', ctx, 'x'); // the memo misses: its key goes to indexOfUnpromoted
      expect(indexOf).not.toHaveBeenCalled();
      expect(unpromoted).toHaveBeenCalledTimes(1);
      expect(unpromoted).toHaveBeenLastCalledWith(targetingKey);
      client.assign('split-b', ctx, 'x'); // promoted now: the memo's entry serves
      client.assign('split-a', ctx, 'x'); // a repeat
      expect(indexOf).not.toHaveBeenCalled();
      expect(unpromoted).toHaveBeenCalledTimes(1);
    } finally {
      indexOf.mockRestore();
      unpromoted.mockRestore();
    }
    expect(client.hashUnit(targetingKey)).toBe(unitId);
  });

  it('exposes the flag’s unit when the rollout buckets by another attribute', () => {
    const { client, tracing } = createDrivenClient(1000);
    const ctx = { targetingKey: 'user-1', team: 'team-1' };
    const exposedIds = (flagKey: string) =>
      tracing
        .finished()
        .filter(
          (s) => s.name === SpanNames.exposure && s.attributes[FlagAttributes.key] === flagKey,
        )
        .map((s) => s.attributes[FlagAttributes.contextId]);
    // The memo misses 'team-1' (never seen): the exposure is still the targeting key's.
    client.assign('user-bucketed-by-team', ctx, 'x');
    expect(exposedIds('user-bucketed-by-team')).toEqual([hashUnit('user-1', HASH_KEY)]);
    // 'team-1' promoted by a flag whose unit it is: the memo's entry is the team's, not the unit's.
    for (let i = 0; i < 3; i += 1) client.assign('by-team', ctx, 'x');
    expect(exposedIds('by-team')).toEqual([hashUnit('team-1', HASH_KEY)]);
    client.assign('user-bucketed-by-team', { ...ctx, targetingKey: 'user-2' }, 'x');
    expect(exposedIds('user-bucketed-by-team')).toEqual([
      hashUnit('user-1', HASH_KEY),
      hashUnit('user-2', HASH_KEY),
    ]);
  });
});
