/* eslint-disable @typescript-eslint/no-unsafe-member-access -- JSON response bodies are checked by the assertions that read them */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './control-plane-harness.js';
import {
  ADMIN_TOKEN,
  call,
  createFlag,
  HOOK_TIMEOUT_MS,
  makeFlag,
  startHarness,
} from './control-plane-harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  await createFlag(harness, makeFlag('corpus.flag'));
}, HOOK_TIMEOUT_MS);
afterAll(async () => harness?.close(), HOOK_TIMEOUT_MS);

const valid = makeFlag('corpus.new');
const corpus: {
  name: string;
  method: string;
  path: string;
  body: unknown;
  status: number;
  pointer?: string;
}[] = [
  {
    name: 'create without a flag',
    method: 'POST',
    path: '/api/v1/flags',
    body: {},
    status: 400,
    pointer: '/',
  },
  {
    name: 'create with an unknown field',
    method: 'POST',
    path: '/api/v1/flags',
    body: { flag: valid, extra: 1 },
    status: 400,
  },
  {
    name: 'a key with spaces',
    method: 'POST',
    path: '/api/v1/flags',
    body: { flag: { ...valid, key: 'bad key' } },
    status: 400,
    pointer: '/flag/key',
  },
  {
    name: 'a defaultVariant that is not a variant',
    method: 'POST',
    path: '/api/v1/flags',
    body: { flag: { ...valid, defaultVariant: 'nope' } },
    status: 400,
    pointer: '/flag/defaultVariant',
  },
  {
    name: 'a variant value of the wrong type',
    method: 'POST',
    path: '/api/v1/flags',
    body: {
      flag: {
        ...valid,
        variants: [
          { key: 'off', value: 'no' },
          { key: 'on', value: true },
        ],
      },
    },
    status: 400,
    pointer: '/flag/variants/0/value',
  },
  {
    name: 'an unknown kind',
    method: 'POST',
    path: '/api/v1/flags',
    body: { flag: { ...valid, kind: 'magic' } },
    status: 400,
    pointer: '/flag/kind',
  },
  {
    name: 'a missing owner',
    method: 'POST',
    path: '/api/v1/flags',
    body: { flag: { ...valid, metadata: { createdAt: valid.metadata.createdAt } } },
    status: 400,
    pointer: '/flag/metadata',
  },
  {
    name: 'a flag that already exists',
    method: 'POST',
    path: '/api/v1/flags',
    body: { flag: makeFlag('corpus.flag') },
    status: 409,
    pointer: '/key',
  },
  {
    name: 'an update without expectedVersion',
    method: 'PUT',
    path: '/api/v1/flags/corpus.flag',
    body: { flag: makeFlag('corpus.flag') },
    status: 400,
  },
  {
    name: 'an update with a stale version',
    method: 'PUT',
    path: '/api/v1/flags/corpus.flag',
    body: { flag: makeFlag('corpus.flag'), expectedVersion: 99 },
    status: 409,
    pointer: '/expectedVersion',
  },
  {
    name: 'an update without environments',
    method: 'PUT',
    path: '/api/v1/flags/corpus.flag',
    body: { flag: { ...makeFlag('corpus.flag'), environments: undefined }, expectedVersion: 1 },
    status: 400,
    pointer: '/flag',
  },
  {
    name: 'a create whose metadata is not an object',
    method: 'POST',
    path: '/api/v1/flags',
    body: { flag: { ...makeFlag('corpus.meta'), metadata: 'owner' } },
    status: 400,
    pointer: '/flag/metadata',
  },
  {
    name: 'an update whose key differs from the path',
    method: 'PUT',
    path: '/api/v1/flags/corpus.flag',
    body: { flag: makeFlag('other.flag'), expectedVersion: 1 },
    status: 400,
    pointer: '/flag/key',
  },
  {
    name: 'a kill without a reason',
    method: 'POST',
    path: '/api/v1/flags/corpus.flag/kill',
    body: { environment: 'production' },
    status: 400,
  },
  {
    name: 'a kill in an unknown environment',
    method: 'POST',
    path: '/api/v1/flags/corpus.flag/kill',
    body: { environment: 'moon', reason: 'r' },
    status: 404,
    pointer: '/environment',
  },
  {
    name: 'a restore of a flag that is not killed',
    method: 'POST',
    path: '/api/v1/flags/corpus.flag/restore',
    body: { environment: 'production', reason: 'r' },
    status: 409,
  },
  {
    name: 'a rollback to a version that never existed',
    method: 'POST',
    path: '/api/v1/flags/corpus.flag/rollback',
    body: { toVersion: 42, expectedVersion: 1 },
    status: 404,
    pointer: '/toVersion',
  },
  {
    name: 'a non-boolean enabled',
    method: 'POST',
    path: '/api/v1/flags/corpus.flag/environments/production',
    body: { enabled: 'yes' },
    status: 400,
    pointer: '/enabled',
  },
  {
    name: 'a token with an unknown role',
    method: 'POST',
    path: '/api/v1/tokens',
    body: { name: 't', role: 'root' },
    status: 400,
    pointer: '/role',
  },
  {
    name: 'an API token without a role',
    method: 'POST',
    path: '/api/v1/tokens',
    body: { name: 't' },
    status: 400,
    pointer: '/role',
  },
  {
    name: 'an SDK key for every environment',
    method: 'POST',
    path: '/api/v1/tokens',
    body: { name: 't', kind: 'sdk' },
    status: 400,
    pointer: '/environments',
  },
  {
    name: 'a history of a missing flag',
    method: 'GET',
    path: '/api/v1/flags/nope/history',
    body: undefined,
    status: 404,
  },
  {
    name: 'a stale report with a negative window',
    method: 'GET',
    path: '/api/v1/stale?unusedDays=-1',
    body: undefined,
    status: 400,
  },
];

/** Malformed environment blocks and ill-formed text in flag writes (once a 500 from storage). */
const state = { enabled: true, rules: [], fallthrough: { variant: 'on' } };
const environmentBlocks: [string, unknown, string][] = [
  ['no environments object', null, '/flag/environments'],
  ['an environment that is a string', { production: 'on' }, '/flag/environments/production'],
  [
    'a non-boolean enabled',
    { production: { ...state, enabled: 'yes' } },
    '/flag/environments/production/enabled',
  ],
  ['no fallthrough', { production: { enabled: true, rules: [] } }, '/flag/environments/production'],
  [
    'rules that are not a list',
    { production: { ...state, rules: {} } },
    '/flag/environments/production/rules',
  ],
  [
    'an unknown environment field',
    { production: { ...state, paused: true } },
    '/flag/environments/production',
  ],
  ['an environment name that is not a key', { 'bad key': state }, '/flag/environments/bad key'],
  ['an environment name with a lone surrogate', { '\ud800': state }, '/flag/environments/\ud800'],
  [
    'a rule description with a lone surrogate',
    {
      production: {
        ...state,
        rules: [
          {
            id: 'r',
            description: 'x\udfff',
            when: { attribute: 'a', op: 'eq', value: 'b' },
            serve: { variant: 'on' },
          },
        ],
      },
    },
    '/flag/environments/production/rules/0/description',
  ],
  ...['(a)\\1', 'a(?=b)', '(?<!a)b', '(?i)a', 'a**'].map((pattern): [string, unknown, string] => [
    `a matches pattern ${pattern} outside RE2's linear-time dialect`,
    {
      production: {
        ...state,
        rules: [
          {
            id: 'r',
            when: { all: [{ attribute: 'a', op: 'matches', values: ['^ok$', pattern] }] },
            serve: { variant: 'on' },
          },
        ],
      },
    },
    '/flag/environments/production/rules/0/when/all/0/values/1',
  ]),
];
corpus.push(
  ...environmentBlocks.flatMap(([name, environments, pointer]) => [
    {
      name: `create with ${name}`,
      method: 'POST',
      path: '/api/v1/flags',
      body: { flag: { ...valid, environments } },
      status: 400,
      pointer,
    },
    {
      name: `replace with ${name}`,
      method: 'PUT',
      path: '/api/v1/flags/corpus.flag',
      body: { flag: { ...makeFlag('corpus.flag'), environments }, expectedVersion: 1 },
      status: 400,
      pointer,
    },
  ]),
  ...(
    [
      ['/api/v1/flags/corpus.flag/kill', { environment: 'production', reason: 'oops \ud800' }],
      ['/api/v1/flags/corpus.flag/environments/production', { enabled: false, reason: '\udc00' }],
      ['/api/v1/flags/corpus.flag/archive', { reason: '\ud83d' }],
      ['/api/v1/flags', { flag: valid, reason: '\ud800' }],
    ] as const
  ).map(([path, body]) => ({
    name: `a reason with a lone surrogate (${path})`,
    method: 'POST',
    path,
    body,
    status: 400,
    pointer: '/reason',
  })),
  {
    name: 'a token name with a lone surrogate',
    method: 'POST',
    path: '/api/v1/tokens',
    body: { name: 'ci \ud800', role: 'viewer' },
    status: 400,
    pointer: '/name',
  },
);

describe('bad input gets a clear 4xx saying what and where', () => {
  it.each(corpus)('$name → $status', async ({ method, path, body, status, pointer }) => {
    const response = await call(harness, method, path, { token: ADMIN_TOKEN, body });
    expect(response.status).toBe(status);
    expect(response.body.code).toMatch(/^TRIPWIRE_ERR_/);
    expect(response.body.message.length).toBeGreaterThan(8);
    if (pointer !== undefined) expect(response.body.pointer).toBe(pointer);
  });

  it('answers malformed JSON with 400', async () => {
    const response = await fetch(`${harness.url}/api/v1/flags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: '{"flag": ',
    });
    expect(response.status).toBe(400);
  });

  it('leaves the flag untouched after every rejected write', async () => {
    const read = await call(harness, 'GET', '/api/v1/flags/corpus.flag', { token: ADMIN_TOKEN });
    expect(read.body.flag.version).toBe(1);
    const history = await call(harness, 'GET', '/api/v1/flags/corpus.flag/history', {
      token: ADMIN_TOKEN,
    });
    expect(history.body.entries).toHaveLength(1);
    const created = await call(harness, 'GET', '/api/v1/flags/corpus.new', { token: ADMIN_TOKEN });
    expect(created.status).toBe(404);
  });

  it('keeps text with paired surrogates (emoji) as it was sent', async () => {
    const response = await call(harness, 'POST', '/api/v1/flags', {
      token: ADMIN_TOKEN,
      body: { flag: makeFlag('corpus.emoji'), reason: 'ship it 🚀' },
    });
    expect(response.status).toBe(201);
    const history = await call(harness, 'GET', '/api/v1/flags/corpus.emoji/history', {
      token: ADMIN_TOKEN,
    });
    expect(history.body.entries[0].reason).toBe('ship it 🚀');
  });
});
