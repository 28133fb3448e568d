/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- JSON response bodies are checked by the assertions that read them */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './control-plane-harness.js';
import {
  ADMIN_TOKEN,
  HOOK_TIMEOUT_MS,
  call,
  makeFlag,
  startHarness,
} from './control-plane-harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
}, HOOK_TIMEOUT_MS);
afterAll(async () => harness?.close(), HOOK_TIMEOUT_MS);

describe('flag admin API', () => {
  it('creates a flag at version 1 and reads it back', async () => {
    const created = await call(harness, 'POST', '/api/v1/flags', {
      token: ADMIN_TOKEN,
      body: { flag: makeFlag('checkout.new-flow'), reason: 'launch' },
    });
    expect(created.status).toBe(201);
    expect(created.body.flag.version).toBe(1);
    const read = await call(harness, 'GET', '/api/v1/flags/checkout.new-flow', {
      token: ADMIN_TOKEN,
    });
    expect(read.body).toMatchObject({
      project: 'default',
      flag: { key: 'checkout.new-flow', version: 1 },
      kills: [],
    });
  });

  it('kills and restores an environment as new versions with actor and reason', async () => {
    const killed = await call(harness, 'POST', '/api/v1/flags/checkout.new-flow/kill', {
      token: ADMIN_TOKEN,
      body: { environment: 'production', reason: 'error rate up' },
    });
    expect(killed.status).toBe(200);
    expect(killed.body.flag.version).toBe(2);
    expect(killed.body.flag.environments.production.enabled).toBe(false);
    expect(killed.body.flag.environments.development.enabled).toBe(true);
    expect(killed.body.kills).toMatchObject([
      { environment: 'production', reason: 'error rate up' },
    ]);
    const restored = await call(harness, 'POST', '/api/v1/flags/checkout.new-flow/restore', {
      token: ADMIN_TOKEN,
      body: { environment: 'production', reason: 'fixed' },
    });
    expect(restored.body.flag.environments.production.enabled).toBe(true);
    expect(restored.body.kills).toEqual([]);
    const history = await call(harness, 'GET', '/api/v1/flags/checkout.new-flow/history', {
      token: ADMIN_TOKEN,
    });
    expect(history.body.entries.map((e: { action: string }) => e.action)).toEqual([
      'create',
      'kill',
      'restore',
    ]);
    expect(history.body.entries[1]).toMatchObject({
      actor: 'token:bootstrap-admin#' + history.body.entries[1].actor.split('#')[1],
      reason: 'error rate up',
      environment: 'production',
    });
    expect(history.body.entries[1].diff).toEqual([
      { path: '/environments/production/enabled', op: 'replace', before: true, after: false },
      { path: '/version', op: 'replace', before: 1, after: 2 },
    ]);
  });
});
