// Onset to kill: an instrumented service sends RATE requests/s through the real SDK and OTel SDK
// (child process onset-traffic.ts) to the analysis service (embedded ClickHouse, this process,
// default settings). After a warm-up, the treatment's error rate doubles (time T). Timeline per
// run: T → first post-T span committed (exporter + ingest), → first breached check (guardian
// decisions), → kill written (flag history), → every SDK client serves the control. Repeated
// runs, one new flag each (default guardrails), each started after a random pause in
// [0, guardian interval) so the onset falls at a random phase of the guardian's interval.
// Settings: BENCH_RUNS, BENCH_RATE, BENCH_WARMUP_S, BENCH_WATCHERS, BENCH_GUARDIAN_INTERVAL
// (seconds, default 10 = the service default), BENCH_EXPORT_DELAY_MS (the span processor's
// scheduledDelayMillis, default 1000).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { addressOf, buildApp, loadConfig } from '../src/index.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 10);
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 4);
const INTERVAL_S = Number(process.env.BENCH_GUARDIAN_INTERVAL ?? 10);
const EXPORT_DELAY_MS = Number(process.env.BENCH_EXPORT_DELAY_MS ?? 1000);
const TIMEOUT_S = 180;
const ADMIN = 'onset-bench-admin-token-0123456789';

interface RunResult {
  run: number;
  /** Seconds after T; null = did not happen within the timeout. */
  committedS: number | null;
  breachS: number | null;
  killS: number | null;
  allS: number | null;
  /** Units per arm in the breached check (treatment/control). */
  breachUnits: string;
  /** Guardian passes during the run (early re-checks/regular) and their mean duration. */
  passes: string;
  sent: number;
}

/** Reads the guardian's own metrics (tripwire.guardian.tick.duration) when asked. */
class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}
const reader = new PullReader();
// Before the service is built: the guardian takes its meter from the global provider.
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

/** Cumulative guardian passes by trigger: count and total seconds. */
async function readPasses(): Promise<Map<string, { count: number; sum: number }>> {
  const { resourceMetrics } = await reader.collect();
  const passes = new Map<string, { count: number; sum: number }>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== 'tripwire.guardian.tick.duration') continue;
      for (const point of (metric as HistogramMetricData).dataPoints) {
        const trigger = String(point.attributes.trigger);
        passes.set(trigger, { count: point.value.count, sum: point.value.sum ?? 0 });
      }
    }
  }
  return passes;
}

/** "early/regular, mean ms" of the passes between two readings. */
function describePasses(
  before: Map<string, { count: number; sum: number }>,
  after: Map<string, { count: number; sum: number }>,
): string {
  const delta = (trigger: string) => ({
    count: (after.get(trigger)?.count ?? 0) - (before.get(trigger)?.count ?? 0),
    sum: (after.get(trigger)?.sum ?? 0) - (before.get(trigger)?.sum ?? 0),
  });
  const early = delta('telemetry');
  const regular = delta('interval');
  const count = early.count + regular.count;
  const meanMs = count === 0 ? 0 : ((early.sum + regular.sum) / count) * 1000;
  return `${early.count}/${regular.count}, ${meanMs.toFixed(0)} ms`;
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
    [apiUrl, addressOf(app.otlp), secret, String(RATE), String(WATCHERS), String(EXPORT_DELAY_MS)],
    { execArgv: ['--conditions=@tripwire/source', '--import', 'tsx'] },
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
  // A random phase against the guardian's interval (its timer runs from the service's start).
  await sleep(Math.random() * INTERVAL_S * 1000);
  await input.api('POST', '/api/v1/flags', { flag: makeBenchFlag(flagKey) });
  const passesBefore = await readPasses();
  input.child.send({ type: 'start', flagKey });
  await nextMessage(input.child, 'started');
  await sleep(WARMUP_S * 1000);
  const committed = nextMessage(input.child, 'committed');
  input.child.send({ type: 'regress' });
  const { at: onset } = (await nextMessage(input.child, 'regressed')) as { at: number };
  const killed = (await Promise.race([
    nextMessage(input.child, 'killed'),
    sleep(TIMEOUT_S * 1000),
  ])) as { at: number[] } | undefined;
  const passesAfter = await readPasses();
  input.child.send({ type: 'stop' });
  const { sent } = (await nextMessage(input.child, 'stopped')) as { sent: number };
  const committedAt = (await Promise.race([committed, sleep(1)])) as { at: number } | undefined;
  const history = await input.api<{
    entries: { action: string; actor: string; createdAt: string }[];
  }>('GET', `/api/v1/flags/${flagKey}/history`);
  const kill = history.entries.find((e) => e.action === 'kill' && e.actor === 'guardian');
  const breach = await findBreach(input.api, flagKey);
  const since = (at: number | undefined) => (at === undefined ? null : (at - onset) / 1000);
  return {
    run,
    committedS: since(committedAt?.at),
    breachS: since(breach?.at),
    killS: since(kill === undefined ? undefined : Date.parse(kill.createdAt)),
    allS: since(killed === undefined ? undefined : Math.max(...killed.at)),
    breachUnits: breach?.units ?? '-',
    passes: describePasses(passesBefore, passesAfter),
    sent,
  };
}

/** The first breached check of the run's flag: when, and with how many units per arm. */
async function findBreach(
  api: <T>(method: string, path: string) => Promise<T>,
  flagKey: string,
): Promise<{ at: number; units: string } | undefined> {
  const { decisions } = await api<{
    decisions: {
      kind: string;
      state: string;
      checkedAt: string;
      nControl: number;
      nTreatment: number;
    }[];
  }>('GET', `/api/v1/flags/${flagKey}/guardrail-decisions?limit=10000`);
  const breach = decisions.filter((d) => d.kind === 'check' && d.state === 'breached').at(-1);
  return breach === undefined
    ? undefined
    : { at: Date.parse(breach.checkedAt), units: `${breach.nTreatment}/${breach.nControl}` };
}

function makeBenchFlag(key: string): Record<string, unknown> {
  return {
    key,
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
  };
}

function sleep(ms: number): Promise<undefined> {
  return new Promise((done) => setTimeout(() => done(undefined), ms));
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
  const fmt = (value: number | null, digits: number, width: number) =>
    (value === null ? '-' : value.toFixed(digits)).padStart(width);
  const gapMs = (from: number | null, to: number | null, width: number) =>
    fmt(from === null || to === null ? null : (to - from) * 1000, 0, width);
  console.log(
    `\nonset to kill: ${RATE} req/s, error rate 5% → 10% on treatment at T (after ${WARMUP_S} s), guardian every ${INTERVAL_S} s, span export every ${EXPORT_DELAY_MS} ms, ${WATCHERS + 1} SDK clients\n`,
  );
  console.log(
    'run  T→committed (s)  T→breach (s)  breach→kill (ms)  kill→all SDKs (ms)  T→all SDKs (s)  units at breach (T/C)  passes early/regular, mean  requests',
  );
  for (const r of results) {
    console.log(
      `${String(r.run).padStart(3)}  ${fmt(r.committedS, 2, 15)}  ${fmt(r.breachS, 1, 12)}  ${gapMs(r.breachS, r.killS, 16)}  ${gapMs(r.killS, r.allS, 18)}  ${fmt(r.allS, 1, 14)}  ${r.breachUnits.padStart(21)}  ${r.passes.padStart(27)}  ${String(r.sent).padStart(8)}`,
    );
  }
  const totals = results
    .map((r) => r.allS)
    .filter((v): v is number => v !== null)
    .sort((a, b) => a - b);
  const median =
    totals.length === 0
      ? undefined
      : (totals[Math.floor((totals.length - 1) / 2)]! +
          totals[Math.ceil((totals.length - 1) / 2)]!) /
        2;
  console.log(
    `\nT→all SDKs: median ${median?.toFixed(1) ?? '-'} s, min ${totals[0]?.toFixed(1) ?? '-'} s, max ${totals.at(-1)?.toFixed(1) ?? '-'} s over ${totals.length} runs; ${results.length - totals.length} of ${results.length} timed out (${TIMEOUT_S} s); target ≤ 20 s median`,
  );
}

await main();
// chdb's worker threads keep the loop alive after close; the table is printed, so leave.
process.exit(0);
