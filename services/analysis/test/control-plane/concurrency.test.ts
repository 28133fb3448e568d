/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- JSON response bodies are checked by the assertions that read them */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flag } from '@tripwire/schema';
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
  await createFlag(harness, makeFlag('race.flag'));
}, HOOK_TIMEOUT_MS);
afterAll(async () => harness?.close(), HOOK_TIMEOUT_MS);

/** Read-modify-write with the expected version, retrying on 409: the safe client loop. */
async function addTag(tag: string): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    const read = await call(harness, 'GET', '/api/v1/flags/race.flag', { token: ADMIN_TOKEN });
    const flag = read.body.flag as Flag;
    const next = {
      ...flag,
      metadata: { ...flag.metadata, tags: [...(flag.metadata.tags ?? []), tag] },
    };
    const write = await call(harness, 'PUT', '/api/v1/flags/race.flag', {
      token: ADMIN_TOKEN,
      body: { flag: next, expectedVersion: flag.version, reason: `tag ${tag}` },
    });
    if (write.status === 200) return attempt;
    expect(write.status).toBe(409);
  }
}

describe('concurrent writers', () => {
  it('lets exactly one of many writes with the same expected version win', async () => {
    const flag = (await call(harness, 'GET', '/api/v1/flags/race.flag', { token: ADMIN_TOKEN }))
      .body.flag as Flag;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        call(harness, 'PUT', '/api/v1/flags/race.flag', {
          token: ADMIN_TOKEN,
          body: {
            flag: { ...flag, metadata: { ...flag.metadata, description: `writer ${index}` } },
            expectedVersion: flag.version,
          },
        }),
      ),
    );
    const statuses = results.map((result) => result.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(11);
  });

  it('never loses an update when writers retry on conflict', async () => {
    const tags = Array.from({ length: 10 }, (_, index) => `t${index}`);
    await Promise.all(tags.map((tag) => addTag(tag)));
    const flag = (await call(harness, 'GET', '/api/v1/flags/race.flag', { token: ADMIN_TOKEN }))
      .body.flag as Flag;
    expect([...(flag.metadata.tags ?? [])].sort()).toEqual([...tags].sort());
  });

  it('records every concurrent kill, restore and toggle as its own gap-free version', async () => {
    await Promise.all([
      call(harness, 'POST', '/api/v1/flags/race.flag/kill', {
        token: ADMIN_TOKEN,
        body: { environment: 'production', reason: 'a' },
      }),
      call(harness, 'POST', '/api/v1/flags/race.flag/environments/development', {
        token: ADMIN_TOKEN,
        body: { enabled: false },
      }),
      call(harness, 'POST', '/api/v1/flags/race.flag/archive', {
        token: ADMIN_TOKEN,
        body: { archived: false },
      }),
    ]);
    const history = await call(harness, 'GET', '/api/v1/flags/race.flag/history', {
      token: ADMIN_TOKEN,
    });
    const versions = history.body.entries.map((entry: { version: number }) => entry.version);
    expect(versions).toEqual(Array.from({ length: versions.length }, (_, index) => index + 1));
    const seqs = history.body.entries.map((entry: { seq: number }) => entry.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const flag = history.body.entries.at(-1).document as Flag;
    expect(flag.environments.production?.enabled).toBe(false);
    expect(flag.environments.development?.enabled).toBe(false);
  });
});
