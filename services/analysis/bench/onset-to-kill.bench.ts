// Onset to kill: an instrumented service sends RATE requests/s through the real SDK and OTel SDK
// (child process onset-traffic.ts) to the analysis service (embedded ClickHouse, this process).
// After a warm-up, the treatment's error rate doubles (time T). Measured: T → guardian kill
// (flag history) and T → every SDK client serves the control. Repeated runs, one new flag each
// (default guardrails). Settings: BENCH_RUNS, BENCH_RATE, BENCH_WARMUP_S, BENCH_WATCHERS,
// BENCH_GUARDIAN_INTERVAL (seconds, default 10 = the service default).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressOf, buildApp, loadConfig } from '../src/index.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 10);
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 4);
const INTERVAL_S = Number(process.env.BENCH_GUARDIAN_INTERVAL ?? 10);
const TIMEOUT_S = 180;
const ADMIN = 'onset-bench-admin-token-0123456789';

interface RunResult {
  run: number;
  detectS: number | null;
  propagateMs: number | null;
  totalS: number | null;
  sent: number;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tripwire-onset-'));
  const config = loadConfig(
    [
      '--data-dir',
      dataDir,
      '--api-port',
      '0',
      '--otlp-port',
      '0',
      '--admin-token',
      ADMIN,
      '--guardian-interval',
      String(INTERVAL_S),
      '--flush-interval-ms',
      '1000',
    ],
    {},
  );
  const app = await buildApp(config, { logger: false });
  await app.otlp.listen({ host: '127.0.0.1', port: 0 });
  await app.api.listen({ host: '127.0.0.1', port: 0 });
  const apiUrl = addressOf(app.api);
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const { secret } = await api<{ secret: string }>('POST', '/api/v1/tokens', {
    name: 'onset',
    kind: 'sdk',
    environments: ['production'],
  });
  const child = fork(
    join(import.meta.dirname, 'onset-traffic.ts'),
    [apiUrl, addressOf(app.otlp), secret, String(RATE), String(WATCHERS)],
    { execArgv: ['--import', 'tsx'] },
  );
  await nextMessage(child, 'ready');
  const results: RunResult[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) results.push(await measureRun(run, { api, child }));
  } finally {
    // The child flushes its spans and closes its SDK clients before the service goes away.
    const exited = new Promise((done) => child.once('exit', done));
    child.send({ type: 'exit' });
    await Promise.race([exited, new Promise((done) => setTimeout(done, 15_000))]);
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  printTable(results);
}

async function measureRun(
  run: number,
  input: {
    api: <T>(method: string, path: string, body?: unknown) => Promise<T>;
    child: ChildProcess;
  },
): Promise<RunResult> {
  const flagKey = `onset-${run}`;
  await input.api('POST', '/api/v1/flags', {
    flag: {
      key: flagKey,
      kind: 'release',
      type: 'boolean',
      variants: [
        { key: 'off', value: false },
        { key: 'on', value: true },
      ],
      defaultVariant: 'off',
      metadata: { owner: 'bench' },
      environments: {
        production: {
          enabled: true,
          rules: [],
          fallthrough: {
            rollout: {
              coverage: 10_000,
              weights: [
                { variant: 'off', weight: 1 },
                { variant: 'on', weight: 1 },
              ],
            },
          },
        },
      },
    },
  });
  input.child.send({ type: 'start', flagKey });
  await nextMessage(input.child, 'started');
  await new Promise((done) => setTimeout(done, WARMUP_S * 1000));
  input.child.send({ type: 'regress' });
  const { at: onset } = (await nextMessage(input.child, 'regressed')) as { at: number };
  const killed = (await Promise.race([
    nextMessage(input.child, 'killed'),
    new Promise((done) => setTimeout(() => done(undefined), TIMEOUT_S * 1000)),
  ])) as { at: number[] } | undefined;
  input.child.send({ type: 'stop' });
  const { sent } = (await nextMessage(input.child, 'stopped')) as { sent: number };
  const history = await input.api<{
    entries: { action: string; actor: string; createdAt: string }[];
  }>('GET', `/api/v1/flags/${flagKey}/history`);
  const kill = history.entries.find((e) => e.action === 'kill' && e.actor === 'guardian');
  const killAt = kill === undefined ? undefined : Date.parse(kill.createdAt);
  const allServed = killed === undefined ? undefined : Math.max(...killed.at);
  return {
    run,
    detectS: killAt === undefined ? null : (killAt - onset) / 1000,
    propagateMs: killAt === undefined || allServed === undefined ? null : allServed - killAt,
    totalS: allServed === undefined ? null : (allServed - onset) / 1000,
    sent,
  };
}

function nextMessage(child: ChildProcess, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const listener = (message: Record<string, unknown>): void => {
      if (message.type !== type) return;
      child.off('message', listener);
      resolve(message);
    };
    child.on('message', listener);
  });
}

function printTable(results: RunResult[]): void {
  const fmt = (value: number | null, digits: number) =>
    value === null ? 'timeout' : value.toFixed(digits);
  console.log(
    `\nonset to kill: ${RATE} req/s, error rate 5% → 10% on treatment at T (after ${WARMUP_S} s), guardian every ${INTERVAL_S} s, ${WATCHERS + 1} SDK clients\n`,
  );
  console.log('run  T→kill (s)  kill→all SDKs (ms)  T→all SDKs serve control (s)  requests');
  for (const r of results) {
    console.log(
      `${String(r.run).padStart(3)}  ${fmt(r.detectS, 1).padStart(10)}  ${fmt(r.propagateMs, 0).padStart(18)}  ${fmt(r.totalS, 1).padStart(28)}  ${String(r.sent).padStart(8)}`,
    );
  }
  const totals = results
    .map((r) => r.totalS)
    .filter((v): v is number => v !== null)
    .sort((a, b) => a - b);
  const pick = (p: number) => totals[Math.min(totals.length - 1, Math.ceil(p * totals.length) - 1)];
  console.log(
    `\nT→all SDKs: median ${pick(0.5)?.toFixed(1) ?? '-'} s, min ${totals[0]?.toFixed(1) ?? '-'} s, max ${totals.at(-1)?.toFixed(1) ?? '-'} s, p90 ${pick(0.9)?.toFixed(1) ?? '-'} s; ${results.length - totals.length} of ${results.length} timed out (${TIMEOUT_S} s); target ≤ 20 s median`,
  );
}

await main();
// chdb's worker threads keep the loop alive after close; the table is printed, so leave.
process.exit(0);
