// SDK-side propagation cost without the service: a plain node:http SSE server (this process)
// writes one kill patch to 1,000 real @tripwire/sdk clients (a child process) and the child
// reports when all applied it and how much CPU it used. Isolates the client read/apply path that
// propagation.bench.ts measures together with the service. Run: npx tsx bench/propagation-sdk.bench.ts
import { fork } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import type { Flag } from '@tripwire/schema';
import type { ConfigChange } from '@tripwire/sdk';
import { createClient } from '@tripwire/sdk';

const CLIENTS = Number(process.env.PROPAGATION_CLIENTS ?? 1000);
const ROUNDS = Number(process.env.PROPAGATION_ROUNDS ?? 20);
const WARMUP = Number(process.env.PROPAGATION_WARMUP ?? 3);
const wallClock = (): number => performance.timeOrigin + performance.now();

function makeFlag(version: number, on: boolean): Flag {
  return {
    key: 'bench.kill-switch',
    kind: 'operational',
    type: 'boolean',
    variants: [
      { key: 'off', value: false },
      { key: 'on', value: true },
    ],
    defaultVariant: 'off',
    salt: 'bench.kill-switch',
    metadata: { owner: 'bench', createdAt: '2026-01-01T00:00:00Z' },
    environments: {
      production: { enabled: true, rules: [], fallthrough: { variant: on ? 'on' : 'off' } },
    },
    version,
  };
}

interface RoundReport {
  first: number;
  last: number;
  cpuMicros: number;
}

/** Child: the clients. Told which version to expect, answers once every client applied it. */
function runClients(baseUrl: string): void {
  let target = 0;
  let applied = 0;
  let first = 0;
  let cpu = process.cpuUsage();
  let ready = 0;
  process.on('message', (message: { version: number }) => {
    target = message.version;
    applied = 0;
    cpu = process.cpuUsage();
  });
  const onChange = ({ version }: ConfigChange): void => {
    if (version !== target) return;
    const at = wallClock();
    if (applied === 0) first = at;
    applied += 1;
    if (applied < CLIENTS) return;
    const used = process.cpuUsage(cpu);
    process.send?.({ first, last: at, cpuMicros: used.user + used.system } satisfies RoundReport);
  };
  for (let index = 0; index < CLIENTS; index += 1) {
    const client = createClient({
      environment: 'production',
      source: { type: 'stream', baseUrl },
      hashKey: 'propagation-bench-hash-key',
      logger: null,
    });
    client.on('change', onChange);
    void client.ready({ timeoutMs: 60_000 }).then(() => {
      ready += 1;
      if (ready === CLIENTS) process.send?.('ready');
    });
  }
}

/** Parent: the SSE server and the rounds. */
async function runServer(): Promise<void> {
  const streams = new Set<ServerResponse>();
  let version = 1;
  const snapshot = JSON.stringify({
    schemaVersion: 1,
    environment: 'production',
    version,
    generatedAt: new Date().toISOString(),
    flags: [makeFlag(1, true)],
    segments: [],
  });
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.socket?.setNoDelay(true);
    response.write(`retry: 1000\n\nevent: put\nid: ${version}\ndata: ${snapshot}\n\n`);
    streams.add(response);
    response.on('close', () => streams.delete(response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const child = fork(import.meta.filename, ['clients', baseUrl], {
    execArgv: ['--conditions=@tripwire/source', '--import', 'tsx'],
  });
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  const rounds: { total: number; cpuPerPatch: number }[] = [];
  for (let round = 0; round < WARMUP + ROUNDS; round += 1) {
    version += 1;
    child.send({ version });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const patch = {
      version,
      flags: [makeFlag(version, round % 2 === 1)],
      segments: [],
      removedFlags: [],
    };
    const frame = `event: patch\nid: ${version}\ndata: ${JSON.stringify(patch)}\n\n`;
    const start = wallClock();
    for (const stream of streams) stream.write(frame);
    const report = await new Promise<RoundReport>((resolve) => child.once('message', resolve));
    rounds.push({ total: report.last - start, cpuPerPatch: report.cpuMicros / CLIENTS });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  server.closeAllConnections();
  server.close();
  printRounds(rounds.slice(WARMUP), rounds.slice(0, WARMUP));
}

function printRounds(
  measured: { total: number; cpuPerPatch: number }[],
  cold: { total: number }[],
): void {
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const totals = sorted(measured.map((r) => r.total));
  const cpu = sorted(measured.map((r) => r.cpuPerPatch));
  const at = (values: number[], q: number) =>
    values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? Number.NaN;
  console.log(
    `\nSDK clients only: patch written to ${CLIENTS} streams → all applied; ${ROUNDS} kills after ${WARMUP} warm-up; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  const fixed = (value: number | undefined) => (value ?? Number.NaN).toFixed(1);
  console.table({
    'all applied (ms)': { median: fixed(at(totals, 0.5)), max: fixed(totals.at(-1)) },
    'client CPU per patch per client (µs)': { median: fixed(at(cpu, 0.5)), max: fixed(cpu.at(-1)) },
  });
  console.log(`warm-up kills, all applied (ms): ${cold.map((r) => r.total.toFixed(0)).join(' ')}`);
}

if (process.argv[2] === 'clients') runClients(process.argv[3]!);
else await runServer();
