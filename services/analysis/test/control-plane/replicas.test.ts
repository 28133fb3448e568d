/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument -- JSON response bodies are checked by the assertions that read them */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { TestStream } from './sse-client.js';

// One writer and one reader on the same storage (same embedded data dir, as replicas would
// share one ClickHouse server); the reader learns everything from the changelog.
let dataDir: string;
let writer: Harness;
let reader: Harness;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tripwire-'));
  writer = await startHarness({ dataDir });
  await createFlag(writer, makeFlag('replica.flag'));
  reader = await startHarness({ dataDir, role: 'reader', followIntervalMs: 10 });
}, HOOK_TIMEOUT_MS);
afterAll(async () => {
  await reader?.close();
  await writer?.close();
  rmSync(dataDir, { recursive: true, force: true });
}, HOOK_TIMEOUT_MS);

describe('reader replicas', () => {
  it('rebuild the current state from the changelog on start', async () => {
    const read = await call(reader, 'GET', '/api/v1/flags/replica.flag', { token: ADMIN_TOKEN });
    expect(read.status).toBe(200);
    expect(read.body.flag.version).toBe(1);
  });

  it('report ready while they keep up with the changelog', async () => {
    const ready = await call(reader, 'GET', '/readyz');
    expect(ready.body.checks['control-plane']).toBe(true);
  });

  it('refuse writes with 503 TRIPWIRE_ERR_READ_ONLY', async () => {
    const response = await call(reader, 'POST', '/api/v1/flags/replica.flag/kill', {
      token: ADMIN_TOKEN,
      body: { environment: 'production', reason: 'r' },
    });
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('TRIPWIRE_ERR_READ_ONLY');
  });

  it('push a kill made on the writer to their own SSE clients, with a key created on the writer', async () => {
    const created = await call(writer, 'POST', '/api/v1/tokens', {
      token: ADMIN_TOKEN,
      body: { name: 'replica-sdk', kind: 'sdk', environments: ['production'] },
    });
    let stream: TestStream | undefined;
    while (stream === undefined) {
      const candidate = await TestStream.open(`${reader.url}/sdk/v1/stream`, created.body.secret);
      if (candidate.status === 200) stream = candidate;
      else {
        candidate.close();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    await stream.next((event) => event.type === 'put');
    await call(writer, 'POST', '/api/v1/flags/replica.flag/kill', {
      token: ADMIN_TOKEN,
      body: { environment: 'production', reason: 'from the writer' },
    });
    const patch = await stream.next((event) => event.type === 'patch');
    expect(patch.data.flags[0].environments.production.enabled).toBe(false);
    const kills = (await call(reader, 'GET', '/api/v1/flags/replica.flag', { token: ADMIN_TOKEN }))
      .body.kills;
    expect(kills).toMatchObject([{ environment: 'production', reason: 'from the writer' }]);
    stream.close();
  });
});
