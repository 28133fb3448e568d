import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigProblem, TripwireClient } from '../src/index.js';
import { createClient } from '../src/index.js';
import { ConfigServer, formatSse } from './support/config-server.js';
import { createMetrics } from './support/metrics.js';
import { createTracing } from './support/otel.js';
import { HASH_KEY, makeReleaseFlag, makeSnapshot } from './support/snapshot.js';
import { waitFor } from './support/wait-for.js';

let server: ConfigServer;
let base: string;
let client: TripwireClient | undefined;
let problems: ConfigProblem[];

beforeEach(async () => {
  server = new ConfigServer();
  base = await server.listen();
  problems = [];
});

afterEach(async () => {
  await client?.close();
  client = undefined;
  await server.close();
});

function start(
  source: Parameters<typeof createClient>[0]['source'],
  extra: { bootstrap?: ReturnType<typeof makeSnapshot> } = {},
) {
  client = createClient({
    environment: 'production',
    hashKey: HASH_KEY,
    sdkKey: 'sdk-key',
    source,
    logger: null,
    ...extra,
  });
  client.on('error', (problem) => problems.push(problem));
  return client;
}

const navFor = (c: TripwireClient) =>
  c.getBooleanValue('new-nav', { targetingKey: 'u', beta: true }, false);

/** new-nav switched off (a kill) in a new config version. */
function killedNav(version: number) {
  const snapshot = makeSnapshot({ version });
  const flag = makeReleaseFlag({ version: 2 });
  flag.environments.production!.enabled = false;
  snapshot.flags = snapshot.flags.map((f) => (f.key === 'new-nav' ? flag : f));
  return snapshot;
}

describe('client over HTTP polling', () => {
  it('is ready with the served config and reports where it came from', async () => {
    server.config = { version: 1, body: makeSnapshot() };
    const c = start({ type: 'polling', baseUrl: base, intervalMs: 10 });
    const ready = await c.ready({ timeoutMs: 2000 });
    expect(ready).toMatchObject({ ready: true, origin: 'polling', version: 1, timedOut: false });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sdk-key');
    expect(navFor(c)).toBe(true);
  });

  it('ignores an invalid update, says why, and keeps the last known good config', async () => {
    server.config = { version: 1, body: makeSnapshot() };
    const c = start({ type: 'polling', baseUrl: base, intervalMs: 10 });
    await c.ready();
    const broken = makeSnapshot({ version: 2 });
    broken.flags[1] = { ...makeReleaseFlag(), defaultVariant: 'missing' };
    server.config = { version: 2, body: broken };
    await waitFor(() => problems.length > 0);
    expect(problems[0]?.code).toBe('TRIPWIRE_INVALID_CONFIG');
    expect(problems[0]?.message).toMatch(
      /config snapshot is invalid \(from polling\); keeping the applied config: \/flags\/1/,
    );
    expect(c.status().version).toBe(1);
    expect(navFor(c)).toBe(true);
  });

  it('keeps serving through an outage and marks itself stale', async () => {
    server.config = { version: 1, body: makeSnapshot() };
    const c = start({ type: 'polling', baseUrl: base, intervalMs: 10 });
    await c.ready();
    server.failWith = 503;
    await waitFor(() => c.status().stale);
    expect(c.status().lastProblem?.code).toBe('TRIPWIRE_SOURCE_FAILED');
    expect(navFor(c)).toBe(true);
    server.failWith = undefined;
    server.config = { version: 2, body: killedNav(2) };
    await waitFor(() => !c.status().stale && c.status().version === 2);
    expect(navFor(c)).toBe(false);
  });

  it('is no longer stale once the server answers again, even with an unchanged config', async () => {
    server.config = { version: 1, body: makeSnapshot() };
    const c = start({ type: 'polling', baseUrl: base, intervalMs: 10 });
    await c.ready();
    const recovered: string[] = [];
    c.on('recover', ({ origin }) => recovered.push(origin));
    server.failWith = 503;
    await waitFor(() => c.status().stale);
    server.failWith = undefined;
    await waitFor(() => !c.status().stale);
    expect(recovered).toEqual(['polling']);
    expect(c.status().version).toBe(1);
  });

  it('refuses a config for another environment', async () => {
    server.config = { version: 1, body: makeSnapshot({ environment: 'staging' }) };
    const c = start({ type: 'polling', baseUrl: base, intervalMs: 10_000 });
    const ready = await c.ready({ timeoutMs: 300 });
    expect(ready).toMatchObject({ ready: false, timedOut: true, origin: undefined });
    expect(ready.lastProblem?.message).toContain("config is for environment 'staging'");
  });
});

describe('client over the SSE stream', () => {
  it('applies a put, then a patch (a kill) pushed later', async () => {
    server.onStream((res) => res.write(formatSse('put', makeSnapshot({ version: 5 }), 5)));
    const c = start({ type: 'stream', baseUrl: base, backoff: { baseMs: 5, maxMs: 20 } });
    expect(await c.ready({ timeoutMs: 2000 })).toMatchObject({ origin: 'stream', version: 5 });
    const changes: number[] = [];
    c.on('change', (change) => changes.push(change.version));
    const flag = makeReleaseFlag({ version: 9 });
    flag.environments.production!.enabled = false;
    server.broadcast(
      formatSse('patch', { version: 6, flags: [flag], segments: [], removedFlags: [] }, 6),
    );
    await waitFor(() => changes.length === 1);
    expect(navFor(c)).toBe(false);
  });

  it('is not stale after the stream reconnects, even when nothing changed', async () => {
    server.onStream((res, req) => {
      if (req.headers['last-event-id'] === undefined) {
        res.write(formatSse('put', makeSnapshot({ version: 5 }), 5));
      } else res.write(': ping\n\n');
    });
    const c = start({ type: 'stream', baseUrl: base, backoff: { baseMs: 5, maxMs: 20 } });
    await c.ready();
    server.dropStreams();
    // The stale window can be shorter than a poll of status(): watch the reports instead.
    await waitFor(() => problems.some((p) => p.code === 'TRIPWIRE_SOURCE_FAILED'));
    await waitFor(() => server.requests.filter((r) => r.path === '/sdk/v1/stream').length === 2);
    await waitFor(() => !c.status().stale);
    expect(c.status().version).toBe(5);
  });

  it('resumes with Last-Event-ID after a drop', async () => {
    server.onStream((res, req) => {
      if (req.headers['last-event-id'] === undefined)
        res.write(formatSse('put', makeSnapshot({ version: 5 }), 5));
      else res.write(': ping\n\n');
    });
    const c = start({ type: 'stream', baseUrl: base, backoff: { baseMs: 5, maxMs: 20 } });
    await c.ready();
    server.dropStreams();
    await waitFor(() => server.requests.filter((r) => r.path === '/sdk/v1/stream').length === 2);
    expect(server.requests.at(-1)?.headers['last-event-id']).toBe('5');
  });

  it('releases its connection when closed', async () => {
    server.onStream((res) => res.write(formatSse('put', makeSnapshot(), 1)));
    const c = start({ type: 'stream', baseUrl: base });
    await c.ready();
    expect(server.openStreams).toBe(1);
    await c.close();
    await waitFor(() => server.openStreams === 0);
    expect(c.status().closed).toBe(true);
  });
});

describe('close', () => {
  it('stops polling: no request reaches the server after close', async () => {
    server.config = { version: 1, body: makeSnapshot() };
    const c = start({ type: 'polling', baseUrl: base, intervalMs: 5 });
    await c.ready();
    await waitFor(() => server.requests.length >= 3);
    await c.close();
    const seen = server.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.requests.length).toBe(seen);
  });

  it('stops watching the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tripwire-client-close-'));
    const path = join(dir, 'flags.json');
    try {
      await writeFile(path, JSON.stringify(makeSnapshot()));
      const c = start({ type: 'file', path });
      await c.ready();
      await c.close();
      await writeFile(path, JSON.stringify(killedNav(2)));
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(c.status().version).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('bootstrap and file sources', () => {
  it('evaluates the bootstrap until the source answers, and reports it on timeout', async () => {
    server.failWith = 503;
    const c = start(
      { type: 'polling', baseUrl: base, intervalMs: 10 },
      { bootstrap: makeSnapshot() },
    );
    expect(navFor(c)).toBe(true);
    const ready = await c.ready({ timeoutMs: 100 });
    expect(ready).toMatchObject({ ready: true, origin: 'bootstrap', timedOut: true });
    expect(ready.lastProblem?.message).toContain('answered 503');
  });

  it('reads and follows a local file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tripwire-client-file-'));
    const path = join(dir, 'flags.json');
    try {
      await writeFile(path, JSON.stringify(makeSnapshot()));
      const c = start({ type: 'file', path });
      expect(await c.ready()).toMatchObject({ origin: 'file', version: 1 });
      await writeFile(path, JSON.stringify(killedNav(2)));
      await waitFor(() => c.status().version === 2);
      expect(navFor(c)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('evaluation before any config', () => {
  it('returns the default with provider_not_ready, without throwing', () => {
    server.failWith = 503;
    const c = start({ type: 'polling', baseUrl: base, intervalMs: 10_000 });
    expect(c.assign('new-nav', { targetingKey: 'u' }, true)).toEqual({
      value: true,
      reason: 'error',
      errorCode: 'provider_not_ready',
      errorMessage: 'no config applied yet',
    });
  });
});

describe('config changes and telemetry', () => {
  it('keeps exposures deduplicated and evaluation counts cumulative across config versions', async () => {
    const tracing = createTracing();
    const metrics = createMetrics();
    server.config = { version: 1, body: makeSnapshot() };
    client = createClient({
      environment: 'production',
      hashKey: HASH_KEY,
      source: { type: 'polling', baseUrl: base, intervalMs: 10 },
      tracer: tracing.tracer,
      meter: metrics.meter,
      logger: null,
    });
    await client.ready();
    const unit = { targetingKey: 'user-9' };
    client.assign('checkout-flow', unit, 'x');
    server.config = { version: 2, body: makeSnapshot({ version: 2 }) };
    await waitFor(() => client?.status().version === 2);
    client.assign('checkout-flow', unit, 'x');
    const exposures = tracing.finished().filter((s) => s.name === 'tripwire.exposure');
    expect(exposures).toHaveLength(1);
    const evaluations = await metrics.collect('tripwire.sdk.evaluations');
    expect(
      evaluations.find((p) => p.attributes['feature_flag.key'] === 'checkout-flow')?.value,
    ).toBe(2);
  });
});
