import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableNames } from '../../src/config.js';
import { createRowInserter, encodeLines } from '../../src/ingest/otlp-request.js';
import { mapTraceRequest } from '../../src/ingest/trace-rows.js';
import { summarizeFlagSpans } from '../../src/repositories/span-summary.js';
import { openClickHouse, type ClickHouseClient } from '../../src/storage/clickhouse.js';
import { runMigrations } from '../../src/storage/migrations.js';
import { openMigratedEmbedded, type EmbeddedClickHouse } from './embedded-clickhouse.js';

const T0 = 1_764_000_000; // 2025-11-24T16:00:00Z
const WINDOW = { from: new Date(T0 * 1000), to: new Date((T0 + 3600) * 1000) };
const tables = tableNames();

let spanCounter = 0;
function span(options: {
  ms: number;
  attributes: Record<string, string>;
  error?: boolean;
  kind?: number;
  name?: string;
  at?: number;
}) {
  spanCounter += 1;
  const start = BigInt(options.at ?? T0 + 60) * 1_000_000_000n;
  return {
    traceId: spanCounter.toString(16).padStart(32, '0'),
    spanId: spanCounter.toString(16).padStart(16, '0'),
    name: options.name ?? 'GET /checkout',
    kind: options.kind ?? 2,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + BigInt(Math.round(options.ms * 1e6))),
    attributes: Object.entries(options.attributes).map(([key, value]) => ({
      key,
      value: { stringValue: value },
    })),
    status: { code: options.error ? 2 : 0 },
  };
}

const semconv = (variant: string) => ({
  'feature_flag.key': 'checkout',
  'feature_flag.result.variant': variant,
});

/** The fixture: 100 control spans (1..100 ms, 9 + 1 old-spelling errors), 4 attributed treatment spans, noise. */
async function loadFixture(clickhouse: ClickHouseClient): Promise<void> {
  const spans = [
    ...Array.from({ length: 99 }, (_, i) =>
      span({ ms: i + 1, attributes: semconv('control'), error: i % 10 === 0 && i > 0 }),
    ),
    ...[10, 20, 30, 40].map((ms, i) =>
      span({ ms, attributes: { 'tripwire.variant.checkout': 'treatment' }, error: i === 0 }),
    ),
    span({
      ms: 7,
      attributes: { 'feature_flag.key': 'checkout', 'feature_flag.variant': 'legacy' },
    }),
    span({ ms: 1000, attributes: { 'tripwire.variant.checkout': 'treatment' }, kind: 3 }),
    // Not counted: the SDK's exposure span, another flag, outside the window.
    span({ ms: 0.01, attributes: semconv('control'), name: 'tripwire.exposure' }),
    span({
      ms: 5,
      attributes: { 'feature_flag.key': 'other', 'feature_flag.result.variant': 'x' },
    }),
    span({ ms: 5, attributes: semconv('control'), at: T0 - 60 }),
  ];
  const { rows } = mapTraceRequest({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
        scopeSpans: [{ spans }],
      },
    ],
  });
  await createRowInserter(clickhouse, tables)(tables.traces, {
    format: 'JSONCompactEachRow',
    rows: rows.length,
    body: encodeLines(rows),
  });
  // The 100th control span as an older exporter spelled kind and status (an error: 10 in all).
  await clickhouse.command({
    query: `INSERT INTO ${tables.traces} (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, SpanAttributes, Duration, StatusCode)
      VALUES (toDateTime64(${T0 + 120}, 9), 'ff000000000000000000000000000001', 'ff00000000000001', 'GET /checkout',
              'SPAN_KIND_SERVER', 'shop', map('feature_flag.key', 'checkout', 'feature_flag.result.variant', 'control'),
              100000000, 'STATUS_CODE_ERROR')`,
  });
}

function defineSummaryCases(client: () => ClickHouseClient): void {
  it('summarises each variant: count, error rate, mean and exact p50/p95/p99 in ms', async () => {
    const summary = await summarizeFlagSpans(client(), tables, { flagKey: 'checkout', ...WINDOW });
    expect(summary.map((row) => row.variant)).toEqual(['control', 'legacy', 'treatment']);
    const [control, legacy, treatment] = summary as [
      (typeof summary)[0],
      (typeof summary)[0],
      (typeof summary)[0],
    ];
    expect(control).toMatchObject({ spans: 100, errors: 10, errorRate: 0.1 });
    expect(control.latencyMs.mean).toBeCloseTo(50.5, 6);
    expect(control.latencyMs.p50).toBeCloseTo(50.5, 6);
    expect(control.latencyMs.p95).toBeCloseTo(95.05, 6);
    expect(control.latencyMs.p99).toBeCloseTo(99.01, 6);
    expect(legacy).toMatchObject({ spans: 1, errors: 0, errorRate: 0 });
    expect(legacy.latencyMs.p50).toBeCloseTo(7, 6);
    expect(treatment).toMatchObject({ spans: 5, errors: 1, errorRate: 0.2 });
    expect(treatment.latencyMs.mean).toBeCloseTo(220, 6);
  });

  it('restricts to one span kind, accepting both spellings', async () => {
    const summary = await summarizeFlagSpans(client(), tables, {
      flagKey: 'checkout',
      kind: 'server',
      ...WINDOW,
    });
    const treatment = summary.find((row) => row.variant === 'treatment');
    expect(treatment).toMatchObject({ spans: 4, errors: 1, errorRate: 0.25 });
    expect(treatment?.latencyMs.p95).toBeCloseTo(38.5, 6);
    expect(treatment?.latencyMs.p99).toBeCloseTo(39.7, 6);
    expect(summary.find((row) => row.variant === 'control')?.spans).toBe(100);
  });

  it('returns no variants for an unknown flag or another service', async () => {
    expect(await summarizeFlagSpans(client(), tables, { flagKey: 'nope', ...WINDOW })).toEqual([]);
    expect(
      await summarizeFlagSpans(client(), tables, {
        flagKey: 'checkout',
        service: 'cart',
        ...WINDOW,
      }),
    ).toEqual([]);
  });
}

describe('span summary repository on the embedded engine', () => {
  let embedded: EmbeddedClickHouse | undefined;
  let clickhouse: ClickHouseClient;
  beforeAll(async () => {
    embedded = await openMigratedEmbedded(tables);
    clickhouse = embedded.clickhouse;
    await loadFixture(clickhouse);
  });
  afterAll(async () => {
    await embedded?.close();
  });
  defineSummaryCases(() => clickhouse);
});

const serverUrl = process.env.CLICKHOUSE_URL;
describe.skipIf(!serverUrl)(
  `span summary repository on a ClickHouse server${serverUrl ? '' : ' (skipped: CLICKHOUSE_URL is not set)'}`,
  () => {
    let clickhouse: ClickHouseClient;
    const database = `tripwire_summary_${process.pid}_${Date.now()}`;
    beforeAll(async () => {
      clickhouse = await openClickHouse({
        url: serverUrl!,
        user: process.env.CLICKHOUSE_USER ?? 'default',
        password: process.env.CLICKHOUSE_PASSWORD ?? '',
        database,
        dataDir: '',
      });
      await runMigrations(clickhouse, tables);
      await loadFixture(clickhouse);
    });
    afterAll(async () => {
      await clickhouse?.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await clickhouse?.close();
    });
    defineSummaryCases(() => clickhouse);
  },
);
