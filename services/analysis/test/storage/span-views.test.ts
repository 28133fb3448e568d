import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableNames } from '../../src/config.js';
import { OtlpMessages } from '../../src/ingest/otlp-descriptor.js';
import { TRACE_COLUMNS } from '../../src/ingest/trace-rows.js';
import { writeTraceRows } from '../../src/ingest/trace-wire-rows.js';
import { insertEncodedRows, type ClickHouseClient } from '../../src/storage/clickhouse.js';
import { openMigratedEmbedded, type EmbeddedClickHouse } from './embedded-clickhouse.js';

/**
 * Migration 0210 replaces the exposure and conversion views of 0200/0202, and 0266 the
 * variant-requests view of 0201, with cheaper ones that must produce exactly the same rows: spans covering every branch of the original SELECTs go
 * into otel_traces, and the view tables must equal the original SELECTs (read from the 0200 and
 * 0202 files) run over otel_traces.
 */
const tables = tableNames();
let embedded: EmbeddedClickHouse | undefined;
let clickhouse: ClickHouseClient;

beforeAll(async () => {
  embedded = await openMigratedEmbedded(tables, 'tripwire-span-views-');
  clickhouse = embedded.clickhouse;
});
afterAll(async () => {
  await embedded?.close();
});

/** The SELECT of the view `viewName` as a migration file defines it, table names filled in. */
function originalSelect(file: string, viewName: string): string {
  const text = readFileSync(
    new URL(`../../src/storage/migrations/${file}`, import.meta.url),
    'utf8',
  );
  const sql = text.replace(
    /\{\{(\w+)\}\}/g,
    (_, key: string) => tables[key as keyof typeof tables],
  );
  const start = sql.indexOf(`VIEW IF NOT EXISTS ${viewName} `);
  const select = sql.indexOf('SELECT', start);
  expect(start).toBeGreaterThan(-1);
  return sql.slice(select, sql.indexOf(';', select));
}

const str = (stringValue: string) => ({ stringValue });
let spanCounter = 0;

/** A span at its own instant (argMin over tied times would pick either trace id). */
function span(
  name: string,
  attributes: Record<string, string>,
  earlierMs = 0,
  durationNs = 5_000_000n,
): object {
  spanCounter += 1;
  const start = BigInt(1764000000000 + 10 * spanCounter - earlierMs) * 1_000_000n;
  return {
    traceId: Buffer.from(spanCounter.toString(16).padStart(32, '0'), 'hex'),
    spanId: Buffer.from(spanCounter.toString(16).padStart(16, '0'), 'hex'),
    name,
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: (start + durationNs).toString(),
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value: str(value) })),
  };
}

async function store(resource: Record<string, string>, spans: object[]): Promise<void> {
  const request = {
    resourceSpans: [
      {
        resource: {
          attributes: Object.entries(resource).map(([key, value]) => ({ key, value: str(value) })),
        },
        scopeSpans: [{ scope: { name: 'test' }, spans }],
      },
    ],
  };
  const type = OtlpMessages.traceRequest;
  const written = writeTraceRows(type.encode(type.fromObject(request)).finish());
  await insertEncodedRows(clickhouse, {
    table: tables.traces,
    columns: TRACE_COLUMNS,
    format: 'Native',
    body: Buffer.from(written.body),
  });
}

async function rows(query: string): Promise<unknown[]> {
  return (await clickhouse.query({ query, format: 'JSONEachRow' })).json();
}

describe('span views after migration 0210', () => {
  it('fill the exposure and conversion tables exactly as the views of 0200 and 0202 did', async () => {
    const flag = { 'feature_flag.key': 'checkout', 'feature_flag.result.variant': 'on' };
    for (const resource of [
      { 'deployment.environment.name': 'prod' },
      { 'deployment.environment': 'old' },
      {},
    ]) {
      await store(resource, [
        span('tripwire.exposure', { ...flag, 'tripwire.unit.id': 'u1' }),
        span('tripwire.exposure', { ...flag, 'tripwire.unit.id': 'u1' }, 15), // first
        span('tripwire.exposure', {
          ...flag,
          'tripwire.unit.id': 'u2',
          'tripwire.environment': 'staging',
        }),
        span('tripwire.exposure', {
          ...flag,
          'feature_flag.context.id': 'u3',
          'feature_flag.set.id': 'set',
        }),
        span('tripwire.exposure', {
          'feature_flag.key': 'checkout',
          'feature_flag.variant': 'old-name',
          'tripwire.unit.id': 'u4',
        }),
        span('tripwire.exposure', { ...flag }), // no unit: left out
        span('tripwire.exposure', {
          'tripwire.unit.id': 'u5',
          'feature_flag.result.variant': 'on',
        }), // no flag
        span('GET /checkout', { ...flag, 'tripwire.unit.id': 'u6' }), // not an exposure span
        span('tripwire.conversion', {
          'tripwire.unit.id': 'u1',
          'tripwire.conversion.event': 'purchase',
          'tripwire.conversion.value': '42.5',
        }),
        span('tripwire.conversion', {
          'tripwire.unit.id': 'u2',
          'tripwire.conversion.event': 'signup',
        }),
        span('tripwire.conversion', {
          'tripwire.unit.id': 'u2',
          'tripwire.conversion.event': 'x',
          'tripwire.conversion.value': 'n/a',
        }),
        span('tripwire.conversion', { 'tripwire.conversion.event': 'purchase' }), // no unit
        span('tripwire.conversion', { 'tripwire.unit.id': 'u3' }), // no event
        span('purchase', { 'tripwire.unit.id': 'u3', 'tripwire.conversion.event': 'purchase' }),
      ]);
    }
    const exposures = (source: string) => `
      SELECT flag_key, environment, unit_id, variant, min(first_seen) AS first, max(last_seen) AS last,
             sum(exposures) AS n, argMinMerge(first_trace_id) AS trace
      FROM (${source}) GROUP BY flag_key, environment, unit_id, variant
      ORDER BY flag_key, environment, unit_id, variant`;
    const stored = await rows(exposures(`SELECT * FROM ${tables.exposures}`));
    const original = await rows(
      exposures(originalSelect('0200_exposures.sql', `${tables.exposures}_from_spans_mv`)),
    );
    expect(stored).toHaveLength(8); // u1 and u4 per resource environment, u2 and u3 named ones
    expect(stored).toEqual(original);

    const conversions = (source: string) =>
      `SELECT * FROM (${source}) ORDER BY unit_id, event, timestamp, trace_id`;
    const storedConversions = await rows(conversions(`SELECT * FROM ${tables.conversions}`));
    expect(storedConversions).toHaveLength(9);
    expect(storedConversions).toEqual(
      await rows(conversions(originalSelect('0202_conversions.sql', `${tables.conversions}_mv`))),
    );
  });
});

describe('the variant-requests view after migration 0266', () => {
  it('fills tripwire_variant_requests exactly as the view of 0201 did', async () => {
    const stamps = (unit: string, variant: string) => ({
      'tripwire.unit.id': unit,
      'tripwire.variant.checkout': variant,
    });
    for (const resource of [{ 'cloud.region': 'eu', 'service.version': '2' }, { region: 'us' }]) {
      await store(resource, [
        span('GET /a', stamps('u1', 'on'), 0, 0n), // duration 0: bucket of 1 ns
        span('GET /a', stamps('u1', 'on'), 0, 3_000_000n), // same minute and bucket as the next
        span('GET /a', stamps('u1', 'on'), 0, 3_000_001n),
        span('GET /a', stamps('u1', 'on'), 0, 90_000_000_000n),
        span('GET /b', { ...stamps('u2', 'off'), 'tripwire.variant.search': 'v2' }),
        span('GET /b', { ...stamps('u2', 'off'), 'tripwire.variant.empty': '' }),
        span('GET /c', { 'tripwire.variant.checkout': 'on' }), // no unit: left out
        span('tripwire.exposure', stamps('u3', 'on')), // not a request
        span('GET /d', stamps('u3', 'on'), 120_000, 2n ** 40n),
      ]);
    }
    const requests = (source: string) => `
      SELECT flag_key, variant, unit_id, service_name, span_name, span_kind, region,
        service_version, minute, sum(requests) AS n, sum(errors) AS e, sum(latency_sum_ms) AS l,
        sum(latency_sum_squares_ms) AS l2, sumMap(latency_histogram) AS h,
        max(error_trace_id) AS error_trace, max(slowest) AS slow
      FROM (${source})
      GROUP BY flag_key, variant, unit_id, service_name, span_name, span_kind, region,
        service_version, minute
      ORDER BY ALL`;
    const stored = await rows(requests(`SELECT * FROM ${tables.variantRequests}`));
    expect(stored).toHaveLength(8); // per resource: u1, u2 twice (two flags), u3
    expect(stored).toEqual(
      await rows(
        requests(originalSelect('0201_variant_requests.sql', `${tables.variantRequests}_mv`)),
      ),
    );
  });
});
