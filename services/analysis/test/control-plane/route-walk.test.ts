/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access -- JSON response bodies are checked by the assertions that read them */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format } from 'prettier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flag } from '@tripwire/schema';
import {
  AUTHORIZATION_TABLE_MARKERS,
  renderAuthorizationTable,
} from '../../src/control-plane/authorization-table.js';
import { createDecisionRepository } from '../../src/guardian/decision-repository.js';
import type { DecisionRecord } from '../../src/guardian/decision-repository.js';
import type { Harness } from './control-plane-harness.js';
import {
  ADMIN_TOKEN,
  call,
  createToken,
  HOOK_TIMEOUT_MS,
  makeFlag,
  startHarness,
} from './control-plane-harness.js';
import type {
  Project,
  RouteCase,
  WalkFixture,
  WalkPrincipal,
  WalkRequest,
} from './route-policy-spec.js';
import { isAllowed, ROLES, ROUTE_CASES } from './route-policy-spec.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

let harness: Harness;
let fixture: WalkFixture;
const principals: (WalkPrincipal & { secret?: string })[] = [];

/** Every role × { all projects, alpha, beta, alpha limited to staging }, an SDK key, no token. */
const SCOPES = [
  { scope: 'global', projects: ['*'], environments: ['*'] },
  { scope: 'alpha', projects: ['alpha'], environments: ['*'] },
  { scope: 'beta', projects: ['beta'], environments: ['*'] },
  { scope: 'alpha-staging', projects: ['alpha'], environments: ['staging'] },
] as const;

async function seedFlag(project: Project): Promise<string> {
  const key = `${project}.flag`;
  const flag = makeFlag(key, ['staging', 'production']);
  await call(harness, 'POST', '/api/v1/flags', { token: ADMIN_TOKEN, body: { flag, project } });
  // Version 2 differs from version 1 in production only (rollback to 1 changes production).
  await call(harness, 'PUT', `/api/v1/flags/${key}`, {
    token: ADMIN_TOKEN,
    body: { flag: withProductionServing(flag, 'off'), expectedVersion: 1 },
  });
  return key;
}

function withProductionServing(flag: Flag, variant: string): Flag {
  const production = { enabled: true, rules: [], fallthrough: { variant } };
  return { ...flag, environments: { ...flag.environments, production } };
}

async function seedBreach(flagKey: string): Promise<string> {
  const breachId = `${flagKey === 'alpha.flag' ? 'a' : 'b'}0000000-0000-4000-8000-000000000001`;
  const check: DecisionRecord = {
    checkId: `${breachId}-check`,
    kind: 'check',
    checkedAt: new Date().toISOString(),
    flagKey,
    environment: 'production',
    flagVersion: 2,
    guardrailId: 'errors',
    guardrail: '{}',
    metric: 'error_rate',
    metricVersion: 0,
    controlVariant: 'off',
    variant: 'on',
    state: 'breached',
    action: 'kill',
    actionTaken: 'killed',
    breachId,
    test: 'walk',
    scale: 'absolute',
    estimate: 0.1,
    relativeEstimate: null,
    intervalLower: 0.05,
    intervalUpper: 0.15,
    pValue: 0.001,
    adjustment: '',
    alpha: 0.05,
    margin: 0,
    nControl: 100,
    nTreatment: 100,
    controlMean: 0.01,
    treatmentMean: 0.11,
    query: '',
    exemplarTraceIds: [],
    killVersion: null,
    detail: '',
  };
  const kill: DecisionRecord = {
    ...check,
    checkId: `${breachId}-kill`,
    kind: 'kill',
    killVersion: 3,
  };
  await createDecisionRepository(harness.app.context.clickhouse, harness.app.context.tables).insert(
    [check, kill],
  );
  return breachId;
}

async function createVictim(
  name: string,
  projects: string[],
  environments: string[],
): Promise<string> {
  const created = await call(harness, 'POST', '/api/v1/tokens', {
    token: ADMIN_TOKEN,
    body: { name, role: 'viewer', projects, environments },
  });
  return created.body.id as string;
}

beforeAll(async () => {
  harness = await startHarness();
  for (const role of ROLES) {
    for (const { scope, projects, environments } of SCOPES) {
      const name = `${role}-${scope}`;
      const token = {
        name,
        kind: 'api' as const,
        role,
        projects: [...projects],
        environments: [...environments],
      };
      const { kind: _kind, ...body } = token;
      principals.push({ ...token, secret: await createToken(harness, body) });
    }
  }
  principals.push({
    name: 'sdk-alpha-production',
    kind: 'sdk',
    role: 'viewer',
    projects: ['alpha'],
    environments: ['production'],
    secret: await createToken(harness, {
      name: 'sdk',
      kind: 'sdk',
      projects: ['alpha'],
      environments: ['production'],
    }),
  });
  principals.push({
    name: 'no-token',
    kind: 'none',
    role: 'viewer',
    projects: [],
    environments: [],
  });
  const flags = { alpha: await seedFlag('alpha'), beta: await seedFlag('beta') };
  const segment = 'walk.segment';
  await call(harness, 'PUT', `/api/v1/segments/${segment}`, {
    token: ADMIN_TOKEN,
    body: {
      segment: { key: segment, version: 0, when: { attribute: 'plan', op: 'eq', value: 'pro' } },
    },
  });
  let names = 0;
  fixture = {
    flag: flags,
    breach: { alpha: await seedBreach(flags.alpha), beta: await seedBreach(flags.beta) },
    victim: {
      alpha: await createVictim('victim-alpha', ['alpha'], ['*']),
      beta: await createVictim('victim-beta', ['beta'], ['*']),
      alphaStaging: await createVictim('victim-alpha-staging', ['alpha'], ['staging']),
    },
    segment,
    newFlag: (project) => makeFlag(`${project}.new${++names}`, ['staging', 'production']),
    changedInProduction: (project) =>
      withProductionServing({ ...harness.app.context.flags.get(flags[project])! }, 'on'),
    nextName: () => `walk-${++names}`,
    projectOf: (key) => harness.app.context.flags.projectOf(key),
  };
}, HOOK_TIMEOUT_MS);
afterAll(async () => harness?.close(), HOOK_TIMEOUT_MS);

/** A stream route answers headers, then streams: read the status and hang up. */
async function send(request: WalkRequest, secret: string | undefined) {
  const headers: Record<string, string> =
    secret === undefined ? {} : { authorization: `Bearer ${secret}` };
  if (request.stream) {
    const controller = new AbortController();
    const response = await fetch(`${harness.url}${request.url}`, {
      headers,
      signal: controller.signal,
    });
    const body: unknown = response.status === 200 ? undefined : await response.json();
    controller.abort();
    return { status: response.status, body };
  }
  const response = await harness.app.api.inject({
    method: request.method as 'GET',
    url: request.url,
    headers,
    ...(request.body === undefined ? {} : { payload: request.body as object }),
  });
  return { status: response.statusCode, body: response.body === '' ? undefined : response.json() };
}

const toOpenApiPath = (url: string): string => url.replace(/:([A-Za-z]+)/g, '{$1}');

async function openApiRoutes(): Promise<string[]> {
  const document = (await call(harness, 'GET', '/api/openapi.json')).body;
  return Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
    ([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('route walk: every OpenAPI route × every role and scope', () => {
  it('lists every registered route in the OpenAPI document (only public pages are hidden)', async () => {
    const documented = new Set(await openApiRoutes());
    const missing = harness.app.routes
      .filter((route) => route.method !== 'HEAD')
      .filter((route) => !documented.has(`${route.method} ${toOpenApiPath(route.url)}`))
      .filter((route) => !(route.hidden && route.authorize.action === 'public'));
    expect(missing.map((route) => `${route.method} ${route.url}`)).toEqual([]);
  });

  it('has a policy case for every route of the OpenAPI document, and no stale one', async () => {
    expect(ROUTE_CASES.map((c) => c.route).sort()).toEqual((await openApiRoutes()).sort());
  });

  it.each(ROUTE_CASES.map((routeCase) => [routeCase.route, routeCase] as const))(
    '%s',
    async (_route, routeCase: RouteCase) => {
      const surprises: string[] = [];
      for (const { label, request, expect: expectation } of routeCase.requests(fixture)) {
        for (const principal of principals) {
          const response = await send(request, principal.secret);
          const denied = response.status === 401 || response.status === 403;
          const allowed = isAllowed(principal, expectation);
          const where = `${label} as ${principal.name}: ${response.status} ${JSON.stringify(response.body)?.slice(0, 160)}`;
          if (allowed === denied) surprises.push(`${allowed ? 'denied' : 'ALLOWED'} ${where}`);
          if (denied && response.status !== (principal.kind === 'none' ? 401 : 403))
            surprises.push(`wrong denial ${where}`);
          if (!denied && response.status >= 500) surprises.push(`server error ${where}`);
          if (!denied && 'filtered' in expectation && expectation.filtered !== undefined) {
            for (const leak of expectation.filtered(response.body, principal))
              surprises.push(`LEAK ${where}: ${leak}`);
          }
        }
      }
      expect(surprises).toEqual([]);
    },
  );
});

describe('the README authorization table', () => {
  it('is the one generated from the route declarations (npm run readme:authz rewrites it)', async () => {
    const { start, end } = AUTHORIZATION_TABLE_MARKERS;
    const readme = readFileSync(README, 'utf8');
    const from = readme.indexOf(start);
    const to = readme.indexOf(end);
    expect(from, 'README markers').toBeGreaterThan(0);
    const table = await format(renderAuthorizationTable(harness.app.routes), {
      parser: 'markdown',
    });
    const generated = `${readme.slice(0, from + start.length)}\n\n${table}\n${readme.slice(to)}`;
    if (process.env.UPDATE_AUTHZ_TABLE === '1') writeFileSync(README, generated);
    else expect(readme).toBe(generated);
  });
});
