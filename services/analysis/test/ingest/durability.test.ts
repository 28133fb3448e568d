import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OtlpMessages } from '../../src/ingest/otlp-descriptor.js';

const BIN = new URL('../../bin/tripwire.js', import.meta.url).pathname;
const TOKEN = 'twk_test_durability_token_0123456789';
const dataDir = mkdtempSync(join(tmpdir(), 'tripwire-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Starts `tripwire serve` on the shared data dir and resolves once it answers on both ports.
 * The ports come from `freePort`, so another process may take one before the child binds it
 * (tests in other forks listen on port 0): the child then exits with EADDRINUSE and is started
 * again on new ports, and readiness is an API call only this child accepts (its admin token),
 * not a `/healthz` that another process's server could answer.
 */
async function startService(): Promise<{ child: ChildProcess; otlp: string; api: string }> {
  for (let attempt = 1; ; attempt++) {
    const started = await tryStartService();
    if (!('failed' in started)) return started;
    if (!started.failed.includes('EADDRINUSE') || attempt === 3) {
      throw new Error(`tripwire serve did not start: ${started.failed}`);
    }
  }
}

async function tryStartService(): Promise<
  { child: ChildProcess; otlp: string; api: string } | { failed: string }
> {
  const [otlpPort, apiPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--data-dir',
      dataDir,
      '--otlp-port',
      String(otlpPort),
      '--api-port',
      String(apiPort),
    ],
    {
      env: {
        ...process.env,
        TRIPWIRE_ADMIN_TOKEN: TOKEN,
        TRIPWIRE_LOG_LEVEL: 'warn',
        CLICKHOUSE_URL: '',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const otlp = `http://127.0.0.1:${otlpPort}`;
  const api = `http://127.0.0.1:${apiPort}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) return { failed: `exited ${child.exitCode}: ${stderr}` };
    // The OTLP port is bound before the API port, so an answer here means both are the child's.
    const ready = await fetch(`${api}/api/v1/flags`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { child, otlp, api };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  return { failed: `no answer in 30 s: ${stderr}` };
}

function batch(offset: number, size: number): string {
  return JSON.stringify(traceRequest(offset, size));
}

/** The same spans as protobuf (ids as bytes): the Native insert path. */
function protobufBatch(offset: number, size: number): Buffer {
  const request = JSON.parse(JSON.stringify(traceRequest(offset, size)), (key, value: unknown) =>
    (key === 'traceId' || key === 'spanId') && typeof value === 'string'
      ? Buffer.from(value, 'hex')
      : value,
  ) as object;
  const type = OtlpMessages.traceRequest;
  return Buffer.from(type.encode(type.fromObject(request)).finish());
}

function traceRequest(offset: number, size: number): object {
  const start = 1_764_000_000n * 1_000_000_000n;
  const spans = Array.from({ length: size }, (_, i) => ({
    traceId: (offset + i + 1).toString(16).padStart(32, '0'),
    spanId: (offset + i + 1).toString(16).padStart(16, '0'),
    name: 'GET /durable',
    kind: 2,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 1_000_000n),
    attributes: [{ key: 'tripwire.variant.durable', value: { stringValue: 'on' } }],
  }));
  return { resourceSpans: [{ scopeSpans: [{ spans }] }] };
}

describe('durability', () => {
  it('keeps every acknowledged span when the process is killed with SIGKILL right after the 200', async () => {
    const first = await startService();
    let acknowledged = 0;
    for (const [offset, size, encoding] of [
      [0, 300, 'json'],
      [300, 1, 'json'],
      [301, 200, 'json'],
      [501, 250, 'protobuf'],
      [751, 1, 'protobuf'],
    ] as const) {
      const protobuf = encoding === 'protobuf';
      const response = await fetch(`${first.otlp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': protobuf ? 'application/x-protobuf' : 'application/json' },
        body: protobuf ? protobufBatch(offset, size) : batch(offset, size),
      });
      expect(response.status).toBe(200);
      acknowledged += size;
    }
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    const second = await startService();
    const response = await fetch(
      `${second.api}/api/v1/flags/durable/summary?from=2025-11-24T00:00:00Z&to=2025-11-25T00:00:00Z`,
      { headers: { authorization: `Bearer ${TOKEN}` } },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { variants: { variant: string; spans: number }[] };
    expect(body.variants).toEqual([
      expect.objectContaining({ variant: 'on', spans: acknowledged }),
    ]);
    second.child.kill('SIGTERM');
    const code = await new Promise((resolve) => second.child.once('exit', resolve));
    expect(code).toBe(0);
  }, 120_000);
});
