import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_SPAN, jsonTraces, startIngestHarness, type IngestHarness } from './ingest-harness.js';

/**
 * Memory under a hostile mix (issue 20: peak RSS went from ~0.8 to ~2 GB over 11.6 k requests):
 * 64 concurrent senders post valid 1 MiB batches, bodies over the limit, gzip bombs, malformed
 * JSON and poison items, and the growth of this process's RSS (the service and the senders,
 * whose bodies are a few shared buffers) stays under MEMORY_BOUND_BYTES. A bound on memory, not
 * a timing. TRIPWIRE_MEMORY_REQUESTS runs longer (default 600).
 */
const MiB = 1024 * 1024;
const MAX_BODY = 4 * MiB;
const MAX_INFLIGHT = 16 * MiB;
const MAX_QUEUE_ROWS = 20_000;
/**
 * The stated bound of the growth: in-flight bodies × 10 (raw, decompressed and parsed JSON
 * copies), the queue's rows at ~2 KiB each, and 512 MiB for the embedded engine's insert
 * buffers and caches.
 */
const MEMORY_BOUND_BYTES = MAX_INFLIGHT * 10 + MAX_QUEUE_ROWS * 2048 + 512 * MiB;
const REQUESTS = Number(process.env.TRIPWIRE_MEMORY_REQUESTS ?? 600);
const SENDERS = 64;

let harness: IngestHarness;
beforeAll(async () => {
  harness = await startIngestHarness([
    '--max-body-bytes',
    String(MAX_BODY),
    '--max-inflight-bytes',
    String(MAX_INFLIGHT),
    '--max-queue-rows',
    String(MAX_QUEUE_ROWS),
  ]);
});
afterAll(async () => {
  await harness?.close();
});

/** A valid request of about `bytes` (spans with one padded attribute each). */
function validBatch(bytes: number): string {
  const span = {
    ...JSON_SPAN,
    attributes: [{ key: 'pad', value: { stringValue: 'x'.repeat(900) } }],
  };
  const count = Math.floor(bytes / 1100);
  return jsonTraces(
    Array.from({ length: count }, () => span),
    'memory',
  );
}

const BODIES: { body: string | Buffer; headers: Record<string, string> }[] = [
  { body: validBatch(MiB), headers: {} },
  { body: validBatch(MiB), headers: {} },
  { body: 'x'.repeat(MAX_BODY + 1), headers: {} },
  { body: gzipSync(Buffer.alloc(64 * MiB, 0x20)), headers: { 'content-encoding': 'gzip' } },
  { body: validBatch(MiB).slice(0, 500_000), headers: {} },
  { body: jsonTraces([{ ...JSON_SPAN, name: 'x\ud800' }], 'memory'), headers: {} },
  { body: jsonTraces([{ ...JSON_SPAN, kind: 99 }], 'memory'), headers: {} },
];

async function send(i: number): Promise<number> {
  const { body, headers } = BODIES[i % BODIES.length]!;
  const response = await fetch(`${harness.otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

describe('memory under a hostile mix', { timeout: 600_000 }, () => {
  it(`grows RSS by less than the stated bound over ${REQUESTS} requests from ${SENDERS} senders`, async () => {
    for (let i = 0; i < 4; i++) await send(0);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const statuses = new Map<number, number>();
    let next = 0;
    const sender = async (): Promise<void> => {
      while (next < REQUESTS) {
        const status = await send(next++);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const growth = peak - baseline;
    console.log(
      `memory: baseline ${(baseline / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB, growth ${(growth / MiB).toFixed(0)} MiB (bound ${(MEMORY_BOUND_BYTES / MiB).toFixed(0)} MiB); statuses ${JSON.stringify([...statuses])}`,
    );
    expect([...statuses.keys()].filter((status) => status >= 500 && status !== 503)).toEqual([]);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(growth).toBeLessThan(MEMORY_BOUND_BYTES);
  });

  it('is healthy afterwards', async () => {
    expect((await fetch(`${harness.otlpUrl}/healthz`)).status).toBe(200);
  });
});
