// The guardian wired into the service: early re-checks when OTLP telemetry is committed, and
// the resolved Alertmanager alert when a person restores a flag the guardian killed (a local
// HTTP server plays Alertmanager).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guardrail } from '@tripwire/schema';
import { buildApp, type TripwireApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createRng } from '../../src/create-rng.js';
import { buildAlertmanagerAlerts } from '../../src/alerts/alert-payloads.js';
import { toDecisionRecord, toKillRecord } from '../../src/guardian/decision-record.js';
import {
  createDecisionRepository,
  type DecisionRepository,
} from '../../src/guardian/decision-repository.js';
import { evaluateGuardrail } from '../../src/guardian/evaluate-guardrail.js';
import { toNotice } from '../../src/guardian/guardian.js';
import { describeKillReason, GUARDIAN_ACTOR } from '../../src/guardian/kill-once.js';
import { errorRateFacts, makeFlag, simulateErrorRate } from './guardian-fixtures.js';

const ADMIN = 'guardian-app-admin-token-0123456789';
const PUBLIC_URL = 'http://tripwire.test';
let app: TripwireApp;
let dataDir: string;
let decisions: DecisionRepository;
let alertmanager: Server;
const pushed: unknown[][] = [];

async function call(method: string, url: string, payload?: unknown) {
  const response = await app.api.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${ADMIN}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
}

async function createFlag(key: string): Promise<void> {
  const { version: _version, ...flag } = makeFlag(key);
  expect((await call('POST', '/api/v1/flags', { flag })).status).toBe(201);
}

/** Polls until `read` returns a value that is not undefined (or fails after `ms`). */
async function waitFor<T>(read: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${ms} ms`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

beforeAll(async () => {
  alertmanager = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.url === '/api/v2/alerts') pushed.push(JSON.parse(body) as unknown[]);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => alertmanager.listen(0, '127.0.0.1', done));
  const port = (alertmanager.address() as AddressInfo).port;
  dataDir = mkdtempSync(join(tmpdir(), 'tripwire-'));
  const env =
    process.env.CLICKHOUSE_URL === undefined
      ? {}
      : {
          CLICKHOUSE_URL: process.env.CLICKHOUSE_URL,
          CLICKHOUSE_DATABASE: `tripwire_guardian_app_${process.pid}`,
        };
  const config = loadConfig(
    [
      ...['--data-dir', dataDir, '--api-port', '0', '--otlp-port', '0'],
      ...['--admin-token', ADMIN, '--public-url', PUBLIC_URL],
      // Regular passes never happen during the test: only early re-checks can.
      ...['--guardian-interval', '3600'],
      ...['--alertmanager-url', `http://127.0.0.1:${port}`, '--alert-backoff-ms', '1'],
    ],
    env,
  );
  app = await buildApp(config, { logger: false });
  decisions = createDecisionRepository(app.context.clickhouse, app.context.tables);
});

afterAll(async () => {
  await app.close();
  await new Promise((done) => alertmanager.close(done));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('guardian in the service', () => {
  it('re-checks running rollouts soon after OTLP traces are committed, long before the interval', async () => {
    await createFlag('recheck-flag');
    const checks = () => decisions.listForFlag({ flagKey: 'recheck-flag', limit: 10 });
    await new Promise((done) => setTimeout(done, 1500));
    expect(await checks()).toEqual([]);
    const span = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      name: 'GET /checkout',
      kind: 2,
      startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
      endTimeUnixNano: String(BigInt(Date.now() + 20) * 1_000_000n),
      attributes: [
        { key: 'tripwire.variant.recheck-flag', value: { stringValue: 'treatment' } },
        { key: 'tripwire.unit.id', value: { stringValue: 'user-1' } },
      ],
    };
    const response = await app.otlp.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/json' },
      payload: { resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] },
    });
    expect(response.statusCode).toBe(200);
    const rows = await waitFor(async () => {
      const found = await checks();
      return found.length > 0 ? found : undefined;
    }, 15_000);
    // One treatment unit and no control: nothing to decide on, and never a kill.
    expect(rows.map((row) => row.state)).toContain('no_traffic');
    expect(rows.every((row) => row.kind === 'check' && row.actionTaken === 'none')).toBe(true);
  });

  it('resolves the Alertmanager alert with the same labels when a killed flag is restored', async () => {
    await createFlag('restore-flag');
    const breach = await recordGuardianKill('restore-flag', 'beef-0001');
    const firing = buildAlertmanagerAlerts(
      toNotice(breach, 'killed', 2, `${PUBLIC_URL}/api/v1/kill-reports/beef-0001`),
    )[0] as Record<string, unknown>;
    const before = pushed.length;
    const restored = await call('POST', '/api/v1/flags/restore-flag/restore', {
      environment: 'production',
      reason: 'fixed the bug',
    });
    expect(restored.status).toBe(200);
    const alerts = await waitFor(
      async () => (pushed.length > before ? pushed.at(-1) : undefined),
      10_000,
    );
    const history = await call('GET', '/api/v1/flags/restore-flag/history');
    const restore = (history.body.entries as { action: string; createdAt: string }[]).find(
      (entry) => entry.action === 'restore',
    )!;
    expect(alerts).toHaveLength(1);
    const alert = alerts[0] as Record<string, string>;
    expect(alert).toMatchObject({
      labels: firing.labels,
      endsAt: restore.createdAt,
      generatorURL: `${PUBLIC_URL}/api/v1/kill-reports/beef-0001`,
    });
    // The stored breach time comes back with microseconds: the same instant.
    expect(Date.parse(alert.startsAt!)).toBe(Date.parse(breach.checkedAt));
    // The delivery is recorded once Alertmanager has answered.
    const attempts = await waitFor(async () => {
      const report = await call('GET', '/api/v1/kill-reports/beef-0001');
      const found = report.body.alerts as { target: string; outcome: string }[];
      return found.length > 0 ? found : undefined;
    }, 10_000);
    expect(attempts).toEqual([
      expect.objectContaining({ target: 'alertmanager', outcome: 'delivered' }),
    ]);
  });
});

/** What the guardian leaves after a kill: the breach row, the flag version, the kill row. */
async function recordGuardianKill(flagKey: string, breachId: string) {
  const guardrail: Guardrail = {
    id: 'errors',
    metric: 'error_rate',
    direction: 'lower_is_better',
    margin: 0.1,
    alpha: 0.05,
    minSample: 50,
    action: 'kill',
  };
  const rng = createRng(11);
  const facts = errorRateFacts({
    control: simulateErrorRate(rng, { units: 2000, requests: 5, rate: 0.02 }),
    treatment: simulateErrorRate(rng, { units: 2000, requests: 5, rate: 0.04 }),
  });
  const outcome = {
    checkId: `${breachId}-check`,
    checkedAt: new Date(),
    rollout: {
      flagKey,
      environment: 'production',
      flagVersion: 1,
      control: 'control',
      treatments: ['treatment'],
      guardrails: [guardrail],
      usesDefaultGuardrails: false,
    },
    guardrail,
    variant: 'treatment',
    decision: evaluateGuardrail({
      guardrail,
      control: facts.arms.get('control')!,
      treatment: facts.arms.get('treatment')!,
    }),
    facts,
  };
  expect(outcome.decision.state).toBe('breached');
  const breach = toDecisionRecord(outcome, { actionTaken: 'kill_pending', breachId });
  const killed = await app.context.flags.kill({
    key: flagKey,
    environment: 'production',
    actor: GUARDIAN_ACTOR,
    reason: describeKillReason(breach),
  });
  await decisions.insert([
    breach,
    toKillRecord(breach, {
      checkId: `${breachId}-kill`,
      at: new Date(),
      killVersion: killed.version,
      detail: 'killed',
    }),
  ]);
  return breach;
}

describe('guardian settings', () => {
  it('reads the early re-check delay from --guardian-recheck-ms or its variable, default 1000', () => {
    expect(loadConfig([], {}).guardianRecheckMs).toBe(1000);
    expect(loadConfig(['--guardian-recheck-ms', '250'], {}).guardianRecheckMs).toBe(250);
    expect(loadConfig([], { TRIPWIRE_GUARDIAN_RECHECK_MS: '2500' }).guardianRecheckMs).toBe(2500);
    expect(() => loadConfig(['--guardian-recheck-ms', '0'], {})).toThrow(
      /--guardian-recheck-ms \(TRIPWIRE_GUARDIAN_RECHECK_MS\) must be an integer >= 1, got "0"/,
    );
  });
});
