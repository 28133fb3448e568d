import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPassLoop } from '../../src/guardian/pass-loop.js';
import { planNextPass, type PassTiming } from '../../src/guardian/plan-next-pass.js';
import type { PassTrigger } from '../../src/guardian/plan-next-pass.js';
import { watchCommittedTelemetry } from '../../src/ingest/watch-committed-telemetry.js';

const timing = (overrides: Partial<PassTiming>): PassTiming => ({
  now: 100_000,
  lastStartedAt: 95_000,
  lastDurationMs: 100,
  lastIntervalStartedAt: 95_000,
  hasFreshTelemetry: false,
  intervalMs: 10_000,
  minRecheckMs: 1000,
  ...overrides,
});

describe('planNextPass', () => {
  it('waits for the interval when no telemetry arrived', () => {
    expect(planNextPass(timing({}))).toEqual({ delayMs: 5000, trigger: 'interval' });
  });

  it('re-checks right away on fresh telemetry once the minimum gap has passed', () => {
    expect(planNextPass(timing({ hasFreshTelemetry: true }))).toEqual({
      delayMs: 0,
      trigger: 'telemetry',
    });
  });

  it('keeps the minimum gap after the last pass start', () => {
    const plan = planNextPass(timing({ hasFreshTelemetry: true, lastStartedAt: 99_700 }));
    expect(plan).toEqual({ delayMs: 700, trigger: 'telemetry' });
  });

  it('stretches the gap to four times a slow pass', () => {
    const plan = planNextPass(
      timing({ hasFreshTelemetry: true, lastStartedAt: 99_000, lastDurationMs: 800 }),
    );
    expect(plan).toEqual({ delayMs: 2200, trigger: 'telemetry' });
  });

  it('never waits past the interval, however slow the passes', () => {
    const plan = planNextPass(
      timing({ hasFreshTelemetry: true, lastStartedAt: 99_000, lastDurationMs: 5000 }),
    );
    expect(plan).toEqual({ delayMs: 5000, trigger: 'interval' });
  });

  it('makes an overdue regular pass a regular one even when telemetry is fresh', () => {
    const plan = planNextPass(
      timing({ hasFreshTelemetry: true, lastIntervalStartedAt: 80_000, lastStartedAt: 99_900 }),
    );
    expect(plan).toEqual({ delayMs: 0, trigger: 'interval' });
  });

  it('re-checks at once when telemetry arrives before any pass', () => {
    const plan = planNextPass(timing({ hasFreshTelemetry: true, lastStartedAt: undefined }));
    expect(plan).toEqual({ delayMs: 0, trigger: 'telemetry' });
  });
});

describe('createPassLoop', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const startLoop = (passMs: number) => {
    vi.useFakeTimers();
    const passes: { at: number; trigger: PassTrigger }[] = [];
    const loop = createPassLoop({
      intervalMs: 10_000,
      minRecheckMs: 1000,
      clock: () => Date.now(),
      runPass: async (trigger) => {
        passes.push({ at: Date.now(), trigger });
        await new Promise((done) => setTimeout(done, passMs));
      },
    });
    const started = Date.now();
    loop.start();
    /** Stops the loop, letting the pass in flight finish on the fake clock. */
    const stop = async () => {
      const stopped = loop.stop();
      await vi.advanceTimersByTimeAsync(passMs);
      await stopped;
    };
    return { loop, passes, stop, since: (at: number) => at - started };
  };

  it('runs regular passes every interval without telemetry', async () => {
    const { passes, since, stop } = startLoop(50);
    await vi.advanceTimersByTimeAsync(25_000);
    expect(passes.map((p) => [since(p.at), p.trigger])).toEqual([
      [10_000, 'interval'],
      [20_000, 'interval'],
    ]);
    await stop();
  });

  it('brings a pass forward when telemetry is committed, at most one per second', async () => {
    const { loop, passes, since, stop } = startLoop(50);
    await vi.advanceTimersByTimeAsync(3000);
    loop.notifyFreshTelemetry();
    await vi.advanceTimersByTimeAsync(0);
    // A steady stream of commits (every 200 ms) gives one early pass per second, not five.
    for (let i = 0; i < 15; i++) {
      await vi.advanceTimersByTimeAsync(200);
      loop.notifyFreshTelemetry();
    }
    expect(passes.map((p) => [since(p.at), p.trigger])).toEqual([
      [3000, 'telemetry'],
      [4000, 'telemetry'],
      [5000, 'telemetry'],
      [6000, 'telemetry'],
    ]);
    await stop();
  });

  it('keeps the regular pass on time while early passes run', async () => {
    const { loop, passes, since, stop } = startLoop(50);
    for (let t = 0; t < 12_000; t += 500) {
      loop.notifyFreshTelemetry();
      await vi.advanceTimersByTimeAsync(500);
    }
    const regular = passes.filter((p) => p.trigger === 'interval').map((p) => since(p.at));
    expect(regular).toEqual([10_000]);
    expect(passes.filter((p) => p.trigger === 'telemetry').length).toBeGreaterThanOrEqual(10);
    await stop();
  });

  it('never overlaps passes and runs none after stop', async () => {
    const { loop, passes, stop } = startLoop(3000);
    loop.notifyFreshTelemetry();
    await vi.advanceTimersByTimeAsync(1000);
    loop.notifyFreshTelemetry();
    await vi.advanceTimersByTimeAsync(1000);
    expect(passes).toHaveLength(1);
    await stop();
    loop.notifyFreshTelemetry();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(passes).toHaveLength(1);
  });
});

describe('watchCommittedTelemetry', () => {
  it('signals after traces and logs requests answered 200, not after failures or metrics', async () => {
    const otlp = Fastify();
    let signals = 0;
    watchCommittedTelemetry(otlp, () => signals++);
    await otlp.register(async (app) => {
      app.post('/v1/traces', async (request, reply) =>
        reply.code((request.body as { ok: boolean }).ok ? 200 : 400).send({}),
      );
      app.post('/v1/logs', async () => ({}));
      app.post('/v1/metrics', async () => ({}));
    });
    const post = (url: string, ok = true) => otlp.inject({ method: 'POST', url, payload: { ok } });
    await post('/v1/traces');
    expect(signals).toBe(1);
    await post('/v1/traces', false);
    await post('/v1/metrics');
    expect(signals).toBe(1);
    await post('/v1/logs');
    expect(signals).toBe(2);
    await otlp.close();
  });
});
