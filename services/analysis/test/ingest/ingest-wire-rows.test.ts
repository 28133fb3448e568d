import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableNames } from '../../src/config.js';
import { OtlpMessages } from '../../src/ingest/otlp-descriptor.js';
import { encodeLines } from '../../src/ingest/otlp-request.js';
import { mapTraceRequest, TRACE_COLUMNS } from '../../src/ingest/trace-rows.js';
import { writeTraceRows } from '../../src/ingest/trace-wire-rows.js';
import { insertEncodedRows, type ClickHouseClient } from '../../src/storage/clickhouse.js';
import { openMigratedEmbedded, type EmbeddedClickHouse } from '../storage/embedded-clickhouse.js';

/**
 * The wire writer (protobuf → a Native block) against the path it replaces (protobufjs
 * decode → `mapTraceRequest` → JSONCompactEachRow): the same request goes both ways into two
 * copies of otel_traces, and the rows read back must be identical.
 */
const tables = tableNames();
let embedded: EmbeddedClickHouse | undefined;
let clickhouse: ClickHouseClient;

beforeAll(async () => {
  embedded = await openMigratedEmbedded(tables, 'tripwire-wire-rows-');
  clickhouse = embedded.clickhouse;
  for (const name of ['old_path', 'wire_path']) {
    await clickhouse.command({ query: `CREATE TABLE ${name} AS ${tables.traces}` });
  }
});
afterAll(async () => {
  await embedded?.close();
});

const id = (hex: string) => Buffer.from(hex, 'hex');
const str = (stringValue: string) => ({ stringValue });
const int = (intValue: string) => ({ intValue });
const kv = (key: string, value: object | undefined) => (value ? { key, value } : { key });

function encode(request: object): Buffer {
  const type = OtlpMessages.traceRequest;
  return Buffer.from(type.encode(type.fromObject(request)).finish());
}

let traceCounter = 0;
/** A valid span with `fields` on top (unique ids, so rows can be ordered by SpanId). */
function span(fields: object = {}): object {
  traceCounter += 1;
  return {
    traceId: id(traceCounter.toString(16).padStart(32, '0')),
    spanId: id(traceCounter.toString(16).padStart(16, '0')),
    name: 'GET /x',
    startTimeUnixNano: '1764000000123456789',
    endTimeUnixNano: '1764000000373456790',
    ...fields,
  };
}

function request(spans: object[], resource?: object, scope?: object): object {
  return { resourceSpans: [{ resource, scopeSpans: [{ scope, spans }] }] };
}

/** Both paths into their tables; returns both outcomes and both tables' rows for `marker`. */
async function storeBothWays(body: Buffer, marker: string) {
  const old = mapTraceRequest(OtlpMessages.traceRequest.decode(body));
  const wire = writeTraceRows(body);
  const wireBody = Buffer.from(wire.body);
  const insert = (table: string, format: 'Native' | 'JSONCompactEachRow', rows: Buffer) =>
    insertEncodedRows(clickhouse, { table, columns: TRACE_COLUMNS, format, body: rows });
  await insert('old_path', 'JSONCompactEachRow', encodeLines(old.rows));
  await insert('wire_path', 'Native', wireBody);
  const select = async (table: string) => {
    const result = await clickhouse.query({
      query: `SELECT ${TRACE_COLUMNS.map((c) => `\`${c}\``).join(', ')} FROM ${table}
              WHERE ScopeVersion = {marker:String} ORDER BY SpanId`,
      query_params: { marker },
      format: 'JSONEachRow',
    });
    return result.json<Record<string, unknown>>();
  };
  return { old, wire, oldRows: await select('old_path'), wireRows: await select('wire_path') };
}

let markerCounter = 0;
/** Stores `spans` both ways under a fresh scope version and checks both agree; returns the rows. */
async function expectSameRows(spans: object[], resource?: object) {
  const marker = `case-${++markerCounter}`;
  const body = encode(request(spans, resource, { name: 'scope', version: marker }));
  const { old, wire, oldRows, wireRows } = await storeBothWays(body, marker);
  expect(wire.rows).toBe(old.rows.length);
  expect({ rejected: wire.rejected, reason: wire.rejectReason }).toEqual({
    rejected: old.rejected,
    reason: old.rejectReason,
  });
  expect(wireRows).toEqual(oldRows);
  return wireRows;
}

const AWKWARD = [
  'tab\there',
  'new\nline',
  'carriage\rreturn',
  'back\\slash',
  "single'quote",
  'double"quote',
  'nul\0byte',
  'bell\bform\ffeed',
  'ünïcödé ✓ 日本語 🚀',
  '{braces}:[brackets],commas',
  '',
];

describe('protobuf traces written straight from the wire', () => {
  it('stores awkward characters in names, keys and values exactly as the old path does', async () => {
    const attributes = AWKWARD.map((text, i) => kv(`${text}#${i}`, str(text)));
    const rows = await expectSameRows(
      [
        span({
          name: AWKWARD.join('|'),
          traceState: 'a=b\tc',
          attributes,
          status: { code: 2, message: 'failed:\n\tat x\\y' },
          events: [{ timeUnixNano: '1764000000200000000', name: "it's\tan event", attributes }],
          links: [
            {
              traceId: id('ab'.repeat(16)),
              spanId: id('cd'.repeat(8)),
              traceState: "q'\n",
              attributes,
            },
          ],
        }),
      ],
      { attributes: [kv('service.name', str('shop\t"1"')), ...attributes] },
    );
    const row = rows[0]!;
    expect(row.SpanName).toBe(AWKWARD.join('|'));
    expect(row.ServiceName).toBe('shop\t"1"');
    expect((row.SpanAttributes as Record<string, string>)['nul\0byte#6']).toBe('nul\0byte');
    expect(row['Events.Name']).toEqual(["it's\tan event"]);
    expect(row['Links.TraceState']).toEqual(["q'\n"]);
  });

  it('writes every AnyValue kind as the collector exporter stores it', async () => {
    const bytes = { bytesValue: Buffer.from([0, 1, 2, 250, 255]) };
    const array = {
      arrayValue: { values: [str('a'), int('-3'), { boolValue: true }, { doubleValue: 1.5 }] },
    };
    const kvlist = {
      kvlistValue: {
        values: [
          kv('x', str('y\t"z"')),
          kv('n', { arrayValue: { values: [bytes] } }),
          kv('none', undefined),
        ],
      },
    };
    const attributes = [
      kv('string', str('text')),
      kv('empty string', str('')),
      kv('int max', int('9223372036854775807')),
      kv('int min', int('-9223372036854775808')),
      kv('int minus one', int('-1')),
      kv('int 2^32', int('4294967296')),
      kv('int -2^32', int('-4294967296')),
      kv('int zero', int('0')),
      kv('true', { boolValue: true }),
      kv('false', { boolValue: false }),
      kv('double', { doubleValue: 0.1 }),
      kv('double big', { doubleValue: 1e21 }),
      kv('double tiny', { doubleValue: 5e-324 }),
      kv('double -0', { doubleValue: -0 }),
      kv('NaN', { doubleValue: NaN }),
      kv('+Inf', { doubleValue: Infinity }),
      kv('-Inf', { doubleValue: -Infinity }),
      kv('bytes', bytes),
      kv('array', array),
      kv('empty array', { arrayValue: {} }),
      kv('kvlist', kvlist),
      kv('no value', undefined),
      kv('empty value', {}),
    ];
    const [row] = await expectSameRows([span({ attributes })]);
    expect(row!.SpanAttributes).toMatchObject({
      'int max': '9223372036854775807',
      'int min': '-9223372036854775808',
      'int minus one': '-1',
      'int -2^32': '-4294967296',
      'double big': '1e+21',
      'double -0': '0',
      NaN: 'NaN',
      '+Inf': '+Inf',
      bytes: 'AAEC+v8=',
      array: '["a",-3,true,1.5]',
      'no value': '',
      'empty value': '',
    });
  });

  it('sorts keys, keeps the last of repeated keys, and handles empty and missing fields', async () => {
    const rows = await expectSameRows(
      [
        span({
          attributes: [kv('b', str('1')), kv('a', str('2')), kv('b', str('3')), kv('', str('4'))],
        }),
        // Nothing but ids: no name, times, kind, status, attributes, events or links.
        { traceId: id('0f'.repeat(16)), spanId: id('0e'.repeat(8)) },
        span({ kind: 5, status: {}, events: [{}], links: [{}], parentSpanId: id('01'.repeat(8)) }),
        span({ kind: 2, status: { code: 2 } }),
      ],
      { attributes: [kv('service.name', int('42')), kv('service.name', str('last wins'))] },
    );
    expect(rows.find((row) => row.SpanId === '0e'.repeat(8))).toMatchObject({
      Timestamp: '1970-01-01 00:00:00.000000000',
      SpanName: '',
      SpanKind: 'Unspecified',
      StatusCode: 'Unset',
      ServiceName: 'last wins',
      'Events.Name': [],
    });
  });

  it('writes strings of every length class (Native varint lengths of 1, 2 and 3 bytes)', async () => {
    const lengths = [0, 1, 127, 128, 129, 16383, 16384, 70000];
    const text = (n: number) => 'x\t'.repeat(n).slice(0, n);
    const array = { arrayValue: { values: lengths.map((n) => str(text(n))) } };
    const rows = await expectSameRows(
      lengths.map((n) =>
        span({
          name: text(n),
          traceState: text(n),
          attributes: [kv(text(n), str(text(n))), kv('array', array), kv('int', int('-1'))],
          events: [{ name: text(n), attributes: [kv('k', str(text(n)))] }],
          links: [{ traceState: text(n), attributes: [kv(text(n), str('v'))] }],
        }),
      ),
      { attributes: [kv('service.name', str(text(300))), kv(text(200), str(text(200)))] },
    );
    expect(rows.map((row) => (row.SpanName as string).length)).toEqual(lengths);
  });

  it('leaves no staged file behind once its Native inserts are committed', async () => {
    await expectSameRows([span()]);
    const root = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const own = readdirSync(root).filter((name) =>
      name.startsWith(`tripwire-insert-${process.pid}-`),
    );
    expect(own).toHaveLength(1);
    expect(readdirSync(join(root, own[0]!))).toEqual([]);
  });

  it('rejects the spans the old path rejects, with the same reason, and stores the rest', async () => {
    const rows = await expectSameRows([
      span(),
      span({ traceId: id('ab') }),
      span({ spanId: Buffer.alloc(0) }),
      span({ parentSpanId: id('abcd') }),
      span({ links: [{ traceId: id('ab'.repeat(16)), spanId: id('12') }] }),
      span({ traceId: Buffer.alloc(0) }),
      span({ kind: 6 }),
      span({ kind: -1 }),
      span({ status: { code: 3, message: 'past the enum' } }),
      span(),
    ]);
    expect(rows).toHaveLength(2);
    const body = encode(request([span(), span({ spanId: id('ab') })]));
    expect(writeTraceRows(body)).toMatchObject({
      rows: 1,
      rejected: 1,
      rejectReason: '/resourceSpans/0/scopeSpans/0/spans/1: spanId must be 8 bytes (16 hex digits)',
    });
  });

  it('writes times past 2^53 ns and durations exactly, and never a negative duration', async () => {
    const rows = await expectSameRows([
      span({ startTimeUnixNano: '18446744073709551615', endTimeUnixNano: '18446744073709551615' }),
      span({ startTimeUnixNano: '1764000000999999999', endTimeUnixNano: '1764000000000000001' }),
      span({ startTimeUnixNano: '999999999', endTimeUnixNano: '1000000000' }),
    ]);
    expect(rows.map((row) => Number(row.Duration))).toEqual([0, 0, 1]);
  });

  it('finds the resource and scope wherever they come in the message', async () => {
    // ResourceSpans with scopeSpans (field 2) before resource (field 1), hand-written.
    const writer = protobuf.Writer.create();
    const scopeSpans = OtlpMessages.traceRequest.lookupType('otlp.ScopeSpans');
    const resource = OtlpMessages.traceRequest.lookupType('otlp.Resource');
    const scopeBytes = scopeSpans
      .encode(scopeSpans.fromObject({ spans: [span()], scope: { name: 'late', version: 'v' } }))
      .finish();
    const resourceBytes = resource
      .encode(resource.fromObject({ attributes: [kv('service.name', str('after'))] }))
      .finish();
    writer.uint32((2 << 3) | 2).bytes(scopeBytes);
    writer.uint32((1 << 3) | 2).bytes(resourceBytes);
    const resourceSpans = writer.finish();
    const body = Buffer.from(
      protobuf.Writer.create()
        .uint32((1 << 3) | 2)
        .bytes(resourceSpans)
        .finish(),
    );
    const { wireRows, oldRows } = await storeBothWays(body, 'v');
    expect(wireRows).toEqual(oldRows);
    expect(wireRows[0]).toMatchObject({ ServiceName: 'after', ScopeName: 'late' });
  });
});

describe('fields the definitions do not declare', () => {
  it('are skipped at every level, as protobufjs skips them', async () => {
    const spanType = OtlpMessages.traceRequest.lookupType('otlp.Span');
    const unknown = protobuf.Writer.create()
      .uint32((99 << 3) | 2)
      .string('from a newer proto')
      .uint32((98 << 3) | 0)
      .uint64(12345)
      .uint32((97 << 3) | 1)
      .fixed64(7)
      .uint32((96 << 3) | 5)
      .fixed32(7)
      .finish();
    const spanBytes = Buffer.concat([
      spanType.encode(spanType.fromObject(span())).finish(),
      unknown,
    ]);
    const wrap = (field: number, bytes: Uint8Array, extra: Uint8Array = unknown) =>
      Buffer.concat([
        protobuf.Writer.create()
          .uint32((field << 3) | 2)
          .bytes(bytes)
          .finish(),
        extra,
      ]);
    const scope = OtlpMessages.traceRequest.lookupType('otlp.InstrumentationScope');
    const scopeBytes = scope
      .encode(scope.fromObject({ name: 'n', version: 'unknown-fields' }))
      .finish();
    const scopeSpans = Buffer.concat([wrap(1, scopeBytes), wrap(2, spanBytes)]);
    const body = wrap(1, wrap(2, scopeSpans));
    const { wire, wireRows, oldRows } = await storeBothWays(body, 'unknown-fields');
    expect(wire.rows).toBe(1);
    expect(wireRows).toEqual(oldRows);
  });
});

describe('malformed protobuf bodies', () => {
  const whole = encode(
    request(
      [span({ attributes: [kv('k', str('v')), kv('n', int('-5'))], events: [{ name: 'e' }] })],
      { attributes: [kv('service.name', str('s'))] },
    ),
  );

  it('agrees with protobufjs on which truncations of a request can be decoded', () => {
    for (let length = 0; length < whole.length; length++) {
      const cut = whole.subarray(0, length);
      let decodable = true;
      try {
        OtlpMessages.traceRequest.decode(cut);
      } catch {
        decodable = false;
      }
      const written = (() => {
        try {
          return writeTraceRows(cut).rows;
        } catch {
          return 'error';
        }
      })();
      expect({ length, decodable: written !== 'error' }).toEqual({ length, decodable });
    }
  });

  it('throws naming the field when a declared field comes with another wire type', () => {
    // Span.name (field 5, a string) sent as a varint.
    const badSpan = protobuf.Writer.create()
      .uint32((5 << 3) | 0)
      .uint32(7)
      .finish();
    const scope = protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(badSpan)
      .finish();
    const resource = protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(scope)
      .finish();
    const body = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .bytes(resource)
      .finish();
    expect(() => writeTraceRows(body)).toThrow(/field 5 of Span has wire type 0, expected 2/);
  });

  it('refuses a varint past 64 bits (10th byte above 1) instead of dropping its high bits', () => {
    // -2^63 is nine 0x80 bytes and a final 0x01; 0x02 there would be bit 64.
    const body = encode(request([span({ attributes: [kv('n', int('-9223372036854775808'))] })]));
    const last = body.indexOf(Buffer.from([...Array<number>(9).fill(0x80), 0x01])) + 9;
    expect(last).toBeGreaterThan(9);
    expect(writeTraceRows(body).rows).toBe(1);
    for (const byte of [0x02, 0x7f, 0x81]) {
      const bad = Buffer.from(body);
      bad[last] = byte;
      expect(() => writeTraceRows(bad)).toThrow(/overflows 64 bits/);
    }
  });
});
