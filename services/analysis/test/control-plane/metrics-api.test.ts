/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- JSON response bodies are checked by the assertions that read them */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMetricsCommand } from '../../src/cli/metrics.js';
import type { Harness } from './control-plane-harness.js';
import { makeRevenueMetric } from '../metrics/metric-fixtures.js';
import {
  ADMIN_TOKEN,
  call,
  createToken,
  HOOK_TIMEOUT_MS,
  startHarness,
} from './control-plane-harness.js';

let harness: Harness;
let viewer: string;
beforeAll(async () => {
  harness = await startHarness();
  viewer = await createToken(harness, { name: 'viewer', role: 'viewer' });
}, HOOK_TIMEOUT_MS);
afterAll(async () => harness?.close(), HOOK_TIMEOUT_MS);

const revenue = makeRevenueMetric({ id: 'revenue_per_user' });

const post = (metric: unknown, token = ADMIN_TOKEN) =>
  call(harness, 'POST', '/api/v1/metrics', { token, body: { metric, reason: 'new metric' } });

describe('metric catalog API', () => {
  it('lists the built-in metrics as read-only version 0 definitions', async () => {
    const listed = await call(harness, 'GET', '/api/v1/metrics', { token: viewer });
    expect(listed.status).toBe(200);
    const builtins = listed.body.metrics.filter((m: { builtin: boolean }) => m.builtin);
    expect(builtins.map((m: { definition: { id: string } }) => m.definition.id)).toEqual([
      'error_rate',
      'latency_mean',
      'latency_p50',
      'latency_p95',
      'latency_p99',
      'conversion',
    ]);
    const written = await post({ ...revenue, id: 'error_rate' });
    expect(written.status).toBe(400);
    expect(written.body.pointer).toBe('/metric/id');
  });

  it('creates, versions and audits a metric, refusing a stale expectedVersion', async () => {
    const created = await post(revenue);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ version: 1, builtin: false, definition: revenue });
    expect((await post(revenue)).status).toBe(409);
    const path = `/api/v1/metrics/${revenue.id}`;
    const renamed = { ...revenue, name: 'Revenue per exposed user' };
    const updated = await call(harness, 'PUT', path, {
      token: ADMIN_TOKEN,
      body: { metric: renamed, expectedVersion: 1, reason: 'clearer name' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.version).toBe(2);
    const stale = await call(harness, 'PUT', path, {
      token: ADMIN_TOKEN,
      body: { metric: renamed, expectedVersion: 1 },
    });
    expect(stale.status).toBe(409);
    const read = await call(harness, 'GET', path, { token: viewer });
    expect(read.body.definition.name).toBe('Revenue per exposed user');
    const history = await call(harness, 'GET', `${path}/history`, { token: viewer });
    expect(
      history.body.entries.map((e: { version: number; action: string; reason: string }) => [
        e.version,
        e.action,
        e.reason,
      ]),
    ).toEqual([
      [1, 'create', 'new metric'],
      [2, 'update', 'clearer name'],
    ]);
    expect(history.body.entries[0].actor).toContain('admin');
  });

  it.each([
    [
      'an unknown source field',
      { filters: { severityAtLeast: 'error' } },
      '/metric/filters/severityAtLeast',
    ],
    ['a ratio with no denominator', { kind: 'ratio' }, '/metric/denominator'],
    [
      'a quantile of a count',
      { kind: 'quantile', quantile: 0.9, value: { type: 'count' } },
      '/metric/value/type',
    ],
    ['an unknown property', { colour: 'blue' }, '/metric/colour'],
  ])('answers 400 naming the field for %s, keeping nothing', async (_name, change, pointer) => {
    const id = `bad_${pointer.replaceAll('/', '_').toLowerCase()}`;
    const response = await post({ ...revenue, id, ...change });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'TRIPWIRE_ERR_BAD_REQUEST', pointer });
    expect(response.body.message).toContain(pointer.slice('/metric'.length));
    expect((await call(harness, 'GET', `/api/v1/metrics/${id}`, { token: viewer })).status).toBe(
      404,
    );
  });

  it('lets viewers read but not write, and describes the routes in OpenAPI', async () => {
    expect((await post({ ...revenue, id: 'viewer_metric' }, viewer)).status).toBe(403);
    const openapi = await call(harness, 'GET', '/api/openapi.json');
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/metrics',
        '/api/v1/metrics/{id}',
        '/api/v1/metrics/{id}/history',
      ]),
    );
    expect(openapi.body.components.schemas).toHaveProperty('MetricDefinition');
  });
});

async function runCli(argv: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (chunk: Buffer) => (chunks.out += chunk.toString()));
  err.on('data', (chunk: Buffer) => (chunks.err += chunk.toString()));
  const env = { TRIPWIRE_URL: harness.url, TRIPWIRE_TOKEN: ADMIN_TOKEN };
  const code = await runMetricsCommand(argv, { out, err, env });
  return { code, ...chunks };
}

describe('tripwire metrics', () => {
  it('creates, sets, lists, gets and shows the history of a metric', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripwire-metric-'));
    const file = join(dir, 'metric.json');
    const hits = { ...revenue, id: 'cli_metric', name: 'CLI metric' };
    writeFileSync(file, JSON.stringify(hits));
    const created = await runCli(['create', '--file', file, '--reason', 'from the CLI']);
    expect(created).toMatchObject({ code: 0, out: 'created cli_metric (version 1)\n' });
    writeFileSync(file, JSON.stringify({ ...hits, unit: 'USD' }));
    expect((await runCli(['set', 'cli_metric', '--file', file])).out).toBe(
      'updated cli_metric to version 2\n',
    );
    const listed = await runCli(['list']);
    expect(listed.out).toMatch(/cli_metric\s+CLI metric\s+mean\s+spans\s+higher_is_better\s+2/);
    expect(listed.out).toMatch(
      /error_rate\s+Error rate\s+ratio\s+spans\s+lower_is_better\s+built-in/,
    );
    expect(JSON.parse((await runCli(['get', 'cli_metric'])).out).definition.unit).toBe('USD');
    const history = await runCli(['history', 'cli_metric', '--json']);
    expect(JSON.parse(history.out).entries.map((e: { reason: string }) => e.reason)).toEqual([
      'from the CLI',
      '',
    ]);
    writeFileSync(file, JSON.stringify({ ...hits, id: 'cli_ratio', kind: 'ratio' }));
    const invalid = await runCli(['create', '--file', file]);
    expect(invalid.code).not.toBe(0);
    expect(invalid.err).toContain('/metric/denominator');
  });
});
