import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpMessages } from '../../src/ingest/otlp-descriptor.js';
import {
  JSON_SPAN,
  jsonTraces,
  protoTraces,
  startIngestHarness,
  type IngestHarness,
} from './ingest-harness.js';

/** Hostile OTLP from issue 20: every case is a 400 or a partial_success, never a 5xx. */
let harness: IngestHarness;
beforeAll(async () => {
  harness = await startIngestHarness(['--max-body-bytes', String(4 * 1024 * 1024)]);
});
afterAll(async () => {
  await harness?.close();
});

const SPAN = JSON_SPAN;
const traces = (spans: unknown[], service = 'hostile'): string => jsonTraces(spans, service);
const withAttribute = (value: unknown) => traces([{ ...SPAN, attributes: [{ key: 'k', value }] }]);

/** An attribute value of kvlists nested `depth` deep, written as text (stringify would overflow). */
function nestedKvlist(depth: number): string {
  const open = '{"kvlistValue":{"values":[{"key":"k","value":';
  const inner = `${open.repeat(depth)}{"stringValue":"leaf"}${'}]}}'.repeat(depth)}`;
  return withAttribute({ stringValue: 'HOLE' }).replace('{"stringValue":"HOLE"}', inner);
}

async function post(
  body: string | Buffer,
  type = 'application/json',
  path = '/v1/traces',
): Promise<{ status: number; text: string; bytes: Buffer }> {
  const response = await fetch(`${harness.otlpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, text: bytes.toString('utf8'), bytes };
}

/** Each case and its answer: 400 or a partial_success (the span rejected with its reason). */
const cases: [string, string | Buffer, 400 | 'partial'][] = [
  ['a lone surrogate in a span name', traces([{ ...SPAN, name: 'x\ud800' }]), 400],
  [
    'invalid UTF-8',
    Buffer.concat([
      Buffer.from(traces([{ ...SPAN, name: 'ab' }]).split('ab')[0]!),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from(traces([{ ...SPAN, name: 'ab' }]).split('ab')[1]!),
    ]),
    400,
  ],
  ['an integer above 64 bits', withAttribute({ intValue: '18446744073709551616' }), 400],
  ['an int64 below the range', withAttribute({ intValue: '-9223372036854775809' }), 400],
  ['an intValue of 2^63', withAttribute({ intValue: '9223372036854775808' }), 400],
  ['an intValue of 2^64 - 1', withAttribute({ intValue: '18446744073709551615' }), 400],
  ['an intValue of 2^63 as a JSON number', withAttribute({ intValue: 2 ** 63 }), 400],
  ['a span kind out of range', traces([{ ...SPAN, kind: 99 }]), 'partial'],
  ['a status code out of range', traces([{ ...SPAN, status: { code: 7 } }]), 'partial'],
  ['a trace id of the wrong length', traces([{ ...SPAN, traceId: 'abcd' }]), 'partial'],
  ['a span id that is not hex', traces([{ ...SPAN, spanId: 'zzzzzzzzzzzzzzzz' }]), 'partial'],
  ['an object where a span belongs', traces(['span']), 400],
  ['a number for resourceSpans', JSON.stringify({ resourceSpans: 1 }), 400],
  ['a kvlist nested 10,000 deep', nestedKvlist(10_000), 400],
  ['arrays nested 100,000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, 400],
  ['an object nested 100,000 deep', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`, 400],
];

describe('hostile OTLP/JSON', () => {
  it.each(cases)('%s: never a 5xx, and a valid neighbour succeeds', async (_name, body, answer) => {
    const valid = post(traces([SPAN], 'neighbour'));
    const response = await post(body);
    expect(response.status, response.text).toBe(answer === 'partial' ? 200 : answer);
    if (answer === 'partial') expect(response.text).toMatch(/"rejectedSpans":"1"/);
    expect((await valid).status).toBe(200);
  });

  it('rejects out-of-range enums with the same reasons over JSON and protobuf, storing the rest', async () => {
    const spans = [
      { ...SPAN, name: 'kept' },
      { ...SPAN, name: 'bad-kind', kind: 6 },
      { ...SPAN, name: 'bad-status', status: { code: 3 } },
    ];
    const json = await post(traces(spans, 'enums-json'));
    const proto = await fetch(`${harness.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: protoTraces(spans, 'enums-proto'),
    });
    const fromProto = OtlpMessages.traceResponse.toObject(
      OtlpMessages.traceResponse.decode(Buffer.from(await proto.arrayBuffer())),
      { longs: String },
    ) as { partialSuccess: { rejected: string; errorMessage: string } };
    const fromJson = JSON.parse(json.text) as {
      partialSuccess: { rejectedSpans: string; errorMessage: string };
    };
    const reason = /spans\/1: kind 6 is not a SpanKind \(0–5\)/;
    expect(fromJson.partialSuccess.rejectedSpans).toBe('2');
    expect(fromProto.partialSuccess.rejected).toBe('2');
    expect(fromJson.partialSuccess.errorMessage).toMatch(reason);
    expect(fromProto.partialSuccess.errorMessage).toBe(fromJson.partialSuccess.errorMessage);
    for (const service of ['enums-json', 'enums-proto']) {
      const rows = await harness.select(
        `SELECT SpanName FROM otel_traces WHERE ServiceName = '${service}'`,
      );
      expect(rows).toEqual([{ SpanName: 'kept' }]);
    }
  });

  it('stays healthy after all of them', async () => {
    expect((await fetch(`${harness.otlpUrl}/healthz`)).status).toBe(200);
  });
});

const spanType = OtlpMessages.traceRequest.lookupType('otlp.Span');
const spanBytes = (fields: object): Uint8Array =>
  spanType.encode(spanType.fromObject({ ...protoSpan('pb'), ...fields })).finish();
const field = (number: number, wireType: number) => (number << 3) | wireType;
/** Length-delimited `bytes` as field `number`. */
const wrap = (number: number, bytes: Uint8Array): Buffer =>
  Buffer.from(protobuf.Writer.create().uint32(field(number, 2)).bytes(bytes).finish());
/** A traces request of span messages given as bytes (one resource, one scope). */
const protoRequest = (...spans: Uint8Array[]): Buffer =>
  wrap(1, wrap(2, Buffer.concat(spans.map((bytes) => wrap(2, bytes)))));

let protoCounter = 0;
function protoSpan(name: string): object {
  protoCounter += 1;
  return {
    traceId: Buffer.from(protoCounter.toString(16).padStart(32, '0'), 'hex'),
    spanId: Buffer.from(protoCounter.toString(16).padStart(16, '0'), 'hex'),
    name,
    startTimeUnixNano: SPAN.startTimeUnixNano,
    endTimeUnixNano: SPAN.endTimeUnixNano,
  };
}

/** Extra wire bytes appended to a valid span (a later field overrides or breaks it). */
const appended = (...parts: number[][]): Uint8Array =>
  Buffer.concat([spanBytes({ name: 'pb-bad' }), Buffer.from(parts.flat())]);
const overflowingInt = wrap(
  9,
  Buffer.concat([
    wrap(1, Buffer.from('k')),
    wrap(2, Buffer.from([0x18, ...Array<number>(9).fill(0xff), 0x7f])),
  ]),
);

/** Poison spans sent beside a valid span in the same request: only the poison is rejected. */
const partialCases: [string, Uint8Array, RegExp][] = [
  [
    'a negative status code',
    spanBytes({ name: 'pb-bad', status: { code: -3 } }),
    /status\/code -3 is not a StatusCode/,
  ],
  [
    'a 3-byte trace id',
    spanBytes({ name: 'pb-bad', traceId: Buffer.from('abcdef', 'hex') }),
    /traceId/,
  ],
  ['an empty span id', spanBytes({ name: 'pb-bad', spanId: Buffer.alloc(0) }), /spanId/],
];
/** Requests that cannot be decoded: a 400, and a concurrent valid request still succeeds. */
const badRequests: [string, Buffer, RegExp][] = [
  [
    'a span name sent as a varint',
    protoRequest(appended([field(5, 0), 7])),
    /field 5 of Span has wire type 0/,
  ],
  [
    'a span kind sent length-delimited',
    protoRequest(appended([field(6, 2), 1, 2])),
    /field 6 of Span has wire type 2/,
  ],
  [
    'a trace id sent as fixed32',
    protoRequest(appended([field(1, 5), 1, 2, 3, 4])),
    /field 1 of Span/,
  ],
  [
    'an intValue varint past 64 bits',
    protoRequest(Buffer.concat([spanBytes({ name: 'pb-bad' }), overflowingInt])),
    /overflows 64 bits/,
  ],
  [
    'a length of 2^31 - 1',
    protoRequest(appended([field(5, 2), 0xff, 0xff, 0xff, 0xff, 0x07])),
    /2147483647 bytes/,
  ],
  [
    'a varint of 11 bytes',
    protoRequest(appended([field(6, 0), ...Array<number>(10).fill(0xff), 0x01])),
    /./,
  ],
  [
    'a truncated request',
    protoRequest(spanBytes({ name: 'pb-bad' })).subarray(0, 20),
    /runs past|index out of range/,
  ],
];

describe('hostile OTLP/protobuf', () => {
  const PROTO = 'application/x-protobuf';
  const decode = (bytes: Buffer) =>
    OtlpMessages.traceResponse.decode(bytes).toJSON() as {
      partialSuccess?: { rejected?: string; errorMessage?: string };
    };

  it.each(partialCases)(
    '%s: only that span is rejected, with its reason',
    async (_n, bad, reason) => {
      const response = await post(protoRequest(spanBytes({ name: 'pb-ok' }), bad), PROTO);
      expect(response.status).toBe(200);
      const { partialSuccess } = decode(response.bytes);
      expect(partialSuccess?.rejected).toBe('1');
      expect(partialSuccess?.errorMessage).toMatch(
        /^\/resourceSpans\/0\/scopeSpans\/0\/spans\/1: /,
      );
      expect(partialSuccess?.errorMessage).toMatch(reason);
    },
  );

  it.each(badRequests)('%s: a 400, and a valid neighbour succeeds', async (_name, body, why) => {
    const valid = post(protoRequest(spanBytes({ name: 'pb-ok' })), PROTO);
    const response = await post(body, PROTO);
    expect(response.status).toBe(400);
    const status = OtlpMessages.status.decode(response.bytes) as unknown as { message: string };
    expect(status.message).toMatch(/^TRIPWIRE_ERR_BAD_REQUEST: cannot decode the protobuf body/);
    expect(status.message).toMatch(why);
    expect((await valid).status).toBe(200);
  });

  it('stored every acknowledged valid span and none of the poison ones', async () => {
    const rows = await harness.select<{ SpanName: string; n: number }>(
      `SELECT SpanName, count() AS n FROM otel_traces WHERE SpanName LIKE 'pb-%' GROUP BY SpanName`,
    );
    const sent = partialCases.length + badRequests.length;
    expect(rows.map((row) => [row.SpanName, Number(row.n)])).toEqual([['pb-ok', sent]]);
    expect((await fetch(`${harness.otlpUrl}/healthz`)).status).toBe(200);
  });
});

/** `request` with its intValue −1 (ff ×9, 01) turned into a varint past 64 bits (ff ×9, 7f). */
function withOverflowingVarint(type: protobuf.Type, request: object): Buffer {
  const bytes = Buffer.from(type.encode(type.fromObject(request)).finish());
  const minusOne = Buffer.from([...Array<number>(9).fill(0xff), 0x01]);
  const at = bytes.indexOf(minusOne);
  expect(at).toBeGreaterThan(0);
  bytes[at + 9] = 0x7f;
  return bytes;
}

const minusOneAttribute = [{ key: 'k', value: { intValue: -1 } }];
const overflowingSignals: [string, Buffer][] = [
  [
    '/v1/logs',
    withOverflowingVarint(OtlpMessages.logsRequest, {
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ attributes: minusOneAttribute }] }] }],
    }),
  ],
  [
    '/v1/metrics',
    withOverflowingVarint(OtlpMessages.metricsRequest, {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'm',
                  gauge: { dataPoints: [{ asDouble: 1, attributes: minusOneAttribute }] },
                },
              ],
            },
          ],
        },
      ],
    }),
  ],
];

describe('varints past 64 bits on the protobuf logs and metrics paths', () => {
  it.each(overflowingSignals)(
    '%s: a 400, not a value the sender never wrote',
    async (path, body) => {
      const response = await post(body, 'application/x-protobuf', path);
      expect(response.status).toBe(400);
      const status = OtlpMessages.status.decode(response.bytes) as unknown as { message: string };
      expect(status.message).toMatch(/overflows 64 bits/);
    },
  );
});
