/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access -- JSON response bodies are checked by the assertions that read them */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

type Principal = 'none' | 'viewer' | 'editor' | 'admin' | 'sdk';
type Required = 'viewer' | 'editor' | 'admin' | 'sdk' | 'public';

let harness: Harness;
const secrets: Partial<Record<Principal, string>> = {};
let otherProjectViewer: string;
let stagingEditor: string;

/** Every control-plane route and the least it needs. Writes target a missing flag (404 after auth). */
const routes: {
  method: string;
  path: string;
  required: Required;
  body?: unknown;
  stream?: boolean;
}[] = [
  { method: 'GET', path: '/api/v1/flags', required: 'viewer' },
  { method: 'POST', path: '/api/v1/flags', required: 'editor', body: {} },
  { method: 'GET', path: '/api/v1/flags/authz.flag', required: 'viewer' },
  {
    method: 'PUT',
    path: '/api/v1/flags/missing.flag',
    required: 'editor',
    body: { flag: {}, expectedVersion: 1 },
  },
  {
    method: 'POST',
    path: '/api/v1/flags/missing.flag/environments/production',
    required: 'editor',
    body: { enabled: true },
  },
  {
    method: 'POST',
    path: '/api/v1/flags/missing.flag/kill',
    required: 'editor',
    body: { environment: 'production', reason: 'r' },
  },
  {
    method: 'POST',
    path: '/api/v1/flags/missing.flag/restore',
    required: 'editor',
    body: { environment: 'production', reason: 'r' },
  },
  { method: 'POST', path: '/api/v1/flags/missing.flag/archive', required: 'editor', body: {} },
  {
    method: 'POST',
    path: '/api/v1/flags/missing.flag/rollback',
    required: 'editor',
    body: { toVersion: 1, expectedVersion: 1 },
  },
  { method: 'GET', path: '/api/v1/flags/authz.flag/history', required: 'viewer' },
  { method: 'GET', path: '/api/v1/stale', required: 'viewer' },
  { method: 'GET', path: '/api/v1/segments', required: 'viewer' },
  { method: 'GET', path: '/api/v1/segments/missing', required: 'viewer' },
  { method: 'PUT', path: '/api/v1/segments/missing', required: 'editor', body: { segment: {} } },
  { method: 'GET', path: '/api/v1/segments/missing/history', required: 'viewer' },
  { method: 'GET', path: '/api/v1/metrics', required: 'viewer' },
  { method: 'GET', path: '/api/v1/metrics/missing', required: 'viewer' },
  { method: 'POST', path: '/api/v1/metrics', required: 'editor', body: { metric: {} } },
  {
    method: 'PUT',
    path: '/api/v1/metrics/missing',
    required: 'editor',
    body: { metric: {}, expectedVersion: 1 },
  },
  { method: 'GET', path: '/api/v1/metrics/missing/history', required: 'viewer' },
  { method: 'GET', path: '/api/v1/tokens', required: 'admin' },
  { method: 'GET', path: '/api/v1/tokens/self', required: 'viewer' },
  { method: 'POST', path: '/api/v1/tokens', required: 'admin', body: { name: '' } },
  { method: 'DELETE', path: '/api/v1/tokens/no-such-token', required: 'admin' },
  { method: 'GET', path: '/sdk/v1/config', required: 'sdk' },
  {
    method: 'POST',
    path: '/ofrep/v1/evaluate/flags/authz.flag',
    required: 'sdk',
    body: { context: { targetingKey: 'u' } },
  },
  {
    method: 'POST',
    path: '/ofrep/v1/evaluate/flags',
    required: 'sdk',
    body: { context: { targetingKey: 'u' } },
  },
  { method: 'GET', path: '/ofrep/v1/events', required: 'sdk', stream: true },
  { method: 'GET', path: '/sdk/v1/stream', required: 'sdk', stream: true },
  { method: 'GET', path: '/api/openapi.json', required: 'public' },
];

const rank = { viewer: 1, editor: 2, admin: 3 } as const;
function expectedDenial(principal: Principal, required: Required): number | undefined {
  if (required === 'public') return undefined;
  if (principal === 'none') return 401;
  if (required === 'sdk') return principal === 'sdk' ? undefined : 403;
  if (principal === 'sdk') return 403;
  return rank[principal] >= rank[required] ? undefined : 403;
}

/** An SSE route: the status, and the error body when it is not a stream (then it hangs up). */
async function openStream(path: string, token: string | undefined) {
  const controller = new AbortController();
  const response = await fetch(`${harness.url}${path}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  const body: unknown = response.status === 200 ? undefined : await response.json();
  controller.abort();
  return { status: response.status, body: body as { code: string; message: string } };
}

beforeAll(async () => {
  harness = await startHarness();
  secrets.admin = ADMIN_TOKEN;
  for (const role of ['viewer', 'editor'] as const) {
    secrets[role] = await createToken(harness, { name: role, role });
  }
  secrets.sdk = await createToken(harness, {
    name: 'sdk',
    kind: 'sdk',
    environments: ['production'],
  });
  otherProjectViewer = await createToken(harness, {
    name: 'other-viewer',
    role: 'viewer',
    projects: ['billing'],
  });
  stagingEditor = await createToken(harness, {
    name: 'staging-editor',
    role: 'editor',
    environments: ['staging'],
  });
  await createFlag(harness, makeFlag('authz.flag', ['staging', 'production']));
}, HOOK_TIMEOUT_MS);
afterAll(async () => harness?.close(), HOOK_TIMEOUT_MS);

const principals: Principal[] = ['none', 'viewer', 'editor', 'admin', 'sdk'];
const matrix = routes.flatMap((route) => principals.map((principal) => ({ ...route, principal })));

describe('authorization matrix', () => {
  it.each(matrix)(
    '$method $path as $principal',
    async ({ method, path, body, required, principal, stream }) => {
      const token = principal === 'none' ? undefined : secrets[principal];
      const response = stream
        ? await openStream(path, token)
        : await call(harness, method, path, { token, body });
      const denial = expectedDenial(principal, required);
      if (denial === undefined) expect([401, 403]).not.toContain(response.status);
      else {
        expect(response.status).toBe(denial);
        expect(response.body.code).toBe(
          denial === 401 ? 'TRIPWIRE_ERR_UNAUTHORIZED' : 'TRIPWIRE_ERR_FORBIDDEN',
        );
        expect(response.body.message.length).toBeGreaterThan(10);
      }
    },
  );

  it('protects every /api/v1, /sdk/v1 and /ofrep/v1 route in the OpenAPI document, including other features’ routes', async () => {
    const document = (await call(harness, 'GET', '/api/openapi.json')).body;
    const paths = Object.entries(document.paths as Record<string, Record<string, unknown>>).filter(
      ([path]) => /^\/(api\/v1|sdk\/v1|ofrep\/v1)\//.test(path),
    );
    expect(paths.length).toBeGreaterThan(10);
    for (const [path, methods] of paths) {
      for (const method of Object.keys(methods)) {
        const concrete = path.replace(/\{[^}]+\}/g, 'x');
        const response = await call(harness, method.toUpperCase(), concrete, {
          ...(method === 'get' || method === 'delete' ? {} : { body: {} }),
        });
        expect(response.status, `${method} ${path}`).toBe(401);
      }
    }
  });
});

describe('scopes', () => {
  it('hides flags of other projects and refuses to read them', async () => {
    const list = await call(harness, 'GET', '/api/v1/flags', { token: otherProjectViewer });
    expect(list.body.flags).toEqual([]);
    const read = await call(harness, 'GET', '/api/v1/flags/authz.flag', {
      token: otherProjectViewer,
    });
    expect(read.status).toBe(403);
    expect(read.body.message).toContain('project "default"');
  });

  it('lets an environment-scoped editor kill in its environment only', async () => {
    const production = await call(harness, 'POST', '/api/v1/flags/authz.flag/kill', {
      token: stagingEditor,
      body: { environment: 'production', reason: 'r' },
    });
    expect(production.status).toBe(403);
    const staging = await call(harness, 'POST', '/api/v1/flags/authz.flag/kill', {
      token: stagingEditor,
      body: { environment: 'staging', reason: 'r' },
    });
    expect(staging.status).toBe(200);
  });

  it('rejects a revoked token with 401', async () => {
    const created = await call(harness, 'POST', '/api/v1/tokens', {
      token: ADMIN_TOKEN,
      body: { name: 'short-lived', role: 'viewer' },
    });
    expect(
      (await call(harness, 'GET', '/api/v1/flags', { token: created.body.secret })).status,
    ).toBe(200);
    await call(harness, 'DELETE', `/api/v1/tokens/${created.body.id}`, { token: ADMIN_TOKEN });
    const after = await call(harness, 'GET', '/api/v1/flags', { token: created.body.secret });
    expect(after.status).toBe(401);
  });

  it('never returns secrets or hashes when listing tokens', async () => {
    const list = await call(harness, 'GET', '/api/v1/tokens', { token: ADMIN_TOKEN });
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(secrets.viewer!);
    expect(text).not.toMatch(/"hash"|"secret"/);
  });
});
