import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/create-rng.js';
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

/**
 * Seeded structural mutations (a hostile value at a random member) of a valid flag write and of
 * valid OFREP evaluation bodies: every answer is 2xx or 4xx, never 5xx, and afterwards a valid
 * flag is still created and a valid evaluation still answered. TRIPWIRE_FUZZ_ITERATIONS
 * (default 200 each) and TRIPWIRE_FUZZ_SEED run longer or another sequence.
 */
const ITERATIONS = Number(process.env.TRIPWIRE_FUZZ_ITERATIONS ?? 200);
const SEED = Number(process.env.TRIPWIRE_FUZZ_SEED ?? 20);
const HOSTILE: unknown[] = [
  'x\ud800',
  '',
  '(a)\\1',
  '^(a+)+$',
  -1,
  1e308,
  2 ** 64,
  true,
  null,
  [],
  {},
  [[{}]],
  { op: 'matches' },
  'a'.repeat(5000),
];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
}, HOOK_TIMEOUT_MS);
afterAll(async () => harness?.close(), HOOK_TIMEOUT_MS);

function mutate(value: unknown, rng: () => number): unknown {
  const root = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  let node = root;
  for (let depth = 0; depth < 10; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[Math.floor(rng() * keys.length)]!;
    const child = node[key];
    if (typeof child !== 'object' || child === null || rng() < 0.2) {
      node[key] = HOSTILE[Math.floor(rng() * HOSTILE.length)];
      break;
    }
    node = child as Record<string, unknown>;
  }
  return root;
}

describe('flag write fuzz (seeded)', { timeout: 300_000 }, () => {
  it(`answers ${ITERATIONS} mutated flag writes (seed ${SEED}) with no 5xx`, async () => {
    const rng = createRng(SEED);
    const serverErrors: unknown[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const flag = makeFlag(`fuzz.f${i}`);
      const rule = {
        id: 'r',
        when: { attribute: 'email', op: 'matches' as const, values: ['@corp$'] },
        serve: { variant: 'on' },
      };
      flag.environments.production!.rules = [rule];
      const body = mutate({ flag }, rng);
      const response = await call<unknown>(harness, 'POST', '/api/v1/flags', {
        token: ADMIN_TOKEN,
        body,
      });
      if (response.status >= 500)
        serverErrors.push({ status: response.status, body: response.body });
    }
    expect(serverErrors).toEqual([]);
  });

  it('stays healthy and creates a valid flag afterwards', async () => {
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
    const created = await call(harness, 'POST', '/api/v1/flags', {
      token: ADMIN_TOKEN,
      body: { flag: makeFlag('fuzz.after') },
    });
    expect(created.status).toBe(201);
  });
});

describe('OFREP body fuzz (seeded)', { timeout: 300_000 }, () => {
  let sdkKey: string;
  const context = { targetingKey: 'user-1', plan: 'beta', seats: 3, tags: ['a'], nested: { x: 1 } };
  const paths = ['/ofrep/v1/evaluate/flags/fuzz.ofrep', '/ofrep/v1/evaluate/flags'];

  beforeAll(async () => {
    sdkKey = await createToken(harness, {
      name: 'fuzz',
      kind: 'sdk',
      environments: ['production'],
    });
    await createFlag(harness, makeFlag('fuzz.ofrep', ['production']));
  }, HOOK_TIMEOUT_MS);

  it(`answers ${ITERATIONS} mutated evaluation bodies (seed ${SEED}) with no 5xx`, async () => {
    const rng = createRng(SEED + 1);
    const serverErrors: unknown[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const body = mutate({ context }, rng);
      const response = await call<unknown>(harness, 'POST', paths[i % 2]!, { token: sdkKey, body });
      if (response.status >= 500) serverErrors.push({ status: response.status, body });
    }
    expect(serverErrors).toEqual([]);
  });

  it('still evaluates a valid body afterwards', async () => {
    const response = await call<{ value: unknown }>(harness, 'POST', paths[0]!, {
      token: sdkKey,
      body: { context },
    });
    expect(response.status).toBe(200);
    expect(typeof response.body.value).toBe('boolean');
  });
});
