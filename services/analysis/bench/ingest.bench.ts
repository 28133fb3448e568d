/**
 * OTLP ingest benchmark (`npm run bench`): realistic spans (20 attributes, 3 events) over
 * loopback into `tripwire serve` (embedded ClickHouse) running as a child process, for protobuf
 * and JSON; then where the time goes (protobuf → Native block, JSON parse + map, parsing and
 * inserting Native vs text, each materialized view on otel_traces) measured in this process.
 * A last load run sends the protobuf requests to the receiver alone (`ingest-receiver.ts`) in
 * front of a stand-in for a ClickHouse server that drops every insert: what the service itself
 * costs per span when ClickHouse runs elsewhere (`CLICKHOUSE_URL`).
 * Prints tables; asserts nothing. Options (env): BENCH_SECONDS (default 10), BENCH_CONCURRENCY
 * (default 8), BENCH_SPANS_PER_REQUEST (default 1000), BENCH_WARMUP_SECONDS (default 3, not
 * counted: JIT, protobufjs code generation, first inserts), BENCH_LOADS (which load runs, comma
 * separated: `protobuf,gzip,json,alone`; default all), BENCH_STAGES=0 (skip the in-process
 * tables: each stage's cost, and one merge of each table).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer as createHttpServer, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tableNames, type TableNames } from '../src/config.js';
import { OtlpMessages } from '../src/ingest/otlp-descriptor.js';
import { encodeLines } from '../src/ingest/otlp-request.js';
import { mapTraceRequest, TRACE_COLUMNS } from '../src/ingest/trace-rows.js';
import { writeTraceRows } from '../src/ingest/trace-wire-rows.js';
import {
  insertEncodedRows,
  openClickHouse,
  type ClickHouseClient,
  type RowFormat,
} from '../src/storage/clickhouse.js';
import { runMigrations } from '../src/storage/migrations.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SPANS_PER_REQUEST = Number(process.env.BENCH_SPANS_PER_REQUEST ?? 1000);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const LOADS = new Set((process.env.BENCH_LOADS ?? 'protobuf,gzip,json,alone').split(','));
const STAGES = process.env.BENCH_STAGES !== '0';
const BIN = new URL('../bin/tripwire.js', import.meta.url).pathname;
/** The run against the receiver alone (ClickHouse replaced by a stand-in that drops inserts). */
const REMOTE_LABEL = 'protobuf, service alone';

const hex = (n: number, bytes: number) => n.toString(16).padStart(bytes * 2, '0');
const str = (value: string) => ({ stringValue: value });

/** One ExportTraceServiceRequest (JSON shape) of `count` realistic server spans. */
function makeRequest(seed: number, count: number): unknown {
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: count }, (_, i) => {
    const n = seed * count + i;
    const start = t0 + BigInt(i) * 1000n;
    const attributes = [
      { key: 'http.request.method', value: str('GET') },
      { key: 'http.route', value: str('/api/checkout/{id}') },
      { key: 'url.path', value: str(`/api/checkout/${n}`) },
      { key: 'http.response.status_code', value: { intValue: String(n % 7 === 0 ? 500 : 200) } },
      { key: 'server.address', value: str('shop.internal') },
      { key: 'server.port', value: { intValue: '8080' } },
      { key: 'network.protocol.version', value: str('1.1') },
      { key: 'user_agent.original', value: str('Mozilla/5.0 (X11; Linux x86_64) bench') },
      { key: 'client.address', value: str(`10.0.${n % 256}.${(n >> 8) % 256}`) },
      { key: 'feature_flag.key', value: str('new-checkout') },
      { key: 'feature_flag.result.variant', value: str(n % 2 === 0 ? 'on' : 'off') },
      { key: 'feature_flag.provider.name', value: str('tripwire') },
      { key: 'tripwire.variant.new-checkout', value: str(n % 2 === 0 ? 'on' : 'off') },
      { key: 'tripwire.unit.id', value: str(hex(n * 7919, 16)) },
      { key: 'app.cart.items', value: { intValue: String(n % 12) } },
      { key: 'app.cart.total', value: { doubleValue: (n % 1000) / 7 } },
      { key: 'app.cache.hit', value: { boolValue: n % 3 === 0 } },
      { key: 'app.region', value: str('eu-west-1') },
      { key: 'app.tenant', value: str(`tenant-${n % 50}`) },
      { key: 'thread.name', value: str('main') },
    ];
    const events = ['request.received', 'db.query', 'response.sent'].map((name, e) => ({
      timeUnixNano: String(start + BigInt(e) * 100_000n),
      name,
      attributes: [{ key: 'step', value: { intValue: String(e) } }],
    }));
    return {
      traceId: hex(n + 1, 16),
      spanId: hex(n + 1, 8),
      parentSpanId: hex(n + 7, 8),
      name: 'GET /api/checkout/{id}',
      kind: 2,
      startTimeUnixNano: String(start),
      endTimeUnixNano: String(start + BigInt(1_000_000 + (n % 5000) * 1000)),
      attributes,
      events,
      status: { code: n % 7 === 0 ? 2 : 0 },
    };
  });
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: str('shop') },
            { key: 'service.version', value: str('1.4.2') },
            { key: 'deployment.environment.name', value: str('bench') },
            { key: 'telemetry.sdk.language', value: str('nodejs') },
          ],
        },
        scopeSpans: [
          { scope: { name: '@opentelemetry/instrumentation-http', version: '0.200.0' }, spans },
        ],
      },
    ],
  };
}

/** Converts the JSON shape to protobufjs input (hex ids → bytes) and encodes it. */
function encodeProtobuf(message: unknown): Buffer {
  const json = JSON.stringify(message, (key, value: unknown) =>
    (key === 'traceId' || key === 'spanId' || key === 'parentSpanId') && typeof value === 'string'
      ? Buffer.from(value, 'hex').toString('base64')
      : value,
  );
  const type = OtlpMessages.traceRequest;
  return Buffer.from(type.encode(type.fromObject(JSON.parse(json) as object)).finish());
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Peak resident memory (VmHWM) of a process, in MiB (Linux). */
function peakMemoryMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

/** CPU seconds (user + system, all threads) a process has used so far (Linux, 100 Hz ticks). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds per thread group of a process (Linux): the event loop thread (`main`), libuv's
 * pool (`libuv-worker`, where chdb runs queries and inserts), and the engine's own threads.
 */
function threadCpuSeconds(pid: number): Map<string, number> {
  const groups = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const close = stat.lastIndexOf(')');
    const name =
      tid === String(pid) ? 'main (event loop)' : stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
    const group = name.replace(/[\d/]+$/, '').trim() || name;
    groups.set(group, (groups.get(group) ?? 0) + seconds);
  }
  return groups;
}

/** What each thread group of the server does during ingest (for the per-thread table). */
const THREAD_ROLES: Record<string, string> = {
  'main (event loop)': 'HTTP, protobuf → Native, batching',
  Unknown: 'chdb query threads: INSERT … FROM INFILE (parsing, views, parts)',
  node: 'libuv pool: staged-file writes, chdb raw insert (JSON), GC helpers',
  ThreadPool: 'engine pool: parallel text parsing (JSON) and its views, parts',
  MergeMutate: 'background merges of parts',
};

interface LoadResult {
  encoding: string;
  spansPerSecond: number;
  requests: number;
  failed: number;
  p50: number;
  p99: number;
  bodyKiB: number;
  /** Server CPU (all threads) per acknowledged span: independent of other load on the host. */
  serverCpuUsPerSpan: number;
  /** The same split by thread group (event loop, libuv pool, engine threads). */
  threadCpuUsPerSpan: Map<string, number>;
}

/** Keeps CONCURRENCY requests in flight for SECONDS; counts only acknowledged (200) spans. */
async function runLoad(
  pid: number,
  port: number,
  encoding: string,
  bodies: Buffer[],
  headers: Record<string, string>,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  let spans = 0;
  let failed = 0;
  let next = 0;
  const warmupEnd = performance.now() + WARMUP_SECONDS * 1000;
  const deadline = warmupEnd + SECONDS * 1000;
  const send = (body: Buffer) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/traces',
          method: 'POST',
          agent,
          headers: { ...headers, 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  let started = 0;
  let cpuAtStart = 0;
  let threadsAtStart = new Map<string, number>();
  const cpuTimer = setTimeout(() => {
    cpuAtStart = cpuSeconds(pid);
    threadsAtStart = threadCpuSeconds(pid);
  }, WARMUP_SECONDS * 1000);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const body = bodies[next++ % bodies.length]!;
        const t = performance.now();
        const status = await send(body);
        if (t < warmupEnd) continue;
        started ||= t;
        latencies.push(performance.now() - t);
        if (status === 200) spans += SPANS_PER_REQUEST;
        else {
          failed += 1;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  clearTimeout(cpuTimer);
  const serverCpu = cpuSeconds(pid) - cpuAtStart;
  const threadCpuUsPerSpan = new Map<string, number>();
  for (const [group, seconds] of threadCpuSeconds(pid)) {
    const used = seconds - (threadsAtStart.get(group) ?? 0);
    if (used > 0 && spans > 0) threadCpuUsPerSpan.set(group, (used * 1e6) / spans);
  }
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    encoding,
    spansPerSecond: spans / elapsed,
    requests: latencies.length,
    failed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    bodyKiB: bodies[0]!.length / 1024,
    serverCpuUsPerSpan: spans > 0 ? (serverCpu * 1e6) / spans : NaN,
    threadCpuUsPerSpan,
  };
}

interface BenchServer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** `tripwire serve` on embedded ClickHouse in `dataDir`, as `npm start` runs it. */
async function startServer(dataDir: string): Promise<BenchServer> {
  const port = await freePort();
  const args = [BIN, 'serve', '--data-dir', dataDir, '--otlp-port', String(port)];
  return spawnServer(port, [...args, '--api-port', String(await freePort())]);
}

/**
 * The OTLP receiver alone (`bench/ingest-receiver.ts`) with `CLICKHOUSE_URL` at a stand-in that
 * reads each insert body and answers 200: the service's own cost with ClickHouse elsewhere.
 */
async function startReceiverAlone(clickhouseUrl: string): Promise<BenchServer> {
  const port = await freePort();
  const script = new URL('./ingest-receiver.ts', import.meta.url).pathname;
  // BENCH_RECEIVER_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the receiver.
  const nodeArgs = (process.env.BENCH_RECEIVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawnServer(port, [
    ...nodeArgs,
    '--conditions=@tripwire/source',
    '--import',
    'tsx',
    script,
    clickhouseUrl,
    String(port),
  ]);
}

async function spawnServer(port: number, args: string[]): Promise<BenchServer> {
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      TRIPWIRE_LOG_LEVEL: 'warn',
      TRIPWIRE_ADMIN_TOKEN: 'twk_bench_token_0123456789abcdef',
      CLICKHOUSE_URL: '',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 600; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited during start-up`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A stand-in for a ClickHouse server's HTTP interface: reads every request body (an insert's
 * Native batch, or the receiver's `CREATE DATABASE IF NOT EXISTS`) and answers 200, counting
 * the insert bytes it received.
 */
async function startClickHouseStandIn(): Promise<{ url: string; bytes(): number; close(): void }> {
  let received = 0;
  const server = createHttpServer((req, res) => {
    req.on('data', (chunk: Buffer) => (received += chunk.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    bytes: () => received,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/**
 * Wall and CPU time (this process, all threads) of one run of `fn`: the fastest of `repeat`
 * runs after one warm-up (the least disturbed by other work on a shared host).
 */
async function time<T>(
  fn: () => T | Promise<T>,
  repeat: number,
): Promise<{ result: T; msPerRun: number; cpuMsPerRun: number }> {
  let result = await fn();
  let msPerRun = Infinity;
  let cpuMsPerRun = Infinity;
  for (let i = 0; i < repeat; i++) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    result = await fn();
    const used = process.cpuUsage(cpu);
    msPerRun = Math.min(msPerRun, performance.now() - t);
    cpuMsPerRun = Math.min(cpuMsPerRun, (used.user + used.system) / 1000);
  }
  return { result, msPerRun, cpuMsPerRun };
}

/** The materialized views reading otel_traces, dropped one at a time to price each. */
function viewsOnTraces(tables: TableNames): string[] {
  return [
    `${tables.conversions}_mv`,
    `${tables.exposures}_from_spans_mv`,
    `${tables.variantRequests}_mv`,
    tables.traceIdTsView,
  ];
}

/** A migrated embedded ClickHouse in a temporary directory, merges stopped; `close` removes it. */
async function openScratchClickHouse(): Promise<{
  clickhouse: ClickHouseClient;
  tables: TableNames;
  close: () => Promise<void>;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tripwire-bench-'));
  const clickhouse = await openClickHouse({
    user: 'default',
    password: '',
    database: 'default',
    dataDir,
  });
  const tables = tableNames();
  await runMigrations(clickhouse, tables);
  await clickhouse.command({ query: 'SYSTEM STOP MERGES' });
  return {
    clickhouse,
    tables,
    close: async () => {
      await clickhouse.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The Native block the service writes for one request of `count` bench spans. */
function nativeBlock(seed: number, count: number): Buffer {
  return Buffer.from(writeTraceRows(encodeProtobuf(makeRequest(seed, count))).body);
}

/** Decode, write/map and insert cost per span, in this process, for one request shape. */
async function measureStages(jsonBody: Buffer, protoBody: Buffer): Promise<void> {
  const n = SPANS_PER_REQUEST;
  const writeProto = await time(() => writeTraceRows(protoBody).rows, 20);
  const decodeJson = await time(() => JSON.parse(jsonBody.toString('utf8')) as unknown, 20);
  const mapJson = await time(() => mapTraceRequest(decodeJson.result), 20);
  // The path protobuf took before the wire writer, for comparison.
  const decodeProto = await time(() => OtlpMessages.traceRequest.decode(protoBody), 5);
  const mapProto = await time(() => mapTraceRequest(decodeProto.result), 5);

  // Inserts only: merges are priced by the load runs' thread table and `measureMerges`.
  const { clickhouse, tables, close } = await openScratchClickHouse();
  const copies = 20;
  // Distinct requests (unit ids differ), as the views see them under load.
  const native = Buffer.concat(
    Array.from({ length: copies }, (_, seed) => nativeBlock(100 + seed, n)),
  );
  const jsonLines = encodeLines(Array.from({ length: copies }, () => mapJson.result.rows).flat());
  const rows = n * copies;
  const insert = (table: string, format: RowFormat, body: Buffer) => () =>
    insertEncodedRows(clickhouse, { table, columns: TRACE_COLUMNS, format, body });
  await clickhouse.command({ query: `CREATE TABLE bench_null AS ${tables.traces} ENGINE = Null` });
  await clickhouse.command({ query: `CREATE TABLE bench_no_views AS ${tables.traces}` });
  await insert('bench_no_views', 'Native', native)();
  // The same rows as TabSeparated text (the format protobuf was inserted in before Native).
  const tsv = Buffer.from(
    await (
      await clickhouse.query({
        query: `SELECT ${TRACE_COLUMNS.map((c) => `\`${c}\``).join(', ')} FROM bench_no_views`,
        format: 'TabSeparated',
      })
    ).text(),
  );
  const stages = [
    ['protobuf → Native block (wire writer, the service path)', writeProto, n],
    ['decode JSON (JSON.parse)', decodeJson, n],
    ['map JSON message → JSONCompactEachRow rows', mapJson, n],
    ['old protobuf path: decode (protobufjs)', decodeProto, n],
    ['old protobuf path: map message → rows', mapProto, n],
    [
      'parse Native (insert into a Null-engine copy)',
      await time(insert('bench_null', 'Native', native), 5),
      rows,
    ],
    [
      'parse TSV, raw insert (Null-engine copy)',
      await time(insert('bench_null', 'TabSeparated', tsv), 5),
      rows,
    ],
    [
      'insert Native into a copy with no views',
      await time(insert('bench_no_views', 'Native', native), 5),
      rows,
    ],
    [
      'insert TSV into a copy with no views',
      await time(insert('bench_no_views', 'TabSeparated', tsv), 5),
      rows,
    ],
    [
      'insert JSONCompactEachRow (every view)',
      await time(insert(tables.traces, 'JSONCompactEachRow', jsonLines), 5),
      rows,
    ],
    ['insert TSV (every view)', await time(insert(tables.traces, 'TabSeparated', tsv), 5), rows],
  ] as [string, { msPerRun: number; cpuMsPerRun: number }, number][];
  const withViews = await time(insert(tables.traces, 'Native', native), 5);
  stages.push(['insert Native (every view, the service path)', withViews, rows]);
  let previous = withViews;
  for (const view of viewsOnTraces(tables)) {
    await clickhouse.command({ query: `DROP VIEW ${view}` });
    const without = await time(insert(tables.traces, 'Native', native), 5);
    const cost = {
      msPerRun: previous.msPerRun - without.msPerRun,
      cpuMsPerRun: previous.cpuMsPerRun - without.cpuMsPerRun,
    };
    stages.push([`  of which view ${view} (and what it feeds)`, cost, rows]);
    previous = without;
  }
  await close();

  console.log(
    `\nWhere the time goes (${n}-span requests, ${rows}-row inserts, merges stopped; fastest of 5–20 runs; CPU = this process, all threads incl. chdb; a view's row = the insert with it minus without it, ±3 µs/span on a busy host)`,
  );
  console.table(
    stages.map(([stage, measured, spans]) => ({
      stage,
      'wall µs/span': ((measured.msPerRun * 1000) / spans).toFixed(2),
      'CPU µs/span': ((measured.cpuMsPerRun * 1000) / spans).toFixed(2),
    })),
  );
}

/**
 * What merging costs per table: 10 inserts of 8,000 spans with merges stopped, then each table's
 * parts merged into one (`OPTIMIZE … FINAL`, one table at a time, until no merge runs). CPU =
 * this process, all threads. One merge level; under load rows are merged more than once.
 */
async function measureMerges(): Promise<void> {
  const { clickhouse, tables: names, close } = await openScratchClickHouse();
  const inserts = 10;
  const perInsert = 8000;
  for (let i = 0; i < inserts; i++) {
    await insertEncodedRows(clickhouse, {
      table: names.traces,
      columns: TRACE_COLUMNS,
      format: 'Native',
      body: nativeBlock(5000 + i, perInsert),
    });
  }
  const select = async (query: string) =>
    (await clickhouse.query({ query, format: 'JSONEachRow' })).json<Record<string, string>>();
  const tables = await select(
    `SELECT table, count() AS parts, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts
     WHERE active AND database = currentDatabase() GROUP BY table HAVING parts > 1 ORDER BY table`,
  );
  const spans = inserts * perInsert;
  const rows: object[] = [];
  for (const { table, parts, rows: tableRows, bytes } of tables) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    await clickhouse.command({ query: `SYSTEM START MERGES ${table}` });
    await clickhouse.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
    while (
      Number(
        (await select(`SELECT count() AS n FROM system.merges WHERE table = '${table}'`))[0]!.n,
      ) > 0
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const used = process.cpuUsage(cpu);
    rows.push({
      table,
      'parts → 1': Number(parts),
      rows: Number(tableRows),
      'KiB on disk': Math.round(Number(bytes) / 1024),
      'wall µs/span': (((performance.now() - start) * 1000) / spans).toFixed(2),
      'CPU µs/span': ((used.user + used.system) / spans).toFixed(2),
    });
  }
  await close();
  console.log(
    `\nOne merge of each table's parts (${inserts} inserts of ${perInsert} spans, merges stopped, then OPTIMIZE … FINAL per table; µs per inserted span)`,
  );
  console.table(rows);
}

async function main(): Promise<void> {
  const requests = Array.from({ length: 8 }, (_, seed) => makeRequest(seed, SPANS_PER_REQUEST));
  const json = requests.map((message) => Buffer.from(JSON.stringify(message)));
  const proto = requests.map(encodeProtobuf);
  console.log(
    `OTLP ingest: ${SPANS_PER_REQUEST} spans/request (20 attributes, 3 events), ${CONCURRENCY} in flight, ${SECONDS}s per run; server = tripwire serve (child process, embedded chdb)`,
  );
  const results: LoadResult[] = [];
  const memory: number[] = [];
  const loads = [
    ['protobuf', 'protobuf', proto, { 'content-type': 'application/x-protobuf' }],
    [
      'gzip',
      'protobuf+gzip',
      proto.map((b) => gzipSync(b)),
      { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
    ],
    ['json', 'JSON', json, { 'content-type': 'application/json' }],
  ] as const;
  for (const [load, encoding, bodies, headers] of loads) {
    if (!LOADS.has(load)) continue;
    const dataDir = mkdtempSync(join(tmpdir(), 'tripwire-bench-'));
    const server = await startServer(dataDir);
    results.push(await runLoad(server.pid, server.port, encoding, bodies, headers));
    memory.push(peakMemoryMiB(server.pid));
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (LOADS.has('alone')) {
    // The same protobuf load on the receiver alone, ClickHouse replaced by a stand-in.
    const standIn = await startClickHouseStandIn();
    const receiver = await startReceiverAlone(standIn.url);
    const headers = { 'content-type': 'application/x-protobuf' };
    results.push(await runLoad(receiver.pid, receiver.port, REMOTE_LABEL, proto, headers));
    memory.push(peakMemoryMiB(receiver.pid));
    await receiver.stop();
    standIn.close();
  }
  console.table(
    results.map((r, i) => ({
      encoding: r.encoding,
      'spans/s': Math.round(r.spansPerSecond),
      requests: r.requests,
      'refused (503)': r.failed,
      'p50 ms': r.p50.toFixed(1),
      'p99 ms': r.p99.toFixed(1),
      'body KiB': r.bodyKiB.toFixed(0),
      'server peak RSS MiB': memory[i]!.toFixed(0),
      'server CPU µs/span': r.serverCpuUsPerSpan.toFixed(1),
      'spans/s per server core': Math.round(1e6 / r.serverCpuUsPerSpan),
    })),
  );
  console.log('\nServer CPU µs/span by thread (threads that used ≥ 0.5 µs/span)');
  const groups = [...new Set(results.flatMap((r) => [...r.threadCpuUsPerSpan.keys()]))];
  console.table(
    groups
      .map((group) => ({
        thread: group,
        role: THREAD_ROLES[group] ?? '',
        ...Object.fromEntries(
          results.map((r) => [r.encoding, (r.threadCpuUsPerSpan.get(group) ?? 0).toFixed(1)]),
        ),
      }))
      .filter((row) => results.some((r) => (r.threadCpuUsPerSpan.get(row.thread) ?? 0) >= 0.5)),
  );
  if (STAGES) {
    await measureStages(json[0]!, proto[0]!);
    await measureMerges();
  }
}

await main();
