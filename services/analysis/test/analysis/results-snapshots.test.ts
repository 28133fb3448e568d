import { describe, expect, it, vi } from 'vitest';
import type { ResultsData } from '../../src/analysis/results-data.js';
import {
  createResultsSnapshots,
  type ReadOptions,
  type ResultsScope,
  type ResultsSnapshotsOptions,
} from '../../src/analysis/results-snapshots.js';

const SCOPE: ResultsScope = { flagKey: 'checkout', conversionWindowSeconds: 604_800 };

/** A fake clock and a fetch that takes `costMs` of it and returns numbered data. */
function setup(costMs: number, overrides: Partial<ResultsSnapshotsOptions> = {}) {
  let clock = 1_000_000;
  let calls = 0;
  let fail = false;
  const fetch = vi.fn(async (scope: ResultsScope): Promise<ResultsData> => {
    calls += 1;
    const call = calls;
    await Promise.resolve();
    clock += costMs;
    if (fail) throw new Error('engine down');
    return {
      excludedMultiVariant: call,
      units: [{ variant: scope.flagKey, units: call, firstExposureMs: 0 }],
    } as unknown as ResultsData;
  });
  const warn = vi.fn();
  const snapshots = createResultsSnapshots({
    fetch,
    now: () => clock,
    refreshMs: 10_000,
    slowMs: 250,
    staleMs: 120_000,
    watchMs: 900_000,
    idleRefreshMs: 60_000,
    maxBusyShare: 0.5,
    log: { warn },
    ...overrides,
  });
  return {
    snapshots,
    fetch,
    warn,
    advance: (ms: number) => (clock += ms),
    failNext: (value: boolean) => (fail = value),
    version: async (options?: ReadOptions) => {
      const served = await snapshots.read(SCOPE, options);
      return [served.served, served.snapshot.data.excludedMultiVariant] as const;
    },
  };
}

describe('createResultsSnapshots', () => {
  it('reads a fast scope live every time unless the reader allows an age', async () => {
    const t = setup(40);
    expect(await t.version()).toEqual(['live', 1]);
    expect(await t.version()).toEqual(['live', 2]);
    expect(await t.version({ maxAgeMs: 5_000 })).toEqual(['snapshot', 2]);
    t.advance(6_000);
    expect(await t.version({ maxAgeMs: 5_000 })).toEqual(['live', 3]);
    expect(await t.version({ maxAgeMs: 0 })).toEqual(['live', 4]);
  });

  it('answers a slow scope from its snapshot up to the stale limit', async () => {
    const t = setup(3_000);
    expect(await t.version()).toEqual(['live', 1]);
    t.advance(100_000);
    expect(await t.version()).toEqual(['snapshot', 1]);
    t.advance(20_000);
    expect(await t.version()).toEqual(['live', 2]);
    expect(await t.version({ maxAgeMs: 0 })).toEqual(['live', 3]);
  });

  it('shares one computation between concurrent live reads', async () => {
    const t = setup(40);
    const served = await Promise.all([t.version(), t.version(), t.version()]);
    expect(served).toEqual([
      ['live', 1],
      ['live', 1],
      ['live', 1],
    ]);
    expect(t.fetch).toHaveBeenCalledTimes(1);
  });

  it('refreshes a watched scope after commits, oldest first, within the busy share', async () => {
    const t = setup(3_000);
    await t.version();
    await t.snapshots.read({ ...SCOPE, environment: 'staging' });
    expect(await t.snapshots.refreshDue()).toBe(false); // no commit, not 10 s old
    t.snapshots.notifyFreshTelemetry();
    expect(await t.snapshots.refreshDue()).toBe(false); // committed, but only 3 s old
    t.advance(10_000);
    expect(await t.snapshots.refreshDue()).toBe(true);
    // The production scope (older) went first; the next refresh waits as long as this one took.
    expect(t.fetch.mock.calls.map(([scope]) => scope.environment)).toEqual([
      undefined,
      'staging',
      undefined,
    ]);
    expect(await t.snapshots.refreshDue()).toBe(false);
    t.advance(3_000);
    expect(await t.snapshots.refreshDue()).toBe(true);
    expect(t.fetch.mock.calls.at(-1)?.[0].environment).toBe('staging');
    expect(await t.version()).toEqual(['snapshot', 3]);
  });

  it('refreshes without a seen commit after the idle period, and forgets scopes nobody reads', async () => {
    const t = setup(3_000);
    await t.version();
    t.advance(30_000);
    expect(await t.snapshots.refreshDue()).toBe(false);
    t.advance(30_000);
    expect(await t.snapshots.refreshDue()).toBe(true);
    expect(t.fetch).toHaveBeenCalledTimes(2);
    t.advance(900_001);
    t.snapshots.notifyFreshTelemetry();
    expect(await t.snapshots.refreshDue()).toBe(false);
    expect(await t.version()).toEqual(['live', 3]);
  });

  it('keeps the snapshot when a refresh fails and fails a live read when the engine does', async () => {
    const t = setup(3_000);
    await t.version();
    t.snapshots.notifyFreshTelemetry();
    t.advance(10_000);
    t.failNext(true);
    expect(await t.snapshots.refreshDue()).toBe(true);
    expect(t.warn).toHaveBeenCalledWith(
      expect.objectContaining({ flagKey: 'checkout' }),
      expect.stringContaining('previous snapshot is kept'),
    );
    expect(await t.version()).toEqual(['snapshot', 1]);
    await expect(t.snapshots.read(SCOPE, { maxAgeMs: 0 })).rejects.toThrow('engine down');
    t.failNext(false);
    expect(await t.version({ maxAgeMs: 0 })).toEqual(['live', 4]);
  });

  it('never answers with data the reader calls outdated, nor with a computation begun before it', async () => {
    const t = setup(3_000);
    const since = (call: number): ReadOptions => ({
      maxAgeMs: 60_000,
      isCurrent: (data) => data.excludedMultiVariant >= call,
    });
    expect(await t.version()).toEqual(['live', 1]);
    expect(await t.version(since(1))).toEqual(['snapshot', 1]);
    expect(await t.version(since(2))).toEqual(['live', 2]);
    // The second read joins computation 3, begun before what it needs: it waits for one more.
    const early = t.version({ maxAgeMs: 0 });
    const late = t.version(since(4));
    expect(await Promise.all([early, late])).toEqual([
      ['live', 3],
      ['live', 4],
    ]);
    expect(t.fetch).toHaveBeenCalledTimes(4);
    expect(await t.version(since(4))).toEqual(['snapshot', 4]);
  });

  it('recomputes the scopes of a flag whose definitions changed at once, once for many changes', async () => {
    const t = setup(3_000);
    const since = (call: number): ReadOptions => ({
      maxAgeMs: 60_000,
      isCurrent: (data) => data.excludedMultiVariant >= call,
    });
    expect(await t.version()).toEqual(['live', 1]);
    await t.snapshots.read({ ...SCOPE, flagKey: 'search' });
    t.snapshots.notifyFreshTelemetry();
    t.advance(10_000);
    expect(await t.snapshots.refreshDue()).toBe(true); // periodic: checkout, then a busy-share wait
    expect(await t.snapshots.refreshDue()).toBe(false);
    for (let i = 0; i < 3; i += 1) t.snapshots.notifyDefinitionChange('checkout');
    // Neither the busy-share wait nor the 10 s period holds it back; three changes, one pass.
    expect(await t.snapshots.refreshDue()).toBe(true);
    expect(await t.snapshots.refreshDue()).toBe(false);
    expect(t.fetch.mock.calls.map(([scope]) => scope.flagKey)).toEqual([
      'checkout',
      'search',
      'checkout',
      'checkout',
    ]);
    expect(await t.version(since(4))).toEqual(['snapshot', 4]);
  });

  it('recomputes once more after changes made during a computation, which reads join', async () => {
    const t = setup(3_000);
    const since = (call: number): ReadOptions => ({
      maxAgeMs: 60_000,
      isCurrent: (data) => data.excludedMultiVariant >= call,
    });
    expect(await t.version()).toEqual(['live', 1]);
    t.snapshots.notifyDefinitionChange('checkout');
    const first = t.snapshots.refreshDue();
    t.snapshots.notifyDefinitionChange('checkout');
    t.snapshots.notifyDefinitionChange('checkout');
    // A read while the recomputation runs joins it (served live), as any live read does.
    expect(await t.version(since(2))).toEqual(['live', 2]);
    expect(await first).toBe(true);
    expect(await t.snapshots.refreshDue()).toBe(true);
    expect(await t.snapshots.refreshDue()).toBe(false);
    expect(t.fetch).toHaveBeenCalledTimes(3);
    expect(await t.version(since(3))).toEqual(['snapshot', 3]);
  });

  it('once started, recomputes after a definition change without waiting for a tick', async () => {
    const t = setup(3_000);
    await t.version();
    t.snapshots.notifyDefinitionChange('checkout'); // not started: nothing runs by itself
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.fetch).toHaveBeenCalledTimes(1);
    t.snapshots.start(3_600_000);
    t.snapshots.notifyDefinitionChange('search'); // a flag no read scope has
    t.snapshots.notifyDefinitionChange('checkout');
    await vi.waitFor(() => expect(t.fetch).toHaveBeenCalledTimes(2));
    await t.snapshots.stop();
    t.snapshots.notifyDefinitionChange('checkout');
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.fetch).toHaveBeenCalledTimes(2);
  });

  it('once started, runs the pass for a change made during a computation as soon as it ends', async () => {
    let release = (): void => {};
    const fetch = vi.fn(async (): Promise<ResultsData> => {
      await new Promise<void>((resolve) => (release = resolve));
      return { excludedMultiVariant: fetch.mock.calls.length, units: [] } as unknown as ResultsData;
    });
    const t = setup(0, { fetch });
    const first = t.snapshots.read(SCOPE);
    release();
    await first;
    t.snapshots.start(3_600_000);
    t.snapshots.notifyDefinitionChange('checkout');
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
    t.snapshots.notifyDefinitionChange('checkout'); // while the second computation runs
    await new Promise((resolve) => setImmediate(resolve)); // its own kick finds the turn held
    expect(fetch).toHaveBeenCalledTimes(2);
    release();
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(3));
    release();
    await t.snapshots.stop();
  });
});
