import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type TripwireApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { makeFlag } from './guardian-fixtures.js';

const ADMIN = 'guardian-routes-admin-token-0123456789';
let app: TripwireApp;
let dataDir: string;

async function call(method: string, url: string, payload?: unknown) {
  const response = await app.api.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${ADMIN}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tripwire-'));
  const env =
    process.env.CLICKHOUSE_URL === undefined
      ? {}
      : {
          CLICKHOUSE_URL: process.env.CLICKHOUSE_URL,
          CLICKHOUSE_DATABASE: `tripwire_routes_${process.pid}`,
        };
  const config = loadConfig(
    [
      '--data-dir',
      dataDir,
      '--api-port',
      '0',
      '--otlp-port',
      '0',
      '--admin-token',
      ADMIN,
      '--guardian-interval',
      '3600',
    ],
    env,
  );
  app = await buildApp(config, { logger: false });
  const { version: _version, ...flag } = makeFlag('routes-flag');
  expect((await call('POST', '/api/v1/flags', { flag })).status).toBe(201);
});
afterAll(async () => {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('guardian routes', () => {
  it('lists the default guardrails of a flag that has none', async () => {
    const { status, body } = await call('GET', '/api/v1/flags/routes-flag/guardrails');
    expect(status).toBe(200);
    expect(body).toMatchObject({ flagKey: 'routes-flag', usesDefaults: true, latest: [] });
    expect((body.guardrails as { metric: string }[]).map((g) => g.metric)).toEqual([
      'error_rate',
      'latency_p95',
    ]);
  });

  it('answers 404 for an unknown flag or breach', async () => {
    expect((await call('GET', '/api/v1/flags/nope/guardrails')).body).toMatchObject({
      code: 'TRIPWIRE_ERR_NOT_FOUND',
      pointer: '/key',
    });
    expect((await call('GET', '/api/v1/kill-reports/0123abcd')).status).toBe(404);
    expect((await call('GET', '/api/v1/kill-reports')).body).toEqual({ killReports: [] });
  });

  it('starts a ramp at its first stage and rejects stages that do not end at 100', async () => {
    const bad = await call('POST', '/api/v1/flags/routes-flag/ramps', {
      environment: 'production',
      stages: [1, 50],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('TRIPWIRE_ERR_BAD_REQUEST');
    const started = await call('POST', '/api/v1/flags/routes-flag/ramps', {
      environment: 'production',
      minStageSeconds: 0,
    });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      status: 'running',
      stageIndex: 0,
      stages: [1, 5, 10, 25, 50, 100],
    });
    const flag = await call('GET', '/api/v1/flags/routes-flag');
    expect(JSON.stringify(flag.body)).toContain('"coverage":100');
    const aborted = await call('POST', '/api/v1/flags/routes-flag/ramps/abort', {
      environment: 'production',
    });
    expect(aborted.body).toMatchObject({ status: 'aborted' });
    const { body } = await call('GET', '/api/v1/flags/routes-flag/ramps');
    expect((body.ramps as { status: string }[]).map((r) => r.status)).toEqual([
      'running',
      'aborted',
    ]);
  });

  it('requires a token', async () => {
    const response = await app.api.inject({ method: 'GET', url: '/api/v1/kill-reports' });
    expect(response.statusCode).toBe(401);
  });
});
