/**
 * Results benchmark (`npm run bench`): one experiment's results (every query of the results
 * endpoint plus the statistics) over EXPOSURES units and SPANS request spans generated inside
 * embedded ClickHouse with INSERT … SELECT FROM numbers() into otel_traces, so the
 * materialized views fill the per-variant tables exactly as in production. Prints the
 * generation time and cold/warm results times; asserts nothing.
 * Options (env): BENCH_EXPOSURES (default 100,000), BENCH_SPANS (default 1,000,000),
 * BENCH_RUNS (warm runs, default 3), BENCH_CHUNK (spans per INSERT, default 5,000,000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeResults } from '../src/analysis/compute-results.js';
import { fetchResultsData } from '../src/analysis/fetch-results-data.js';
import { fetchArmStatistics } from '../src/analysis/fetch-arm-statistics.js';
import { loadConfig } from '../src/config.js';
import { openClickHouse } from '../src/storage/clickhouse.js';
import { runMigrations } from '../src/storage/migrations.js';

const EXPOSURES = Number(process.env.BENCH_EXPOSURES ?? 100_000);
const SPANS = Number(process.env.BENCH_SPANS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 5_000_000);
const FLAG = 'bench-checkout';
const WINDOW = 7 * 86_400;

/** Exposure spans: unit u gets variant u % 2, first exposed within one day. */
const EXPOSURE_SQL = `INSERT INTO {traces} (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, SpanAttributes, Duration, StatusCode)
SELECT
  toDateTime64('2026-11-20 00:00:00', 9, 'UTC') + toIntervalMillisecond(intHash32(number) % 86400000),
  lower(hex(cityHash64(number, 1))), lower(hex(number)), 'tripwire.exposure', 'Internal', 'api',
  map('feature_flag.key', {flag:String},
      'feature_flag.result.variant', if(number % 2 = 0, 'control', 'treatment'),
      'tripwire.unit.id', lower(hex(cityHash64(number)))),
  1000, 'Unset'
FROM numbers({start:UInt64}, {count:UInt64})`;

/**
 * Request spans: span n belongs to unit n % EXPOSURES, services api/payments/search, ~1% errors
 * (2% for treatment in payments), log-normal-ish latency; a unit's spans fall in a few minutes.
 */
const SPAN_SQL = `INSERT INTO {traces} (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode)
SELECT
  toDateTime64('2026-11-20 00:00:00', 9, 'UTC') + toIntervalMillisecond(intHash32(unit) % 86400000 + (number % 7) * 20000),
  lower(hex(cityHash64(number, 2))), lower(hex(number)),
  concat('GET /', service), if(number % 5 = 0, 'SPAN_KIND_SERVER', 'Server'), service,
  map('cloud.region', if(unit % 3 = 0, 'eu', 'us'), 'service.version', '1.4.2'),
  map(concat('tripwire.variant.', {flag:String}), variant, 'tripwire.unit.id', lower(hex(cityHash64(unit)))),
  toUInt64(1e6 * (5 + 20 * exp(randNormal(0, 0.5)))),
  if(randCanonical() < if(variant = 'treatment' AND service = 'payments', 0.02, 0.01), 'Error', 'Unset')
FROM (
  SELECT number, number % {units:UInt64} AS unit, if(unit % 2 = 0, 'control', 'treatment') AS variant,
    ['api', 'payments', 'search'][number % 3 + 1] AS service
  FROM numbers({start:UInt64}, {count:UInt64})
)`;

async function time<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await work();
  return [value, performance.now() - start];
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tripwire-bench-'));
  const config = loadConfig(['--data-dir', dataDir], {});
  const clickhouse = await openClickHouse(config.clickhouse);
  const context = { clickhouse, tables: config.tables };
  try {
    await runMigrations(clickhouse, config.tables);
    const generate = async (sql: string, total: number, extra: Record<string, number>) => {
      for (let start = 0; start < total; start += CHUNK) {
        await clickhouse.command({
          query: sql.replace('{traces}', config.tables.traces),
          query_params: { flag: FLAG, start, count: Math.min(CHUNK, total - start), ...extra },
        });
      }
    };
    const [, exposureMs] = await time(() => generate(EXPOSURE_SQL, EXPOSURES, {}));
    const [, spanMs] = await time(() => generate(SPAN_SQL, SPANS, { units: EXPOSURES }));
    await clickhouse.command({ query: `OPTIMIZE TABLE ${config.tables.exposures} FINAL` });
    await clickhouse.command({ query: `OPTIMIZE TABLE ${config.tables.variantRequests} FINAL` });
    const sizes = await clickhouse.query({
      query: `SELECT table, sum(rows) AS rows FROM system.parts WHERE active AND table IN ({tables:Array(String)}) GROUP BY table ORDER BY table`,
      query_params: {
        tables: [config.tables.traces, config.tables.exposures, config.tables.variantRequests],
      },
      format: 'JSONEachRow',
    });
    const rows = await sizes.json<{ table: string; rows: string }>();

    const flag = {
      key: FLAG,
      defaultVariant: 'control',
      variants: [
        { key: 'control', value: 'control' },
        { key: 'treatment', value: 'treatment' },
      ],
      environments: {},
    };
    const runResults = async () => {
      const data = await fetchResultsData(context, {
        flagKey: FLAG,
        conversionWindowSeconds: WINDOW,
      });
      return computeResults({
        flag,
        alpha: 0.05,
        conversionWindowSeconds: WINDOW,
        now: new Date(),
        data,
      });
    };
    const [first, coldMs] = await time(runResults);
    const warm: number[] = [];
    for (let run = 0; run < RUNS; run += 1) warm.push((await time(runResults))[1]);
    const guardrail: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const [, ms] = await time(() =>
        fetchArmStatistics(context, { flagKey: FLAG, guardrail: { metric: 'error_rate' } }),
      );
      guardrail.push(ms);
    }
    warm.sort((a, b) => a - b);
    guardrail.sort((a, b) => a - b);
    const median = (values: number[]) => values[Math.floor(values.length / 2)] ?? NaN;
    console.log(
      `\nResults benchmark: ${EXPOSURES.toLocaleString()} exposures, ${SPANS.toLocaleString()} request spans`,
    );
    console.table([
      {
        step: 'generate exposures (INSERT … SELECT, through the views)',
        ms: Math.round(exposureMs),
      },
      {
        step: 'generate request spans (INSERT … SELECT, through the views)',
        ms: Math.round(spanMs),
      },
      ...rows.map((row) => ({ step: `rows in ${row.table}`, ms: Number(row.rows) })),
      { step: 'results, cold', ms: Math.round(coldMs) },
      { step: `results, warm median of ${RUNS}`, ms: Math.round(median(warm)) },
      { step: `results, warm best of ${RUNS}`, ms: Math.round(warm[0] ?? NaN) },
      { step: `fetchArmStatistics(error_rate), warm median`, ms: Math.round(median(guardrail)) },
    ]);
    console.log(
      `units: ${JSON.stringify(first.units)}, error rate treatment vs control p = ${first.variants[1]?.metrics[0]?.comparison?.absolute.pValue}`,
    );
  } finally {
    await clickhouse.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
