import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/create-rng.js';
import { OtlpMessages } from '../../src/ingest/otlp-descriptor.js';
import { JSON_SPAN, startIngestHarness, type IngestHarness } from './ingest-harness.js';

/**
 * Seeded byte mutations of a valid OTLP protobuf traces request (bit flips, truncation, inserted
 * and duplicated bytes, a huge length varint, a changed wire type): every answer is 2xx or 4xx,
 * never 5xx. Between them, valid requests with their own span ids: every one acknowledged (200)
 * is stored, so no poison request cost an accepted span. TRIPWIRE_FUZZ_ITERATIONS runs longer
 * (default 200); TRIPWIRE_FUZZ_SEED picks another sequence.
 */
const ITERATIONS = Number(process.env.TRIPWIRE_FUZZ_ITERATIONS ?? 200);
const SEED = Number(process.env.TRIPWIRE_FUZZ_SEED ?? 20);
/** One valid request after this many mutated ones. */
const VALID_EVERY = 10;

let harness: IngestHarness;
beforeAll(async () => {
  harness = await startIngestHarness();
});
afterAll(async () => {
  await harness?.close();
});

const hex = (text: string) => Buffer.from(text, 'hex');

/** A traces request exercising every span part the protobuf walker reads. */
function encodeRequest(service: string, spanId: string): Buffer {
  const type = OtlpMessages.traceRequest;
  const attribute = (key: string, value: object) => ({ key, value });
  const message = type.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [attribute('service.name', { stringValue: service })] },
        scopeSpans: [
          {
            scope: { name: 'fuzz', version: '1' },
            spans: [
              {
                traceId: hex(JSON_SPAN.traceId),
                spanId: hex(spanId),
                name: 'GET /x',
                kind: 2,
                startTimeUnixNano: JSON_SPAN.startTimeUnixNano,
                endTimeUnixNano: JSON_SPAN.endTimeUnixNano,
                attributes: [
                  attribute('n', { intValue: -42 }),
                  attribute('d', { doubleValue: 1.5 }),
                  attribute('a', { arrayValue: { values: [{ boolValue: true }] } }),
                  attribute('k', {
                    kvlistValue: { values: [attribute('x', { bytesValue: 'AQI=' })] },
                  }),
                ],
                events: [{ timeUnixNano: JSON_SPAN.startTimeUnixNano, name: 'e' }],
                links: [{ traceId: hex(JSON_SPAN.traceId), spanId: hex(JSON_SPAN.spanId) }],
                status: { code: 2, message: 'boom' },
              },
            ],
          },
        ],
      },
    ],
  });
  return Buffer.from(type.encode(message).finish());
}

/** One byte-level mutation of `bytes`. */
function mutate(bytes: Buffer, rng: () => number): Buffer {
  const at = Math.floor(rng() * bytes.length);
  const out = Buffer.from(bytes);
  switch (Math.floor(rng() * 6)) {
    case 0:
      out[at] = out[at]! ^ (1 << Math.floor(rng() * 8));
      return out;
    case 1:
      return out.subarray(0, at);
    case 2:
      return Buffer.concat([
        out.subarray(0, at),
        Buffer.from([Math.floor(rng() * 256)]),
        out.subarray(at),
      ]);
    case 3: {
      const end = Math.min(out.length, at + 1 + Math.floor(rng() * 24));
      return Buffer.concat([out.subarray(0, end), out.subarray(at, end), out.subarray(end)]);
    }
    case 4:
      // A length prefix claiming ~4 GiB.
      return Buffer.concat([
        out.subarray(0, at),
        Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]),
        out.subarray(at),
      ]);
    default:
      // The same field number with another wire type.
      out[at] = (out[at]! & ~0x07) | Math.floor(rng() * 8);
      return out;
  }
}

async function post(body: Buffer): Promise<number> {
  const response = await fetch(`${harness.otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

describe('OTLP protobuf fuzz (seeded)', { timeout: 300_000 }, () => {
  it(`answers ${ITERATIONS} mutated requests (seed ${SEED}) with no 5xx and keeps every acknowledged span`, async () => {
    const rng = createRng(SEED);
    const serverErrors: { status: number; body: string }[] = [];
    const acknowledged: string[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      let body = encodeRequest('fuzz', JSON_SPAN.spanId);
      const rounds = 1 + Math.floor(rng() * 3);
      for (let r = 0; r < rounds; r++) body = mutate(body, rng);
      const status = await post(body);
      if (status >= 500) serverErrors.push({ status, body: body.toString('base64') });
      if (i % VALID_EVERY === VALID_EVERY - 1) {
        const spanId = (i + 1).toString(16).padStart(16, '0');
        if ((await post(encodeRequest('fuzz-ack', spanId))) === 200) acknowledged.push(spanId);
      }
    }
    expect(serverErrors).toEqual([]);
    const rows = await harness.select<{ SpanId: string }>(
      `SELECT SpanId FROM otel_traces WHERE ServiceName = 'fuzz-ack' ORDER BY SpanId`,
    );
    expect(acknowledged.length).toBe(Math.floor(ITERATIONS / VALID_EVERY));
    expect(rows.map((row) => row.SpanId)).toEqual(acknowledged);
  });

  it('stays healthy and stores a valid span afterwards', async () => {
    expect((await fetch(`${harness.otlpUrl}/healthz`)).status).toBe(200);
    expect(await post(encodeRequest('after-fuzz', JSON_SPAN.spanId))).toBe(200);
  });
});
