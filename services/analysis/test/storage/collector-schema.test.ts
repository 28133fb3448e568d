import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/storage/migrations.js';
import type { TableNames } from '../../src/index.js';
import { startIngestHarness, type IngestHarness } from '../ingest/ingest-harness.js';

interface Column {
  name: string;
  type: string;
  default_type: string;
  codec: string;
}
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/collector-columns.json', import.meta.url), 'utf8'),
) as { tables: Record<string, Column[]> };

let harness: IngestHarness;
beforeAll(async () => {
  harness = await startIngestHarness();
});
afterAll(async () => {
  await harness?.close();
});

async function describeTable(name: string): Promise<Column[]> {
  const rows = await harness.select<Column & { codec_expression: string }>(
    `DESCRIBE TABLE ${name}`,
  );
  return rows.map((row) => ({
    name: row.name,
    type: row.type,
    default_type: row.default_type,
    codec: row.codec_expression,
  }));
}

describe('collector-compatible tables', () => {
  it.each(Object.keys(fixture.tables))(
    '%s has exactly the exporter column names, types, kinds and codecs',
    async (key) => {
      const name = harness.config.tables[key as keyof TableNames];
      expect(await describeTable(name)).toEqual(fixture.tables[key]);
    },
  );

  it('uses the exporter sort keys, partitions and engines', async () => {
    const tables = harness.config.tables;
    const rows = await harness.select<{
      name: string;
      engine: string;
      sorting_key: string;
      primary_key: string;
      partition_key: string;
    }>(
      `SELECT name, engine, sorting_key, primary_key, partition_key FROM system.tables
       WHERE database = currentDatabase() AND name IN ('${tables.traces}', '${tables.logs}', '${tables.metricsSum}', '${tables.traceIdTs}')
       ORDER BY name`,
    );
    expect(rows).toEqual([
      {
        name: tables.logs,
        engine: 'MergeTree',
        sorting_key: 'toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp',
        primary_key: 'toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp',
        partition_key: 'toDate(Timestamp)',
      },
      {
        name: tables.metricsSum,
        engine: 'MergeTree',
        sorting_key:
          'ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix',
        primary_key:
          'ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix',
        partition_key: 'toDate(TimeUnix)',
      },
      {
        name: tables.traces,
        engine: 'MergeTree',
        sorting_key: 'ServiceName, SpanName, toDateTime(Timestamp), Timestamp',
        primary_key: 'ServiceName, SpanName, toDateTime(Timestamp)',
        partition_key: 'toDate(Timestamp)',
      },
      {
        name: tables.traceIdTs,
        engine: 'AggregatingMergeTree',
        // The exporter writes `ORDER BY (TraceId)`; ClickHouse keeps the parentheses.
        sorting_key: '(TraceId)',
        primary_key: '(TraceId)',
        partition_key: 'toStartOfWeek(Start)',
      },
    ]);
  });

  it('has the exporter skip indexes on otel_traces', async () => {
    const rows = await harness.select<{ name: string; type_full: string }>(
      `SELECT name, type_full FROM system.data_skipping_indices
       WHERE database = currentDatabase() AND table = '${harness.config.tables.traces}' ORDER BY name`,
    );
    expect(rows).toEqual([
      { name: 'idx_duration', type_full: 'minmax' },
      { name: 'idx_lower_span_name', type_full: 'tokenbf_v1(32768, 3, 0)' },
      { name: 'idx_res_attr_key', type_full: 'bloom_filter(0.01)' },
      { name: 'idx_res_attr_value', type_full: 'bloom_filter(0.01)' },
      { name: 'idx_span_attr_key', type_full: 'bloom_filter(0.01)' },
      { name: 'idx_span_attr_value', type_full: 'bloom_filter(0.01)' },
      { name: 'idx_trace_id', type_full: 'bloom_filter(0.001)' },
    ]);
  });

  it('re-running the migrations applies nothing and keeps the data', async () => {
    const { clickhouse } = harness.app.context;
    const tables = harness.config.tables;
    await clickhouse.command({
      query: `INSERT INTO ${tables.traces} (TraceId, SpanId, Timestamp) VALUES ('00000000000000000000000000000001', '0000000000000001', now64(9))`,
    });
    expect(await runMigrations(clickhouse, tables)).toEqual([]);
    const rows = await harness.select<{ n: string | number }>(
      `SELECT count() AS n FROM ${tables.traces}`,
    );
    expect(Number(rows[0]!.n)).toBe(1);
  });
});
