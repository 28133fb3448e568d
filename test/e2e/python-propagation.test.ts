import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './e2e-stack.js';
import { setupPythonVenv, spawnPython } from './python-process.js';

// A kill written through the API reaching Python clients over the SSE stream: CLIENTS real
// tripwire (Python) clients in PROCESSES processes on loopback, each recording when it first
// evaluates the flag to its control. Every client must switch; p50/p99 are printed, not asserted.
const CLIENTS = Number(process.env.PYTHON_PROPAGATION_CLIENTS ?? 100);
const PROCESSES = Number(process.env.PYTHON_PROPAGATION_PROCESSES ?? 1);
const TIMEOUT_S = 60;
const FLAG_KEY = 'python-kill-switch';

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
  const clients = spawnPython({
    script: 'propagation_clients.py',
    args: [input.baseUrl, input.sdkKey, FLAG_KEY, String(input.count), String(TIMEOUT_S)],
  });
  const ready = clients.next<{ ready: number; serving_treatment: number }>();
  return { ready, done: ready.then(() => clients.next<ProcessReport>()) };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

describe('a kill reaching Python clients over the stream', { timeout: 240_000 }, () => {
  let stack: Stack;
  let sdkKey: string;

  beforeAll(async () => {
    setupPythonVenv();
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
