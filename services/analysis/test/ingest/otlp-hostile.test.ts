import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpMessages } from '../../src/ingest/otlp-descriptor.js';
import { JSON_SPAN, jsonTraces, startIngestHarness, type IngestHarness } from './ingest-harness.js';

/** Hostile OTLP/JSON from issue 20: every case is a 400 or a partial_success, never a 5xx. */
let harness: IngestHarness;
beforeAll(async () => {
  harness = await startIngestHarness(['--max-body-bytes', String(4 * 1024 * 1024)]);
});
afterAll(async () => {
  await harness?.close();
});

const SPAN = JSON_SPAN;
const traces = (spans: unknown[], service = 'hostile'): string => jsonTraces(spans, service);
/** The same spans as OTLP protobuf (ids from hex; times, kind and status as given). */
function protoTraces(spans: (typeof SPAN & { kind?: number; status?: object })[], service: string) {
  const type = OtlpMessages.traceRequest;
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: service } }] };
  const message = type.fromObject({
    resourceSpans: [
      {
        resource,
        scopeSpans: [
          {
            spans: spans.map((span) => ({
              ...span,
              traceId: Buffer.from(span.traceId, 'hex'),
              spanId: Buffer.from(span.spanId, 'hex'),
            })),
          },
        ],
      },
    ],
  });
  return Buffer.from(type.encode(message).finish());
}
const withAttribute = (value: unknown) => traces([{ ...SPAN, attributes: [{ key: 'k', value }] }]);

/** An attribute value of kvlists nested `depth` deep, written as text (stringify would overflow). */
function nestedKvlist(depth: number): string {
  const open = '{"kvlistValue":{"values":[{"key":"k","value":';
  const inner = `${open.repeat(depth)}{"stringValue":"leaf"}${'}]}}'.repeat(depth)}`;
  return withAttribute({ stringValue: 'HOLE' }).replace('{"stringValue":"HOLE"}', inner);
}

async function post(body: string | Buffer): Promise<{ status: number; text: string }> {
  const response = await fetch(`${harness.otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, text: await response.text() };
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
