/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument -- JSON response bodies are checked by the assertions that read them */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfigPatch, validateConfigSnapshot } from '@tripwire/schema';
import type { Harness } from './control-plane-harness.js';
import {
  ADMIN_TOKEN,
  call,
  createFlag,
  createToken,
  HOOK_TIMEOUT_MS,
  makeFlag,
  startHarness,
} from './control-plane-harness.js';
import { TestStream } from './sse-client.js';

let harness: Harness;
let sdkKey: string;
let stagingKey: string;

beforeAll(async () => {
  harness = await startHarness();
  sdkKey = await createToken(harness, {
    name: 'checkout-prod',
    kind: 'sdk',
    environments: ['production'],
  });
  stagingKey = await createToken(harness, {
    name: 'checkout-staging',
    kind: 'sdk',
    environments: ['staging'],
  });
  await createFlag(harness, makeFlag('search.ranking', ['production', 'staging']));
}, HOOK_TIMEOUT_MS);
afterAll(async () => harness?.close(), HOOK_TIMEOUT_MS);

describe('GET /sdk/v1/config', () => {
  it('serves a valid snapshot of the key’s environment with an ETag, and 304 for it', async () => {
    const first = await call(harness, 'GET', '/sdk/v1/config', { token: sdkKey });
    expect(first.status).toBe(200);
    expect(validateConfigSnapshot(first.body).ok).toBe(true);
    expect(first.body.environment).toBe('production');
    expect(Object.keys(first.body.flags[0].environments)).toEqual(['production']);
    const etag = first.headers.get('etag')!;
    const again = await call(harness, 'GET', '/sdk/v1/config', {
      token: sdkKey,
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    await call(harness, 'POST', '/api/v1/flags/search.ranking/environments/staging', {
      token: ADMIN_TOKEN,
      body: { enabled: false },
    });
    const changed = await call(harness, 'GET', '/sdk/v1/config', {
      token: sdkKey,
      headers: { 'if-none-match': etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('refuses API tokens and unknown keys', async () => {
    expect((await call(harness, 'GET', '/sdk/v1/config', { token: ADMIN_TOKEN })).status).toBe(403);
    expect((await call(harness, 'GET', '/sdk/v1/config', { token: 'tws_nope' })).status).toBe(401);
    expect((await call(harness, 'GET', '/sdk/v1/config')).status).toBe(401);
  });
});

describe('GET /sdk/v1/stream', () => {
  it('sends a put on connect, then a patch when the flag is killed', async () => {
    const stream = await TestStream.open(`${harness.url}/sdk/v1/stream`, sdkKey);
    const put = await stream.next((event) => event.type === 'put');
    expect(validateConfigSnapshot(put.data).ok).toBe(true);
    expect(put.id).toBe(String(put.data.version));
    await call(harness, 'POST', '/api/v1/flags/search.ranking/kill', {
      token: ADMIN_TOKEN,
      body: { environment: 'production', reason: 'latency' },
    });
    const patch = await stream.next((event) => event.type === 'patch');
    expect(validateConfigPatch(patch.data).ok).toBe(true);
    expect(patch.data.flags[0].environments.production.enabled).toBe(false);
    expect(Number(patch.id)).toBeGreaterThan(Number(put.id));
    stream.close();
  });

  it('resumes from Last-Event-ID with only the missed patches', async () => {
    const stream = await TestStream.open(`${harness.url}/sdk/v1/stream`, sdkKey);
    const put = await stream.next((event) => event.type === 'put');
    stream.close();
    await call(harness, 'POST', '/api/v1/flags/search.ranking/restore', {
      token: ADMIN_TOKEN,
      body: { environment: 'production', reason: 'recovered' },
    });
    const resumed = await TestStream.open(`${harness.url}/sdk/v1/stream`, sdkKey, put.id);
    const patch = await resumed.next((event) => event.type === 'patch');
    expect(patch.data.flags[0].environments.production.enabled).toBe(true);
    expect(resumed.events.some((event) => event.type === 'put')).toBe(false);
    resumed.close();
  });

  it('sends a full put when Last-Event-ID is unknown', async () => {
    const stream = await TestStream.open(`${harness.url}/sdk/v1/stream`, stagingKey, '999999');
    const put = await stream.next((event) => event.type === 'put');
    expect(put.data.environment).toBe('staging');
    stream.close();
  });

  it('pushes a new segment as a patch, and a second version with history diffs', async () => {
    const stream = await TestStream.open(`${harness.url}/sdk/v1/stream`, sdkKey);
    await stream.next((event) => event.type === 'put');
    const segment = { key: 'beta-users', included: ['u1'], excluded: [], version: 0 };
    const created = await call(harness, 'PUT', '/api/v1/segments/beta-users', {
      token: ADMIN_TOKEN,
      body: { segment, expectedVersion: 0 },
    });
    expect(created.body.version).toBe(1);
    const patch = await stream.next(
      (event) => event.type === 'patch' && event.data.segments.length > 0,
    );
    expect(patch.data.segments[0]).toMatchObject({ key: 'beta-users', included: ['u1'] });
    const stale = await call(harness, 'PUT', '/api/v1/segments/beta-users', {
      token: ADMIN_TOKEN,
      body: { segment: { ...segment, included: ['u1', 'u2'] }, expectedVersion: 0 },
    });
    expect(stale.status).toBe(409);
    await call(harness, 'PUT', '/api/v1/segments/beta-users', {
      token: ADMIN_TOKEN,
      body: { segment: { ...segment, included: ['u1', 'u2'] }, expectedVersion: 1 },
    });
    const history = await call(harness, 'GET', '/api/v1/segments/beta-users/history', {
      token: ADMIN_TOKEN,
    });
    expect(history.body.entries[1].diff).toContainEqual({
      path: '/included/1',
      op: 'add',
      after: 'u2',
    });
    stream.close();
  });
});
