import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressOf, buildApp, loadConfig, type TripwireApp } from '@tripwire/analysis';
import type { Flag, Guardrail } from '@tripwire/schema';

export const ADMIN_TOKEN = 'tripwire-e2e-admin-token-0123456789';

/** The analysis service on ephemeral ports with embedded ClickHouse in a fresh directory. */
export interface Stack {
  app: TripwireApp;
  apiUrl: string;
  otlpUrl: string;
  /** Authenticated JSON request to the API; throws on a non-2xx answer. */
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function startStack(input: {
  guardianIntervalSeconds: number;
  webhookUrl: string;
  /** t* of the guardian's confidence sequences: around the units a run reaches. */
  targetUnits?: number;
  /** Ingest flush interval; fewer, larger inserts leave the embedded engine free for checks. */
  flushIntervalMs?: number;
}): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tripwire-'));
  const config = loadConfig(
    [
      '--data-dir',
      dataDir,
      '--api-port',
      '0',
      '--otlp-port',
      '0',
      '--guardian-interval',
      String(input.guardianIntervalSeconds),
      '--alert-webhook-url',
      input.webhookUrl,
      '--alert-backoff-ms',
      '50',
      '--admin-token',
      ADMIN_TOKEN,
      '--flush-interval-ms',
      String(input.flushIntervalMs ?? 1000),
      ...(input.targetUnits === undefined
        ? []
        : ['--guardian-target-units', String(input.targetUnits)]),
    ],
    process.env.CLICKHOUSE_URL === undefined
      ? {}
      : {
          CLICKHOUSE_URL: process.env.CLICKHOUSE_URL,
          CLICKHOUSE_DATABASE: `tripwire_e2e_${process.pid}`,
        },
  );
  const app = await buildApp(config, { logger: false });
  await app.otlp.listen({ host: '127.0.0.1', port: 0 });
  await app.api.listen({ host: '127.0.0.1', port: 0 });
  const apiUrl = addressOf(app.api);
  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };
  const close = async (): Promise<void> => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { app, apiUrl, otlpUrl: addressOf(app.otlp), request, close };
}

/** A boolean flag split 50/50 in `production`, control = `off`. */
export function splitFlag(key: string, guardrails?: Guardrail[]): Partial<Flag> {
  return {
    key,
    kind: 'experiment',
    type: 'boolean',
    variants: [
      { key: 'off', value: false },
      { key: 'on', value: true },
    ],
    defaultVariant: 'off',
    metadata: { owner: 'e2e', createdAt: new Date().toISOString() },
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
    ...(guardrails === undefined ? {} : { guardrails }),
  };
}

/** A local HTTP server that records every JSON body POSTed to it. */
export async function startWebhookReceiver(): Promise<{
  url: string;
  received: Record<string, unknown>[];
  close(): Promise<void>;
}> {
  const received: Record<string, unknown>[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

/**
 * Waits for the guardian's first kill report on `flagKey` and fetches it in full; a timeout
 * names the guardian's last checks (and `context()`, if given) so it is diagnosable.
 */
export async function waitForKillReport<T>(input: {
  stack: Stack;
  flagKey: string;
  timeoutMs: number;
  context?: () => string;
}): Promise<T> {
  const { stack, flagKey } = input;
  const summary = await waitFor(
    `a kill of ${flagKey}`,
    async () => {
      const { killReports } = await stack.request<{ killReports: { breachId: string }[] }>(
        'GET',
        `/api/v1/kill-reports?flag=${flagKey}`,
      );
      return killReports[0];
    },
    input.timeoutMs,
  ).catch(async (error: unknown) => {
    const { decisions } = await stack.request<{ decisions: unknown[] }>(
      'GET',
      `/api/v1/flags/${flagKey}/guardrail-decisions?limit=4`,
    );
    const context = input.context === undefined ? '' : `; ${input.context()}`;
    throw new Error(
      `${(error as Error).message}; last checks: ${JSON.stringify(decisions)}${context}`,
    );
  });
  return stack.request<T>('GET', `/api/v1/kill-reports/${summary.breachId}`);
}
