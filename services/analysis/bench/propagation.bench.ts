// Kill-switch propagation: 1,000 SSE clients on loopback (in a child process), time from the
// kill write (API call issued) to every client having applied it, once with real @tripwire/sdk
// clients and once with raw SSE readers. Run: npm run bench (or npx tsx bench/propagation.bench.ts).
// The first PROPAGATION_WARMUP kills of each mode are reported on their own (cold kill p99) and
// not in the distribution of the PROPAGATION_ROUNDS kills that follow: the 1,000 SDK clients
// share one process, so the first ~3 kills run the patch path unoptimized 1,000 times in a row
// (a real SDK process pays that once, for its one client). Every kill's p99 is printed too.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Flag } from '@tripwire/schema';
import { buildApp, loadConfig } from '../src/index.js';

const CLIENTS = Number(process.env.PROPAGATION_CLIENTS ?? 1000);
const ROUNDS = Number(process.env.PROPAGATION_ROUNDS ?? 10);
const WARMUP = Number(process.env.PROPAGATION_WARMUP ?? 3);
const ADMIN = 'twk_bench_admin_token_0123456789abcdef';
const wallClock = (): number => performance.timeOrigin + performance.now();

const flag: Flag = {
  key: 'bench.kill-switch',
  kind: 'operational',
  type: 'boolean',
  variants: [
    { key: 'off', value: false },
    { key: 'on', value: true },
  ],
  defaultVariant: 'off',
  salt: 'bench.kill-switch',
  metadata: { owner: 'bench', createdAt: new Date().toISOString() },
  environments: { production: { enabled: true, rules: [], fallthrough: { variant: 'on' } } },
  version: 0,
};

function percentile(sorted: number[], p: number): number {
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
}

async function api<T>(base: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface Server {
  base: string;
  /** Kill/restore writes so far. */
  writes: number;
  sdkKey: string;
  currentVersion: () => number;
  /** Wall-clock time the hub finished writing the latest change to every stream. */
  fannedOutAt: () => number;
}

/** One kill (or restore) through the API, timed until every client reported the new version. */
interface Round {
  write: number;
  fanout: number;
  /** Per client: API call issued → patch applied, ms, sorted. */
  latencies: number[];
}

/** The clients' child process: reports every version each client applied, with a wall time. */
async function startClients(mode: 'sdk' | 'raw', server: Server) {
  const child = fork(
    join(import.meta.dirname, 'propagation-clients.ts'),
    [server.base, server.sdkKey, String(CLIENTS), mode],
    { execArgv: ['--conditions=@tripwire/source', '--import', 'tsx'] },
  );
  const latest = new Map<number, { version: number; at: number }>();
  let onReport = (): void => undefined;
  child.on(
    'message',
    (message: { type: string; items?: { client: number; version: number; at: number }[] }) => {
      for (const item of message.items ?? []) latest.set(item.client, item);
      onReport();
    },
  );
  await new Promise<void>((resolve) =>
    child.on('message', (m: { type: string }) => m.type === 'ready' && resolve()),
  );
  const allApplied = (target: number): Promise<void> =>
    new Promise<void>((resolve) => {
      onReport = () => {
        let done = 0;
        for (const item of latest.values()) if (item.version >= target) done += 1;
        if (done === CLIENTS) resolve();
      };
      onReport();
    });
  return { child, latest, allApplied };
}

async function measure(mode: 'sdk' | 'raw', server: Server) {
  const { child, latest, allApplied } = await startClients(mode, server);
  const rounds: Round[] = [];
  for (let round = 0; round < WARMUP + ROUNDS; round += 1) {
    // Alternates across modes too: a kill of a killed flag writes no new version.
    const action = server.writes++ % 2 === 0 ? 'kill' : 'restore';
    const before = server.currentVersion();
    const start = wallClock();
    await api(server.base, `/api/v1/flags/${flag.key}/${action}`, {
      environment: 'production',
      reason: `bench ${round}`,
    });
    const write = wallClock() - start;
    const target = server.currentVersion();
    if (target <= before) throw new Error(`${action} wrote no new config version`);
    await allApplied(target);
    const latencies = [...latest.values()].map((item) => item.at - start).sort((a, b) => a - b);
    rounds.push({ write, fanout: server.fannedOutAt() - start, latencies });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  const cold = rounds.slice(0, WARMUP);
  const measured = rounds.slice(WARMUP);
  const latencies = measured.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const median = (values: number[]): number =>
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    );
  return {
    clients: mode === 'sdk' ? '@tripwire/sdk createClient (stream)' : 'raw SSE (node:http)',
    write: median(measured.map((r) => r.write)),
    fanout: median(measured.map((r) => r.fanout)),
    first: median(measured.map((r) => r.latencies[0] ?? Number.NaN)),
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
    worstRoundP99: Math.max(...measured.map((r) => percentile(r.latencies, 99))),
    coldP99: Math.max(...cold.map((r) => percentile(r.latencies, 99))),
    perKillP99: rounds.map((r) => percentile(r.latencies, 99).toFixed(0)).join(' '),
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tripwire-bench-'));
  const base = loadConfig(['--data-dir', dataDir, '--api-port', '0', '--otlp-port', '0'], {});
  const app = await buildApp(
    { ...base, controlPlane: { ...base.controlPlane, adminToken: ADMIN } },
    { logger: false },
  );
  try {
    await app.api.listen({ host: '127.0.0.1', port: 0 });
    const address = app.api.server.address() as { port: number };
    const url = `http://127.0.0.1:${address.port}`;
    await api(url, '/api/v1/flags', { flag });
    const { secret: sdkKey } = await api<{ secret: string }>(url, '/api/v1/tokens', {
      name: 'bench',
      kind: 'sdk',
      environments: ['production'],
    });
    // Registered after the delivery hub's listener, so it runs once every stream was written.
    let fannedOutAt = Number.NaN;
    app.context.flags.onChange(() => (fannedOutAt = wallClock()));
    const server: Server = {
      base: url,
      writes: 0,
      sdkKey,
      currentVersion: () => app.context.flags.version(),
      fannedOutAt: () => fannedOutAt,
    };
    const rows = [];
    for (const mode of ['sdk', 'raw'] as const) rows.push(await measure(mode, server));
    const ms = (value: number): string => `${value.toFixed(1)} ms`;
    console.log(
      `\nKill-switch propagation: API kill call issued → client applied the patch (target p99 ≤ 250 ms)` +
        `\n${CLIENTS} connections per mode; distribution over ${ROUNDS} alternating kill/restore writes` +
        ` after ${WARMUP} unmeasured warm-up write(s) (cold kill p99 = worst of those); load ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}\n`,
    );
    console.table(
      rows.map((row) => ({
        clients: row.clients,
        'write (API 200), median': ms(row.write),
        'server wrote all streams, median': ms(row.fanout),
        'first client, median': ms(row.first),
        p50: ms(row.p50),
        p90: ms(row.p90),
        p99: ms(row.p99),
        max: ms(row.max),
        'worst kill p99': ms(row.worstRoundP99),
        'cold kill p99': WARMUP > 0 ? ms(row.coldP99) : '-',
      })),
    );
    for (const row of rows)
      console.log(
        `p99 of each kill, ms (first ${WARMUP} = warm-up): ${row.clients}: ${row.perKillP99}`,
      );
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
