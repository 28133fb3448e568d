import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './e2e-stack.js';

// A kill written through the API reaching Python clients over the SSE stream: CLIENTS real
// tripwire (Python) clients in PROCESSES processes on loopback, each recording when it first
// evaluates the flag to its control. Every client must switch; p50/p99 are printed, not asserted.
const CLIENTS = Number(process.env.PYTHON_PROPAGATION_CLIENTS ?? 100);
const PROCESSES = Number(process.env.PYTHON_PROPAGATION_PROCESSES ?? 1);
const TIMEOUT_S = 60;
const FLAG_KEY = 'python-kill-switch';
const packageDir = fileURLToPath(new URL('../../packages/sdk-python/', import.meta.url));
const script = `${packageDir}tests/propagation_clients.py`;

interface ProcessReport {
  switched: number[];
  control_now: number;
  clients: number;
}

/** One Python process of `count` clients: resolves `ready` on its first line, `done` on its last. */
function startClients(input: { baseUrl: string; sdkKey: string; count: number }): {
  ready: Promise<{ ready: number; serving_treatment: number }>;
  done: Promise<ProcessReport>;
} {
  const child = spawn(
    `${packageDir}.venv/bin/python`,
    [script, input.baseUrl, input.sdkKey, FLAG_KEY, String(input.count), String(TIMEOUT_S)],
    { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async <T>(): Promise<T> => {
    const line = await lines.next();
    if (line.done === true) throw new Error(`python clients exited early:\n${stderr}`);
    return JSON.parse(line.value) as T;
  };
  const ready = next<{ ready: number; serving_treatment: number }>();
  return { ready, done: ready.then(() => next<ProcessReport>()) };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

describe('a kill reaching Python clients over the stream', { timeout: 240_000 }, () => {
  let stack: Stack;
  let sdkKey: string;

  beforeAll(async () => {
    const setup = spawnSync('bash', [`${packageDir}scripts/setup-venv.sh`], { encoding: 'utf8' });
    if (setup.status !== 0)
      throw new Error(`setup-venv.sh failed:\n${setup.stdout}${setup.stderr}`);
    stack = await startStack({ guardianIntervalSeconds: 3600, webhookUrl: 'http://127.0.0.1:9/' });
    await stack.request('POST', '/api/v1/flags', {
      flag: {
        key: FLAG_KEY,
        kind: 'operational',
        type: 'boolean',
        variants: [
          { key: 'off', value: false },
          { key: 'on', value: true },
        ],
        defaultVariant: 'off',
        metadata: { owner: 'e2e', createdAt: new Date().toISOString() },
        environments: {
          production: { enabled: true, rules: [], fallthrough: { variant: 'on' } },
        },
      },
    });
    const token = await stack.request<{ secret: string }>('POST', '/api/v1/tokens', {
      name: 'python-propagation',
      kind: 'sdk',
      environments: ['production'],
    });
    sdkKey = token.secret;
  });

  afterAll(async () => {
    await stack?.close();
  });

  it(`switches all ${CLIENTS} clients to control; prints p50/p99 from the API call`, async () => {
    const shares = Array.from({ length: PROCESSES }, (_, index) =>
      Math.floor((CLIENTS + index) / PROCESSES),
    );
    const processes = shares.map((count) => startClients({ baseUrl: stack.apiUrl, sdkKey, count }));
    for (const [index, started] of processes.entries()) {
      const ready = await started.ready;
      expect(ready).toEqual({ ready: shares[index], serving_treatment: shares[index] });
    }
    const killedAt = Date.now();
    await stack.request('POST', `/api/v1/flags/${FLAG_KEY}/kill`, {
      environment: 'production',
      reason: 'python propagation test',
    });
    const answered = Date.now() - killedAt;
    const reports = await Promise.all(processes.map((started) => started.done));
    const latencies = reports
      .flatMap((report) => report.switched.map((at) => at - killedAt))
      .sort((a, b) => a - b);
    console.log(
      `python propagation: ${CLIENTS} clients in ${PROCESSES} process(es), API answered in ${answered} ms; ` +
        `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ` +
        `max ${(latencies.at(-1) ?? NaN).toFixed(1)} ms`,
    );
    expect(latencies).toHaveLength(CLIENTS);
    expect(reports.reduce((sum, report) => sum + report.control_now, 0)).toBe(CLIENTS);
  });
});
