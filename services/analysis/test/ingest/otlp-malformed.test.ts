import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpMessages } from '../../src/ingest/otlp-descriptor.js';
import {
  JSON_SPAN,
  jsonTraces as traces,
  protoTraces,
  startIngestHarness,
  type IngestHarness,
} from './ingest-harness.js';

const MAX_BODY = 64 * 1024;
const FLUSH_MS = 1500;
let harness: IngestHarness;
beforeAll(async () => {
  harness = await startIngestHarness([
    '--max-body-bytes',
    String(MAX_BODY),
    '--max-queue-rows',
    '5',
    '--flush-interval-ms',
    String(FLUSH_MS),
  ]);
});
afterAll(async () => {
  await harness?.close();
});

const SPAN = JSON_SPAN;
const jsonTraces = (spans: unknown[], service = 'malformed'): string => traces(spans, service);
const protoRequest = (): Buffer => protoTraces([{ ...SPAN, name: 'proto' }], 'malformed');

async function post(
  path: string,
  body: string | Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(`${harness.otlpUrl}${path}`, { method: 'POST', headers, body });
  return {
    status: response.status,
    headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}
const JSON_TYPE = { 'content-type': 'application/json' };
const PROTO_TYPE = { 'content-type': 'application/x-protobuf' };

/** Polls the OTLP app's /readyz until its ingest check reads `ready`. */
async function waitForReadiness(ready: boolean): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const response = await fetch(`${harness.otlpUrl}/readyz`);
    const body = (await response.json()) as { checks: { ingest?: boolean } };
    if (body.checks.ingest === ready) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`ingest readiness never became ${ready}`);
}

function jsonStatus(body: Buffer): { code: number; message: string } {
  return JSON.parse(body.toString('utf8')) as { code: number; message: string };
}

describe('malformed OTLP requests', () => {
  it('answers a truncated protobuf body with 400 and a google.rpc.Status in protobuf', async () => {
    const whole = protoRequest();
    const response = await post('/v1/traces', whole.subarray(0, whole.length - 7), PROTO_TYPE);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/application\/x-protobuf/);
    const status = OtlpMessages.status.decode(response.body) as unknown as { message: string };
    expect(status.message).toMatch(/^TRIPWIRE_ERR_BAD_REQUEST: cannot decode the protobuf body/);
  });

  it('answers invalid JSON with 400', async () => {
    const response = await post('/v1/logs', '{"resourceLogs": [', JSON_TYPE);
    expect(response.status).toBe(400);
    expect(jsonStatus(response.body).message).toMatch(/cannot decode the JSON body of \/v1\/logs/);
  });

  it.each([
    ['a string where an array belongs', { resourceSpans: 'spans' }, '/resourceSpans'],
    [
      'an enum name instead of its number',
      JSON.parse(jsonTraces([{ ...SPAN, kind: 'SPAN_KIND_SERVER' }])) as unknown,
      '/resourceSpans/0/scopeSpans/0/spans/0/kind',
    ],
    [
      'a number where a string belongs',
      JSON.parse(jsonTraces([{ ...SPAN, name: 42 }])) as unknown,
      '/resourceSpans/0/scopeSpans/0/spans/0/name',
    ],
    [
      'a non-numeric timestamp',
      JSON.parse(jsonTraces([{ ...SPAN, startTimeUnixNano: 'yesterday' }])) as unknown,
      '/resourceSpans/0/scopeSpans/0/spans/0/startTimeUnixNano',
    ],
    [
      'a bad attribute value deep inside',
      JSON.parse(
        jsonTraces([{ ...SPAN, attributes: [{ key: 'k', value: { intValue: 'ten' } }] }]),
      ) as unknown,
      '/resourceSpans/0/scopeSpans/0/spans/0/attributes/0/intValue',
    ],
  ])('answers JSON with %s with 400 naming where', async (_case, body, pointer) => {
    const response = await post('/v1/traces', JSON.stringify(body), JSON_TYPE);
    expect(response.status).toBe(400);
    const status = jsonStatus(response.body);
    expect(status.code).toBe(3);
    expect(status.message).toContain(`(at ${pointer})`);
  });

  it('answers another content type with 415', async () => {
    const response = await post('/v1/traces', 'hello', { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect(jsonStatus(response.body).message).toMatch(/TRIPWIRE_ERR_UNSUPPORTED_MEDIA_TYPE/);
  });

  it('answers an unknown content encoding with 415', async () => {
    const response = await post('/v1/traces', jsonTraces([SPAN]), {
      ...JSON_TYPE,
      'content-encoding': 'br',
    });
    expect(response.status).toBe(415);
  });

  it('answers a body over the limit with 413', async () => {
    const response = await post('/v1/traces', Buffer.alloc(MAX_BODY + 1, 0x20), JSON_TYPE);
    expect(response.status).toBe(413);
    expect(jsonStatus(response.body).message).toMatch(/TRIPWIRE_ERR_PAYLOAD_TOO_LARGE/);
  });

  it('answers a gzip bomb (small compressed, huge expanded) with 413', async () => {
    const bomb = gzipSync(Buffer.alloc(MAX_BODY * 64, 0x20));
    expect(bomb.length).toBeLessThan(MAX_BODY);
    const response = await post('/v1/traces', bomb, { ...JSON_TYPE, 'content-encoding': 'gzip' });
    expect(response.status).toBe(413);
    expect(jsonStatus(response.body).message).toMatch(/after gzip decompression/);
  });

  it('answers a corrupt gzip body with 400', async () => {
    const response = await post('/v1/traces', Buffer.from('not gzip at all'), {
      ...JSON_TYPE,
      'content-encoding': 'gzip',
    });
    expect(response.status).toBe(400);
  });

  it('accepts a gzip-compressed protobuf body', async () => {
    const response = await post('/v1/traces', gzipSync(protoRequest()), {
      ...PROTO_TYPE,
      'content-encoding': 'gzip',
    });
    expect(response.status).toBe(200);
    const decoded = OtlpMessages.traceResponse.decode(response.body).toJSON();
    expect(decoded).toEqual({});
  });

  it('rejects spans with invalid ids through partial_success and stores the rest', async () => {
    const body = jsonTraces(
      [SPAN, { ...SPAN, spanId: 'abc' }, { ...SPAN, traceId: '' }],
      'partial',
    );
    const response = await post('/v1/traces', body, JSON_TYPE);
    expect(response.status).toBe(200);
    const parsed = JSON.parse(response.body.toString('utf8')) as {
      partialSuccess: { rejectedSpans: string; errorMessage: string };
    };
    expect(parsed.partialSuccess.rejectedSpans).toBe('2');
    expect(parsed.partialSuccess.errorMessage).toMatch(/spans\/1: spanId must be 8 bytes/);
    const rows = await harness.select(
      `SELECT SpanId FROM otel_traces WHERE ServiceName = 'partial'`,
    );
    expect(rows).toEqual([{ SpanId: SPAN.spanId }]);
  });

  it('answers 413 for a request with more items than the queue can ever hold', async () => {
    const spans = Array.from({ length: 6 }, (_, i) => ({ ...SPAN, name: `s${i}` }));
    const response = await post('/v1/traces', jsonTraces(spans, 'too-many'), JSON_TYPE);
    expect(response.status).toBe(413);
    expect(jsonStatus(response.body).message).toMatch(/send smaller batches/);
  });

  it('answers 503 with Retry-After while the queue is full, and accepts again once it drains', async () => {
    const spans = Array.from({ length: 5 }, (_, i) => ({ ...SPAN, name: `s${i}` }));
    // Five rows fill the queue (bound 5) until their flush, FLUSH_MS later; /readyz shows it.
    const filling = post('/v1/traces', jsonTraces(spans, 'overload'), JSON_TYPE);
    await waitForReadiness(false);
    const refused = await post('/v1/traces', jsonTraces([SPAN], 'overload'), JSON_TYPE);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(jsonStatus(refused.body)).toMatchObject({ code: 14 });
    expect((await filling).status).toBe(200);
    await waitForReadiness(true);
    const accepted = await post('/v1/traces', jsonTraces([SPAN], 'overload'), JSON_TYPE);
    expect(accepted.status).toBe(200);
  });

  it('stays up after all of the above', async () => {
    const health = await fetch(`${harness.otlpUrl}/healthz`);
    expect(health.status).toBe(200);
    const response = await post('/v1/traces', jsonTraces([SPAN], 'still-up'), JSON_TYPE);
    expect(response.status).toBe(200);
    expect(response.body.toString('utf8')).toBe('{}');
  });
});
