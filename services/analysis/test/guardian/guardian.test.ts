import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guardrail } from '@tripwire/schema';
import {
  createDecisionRepository,
  type DecisionRepository,
} from '../../src/guardian/decision-repository.js';
import type {
  FactsRequest,
  GuardianFlags,
  GuardrailFacts,
} from '../../src/guardian/guardian-types.js';
import { buildKillReport } from '../../src/guardian/kill-report.js';
import type { ClickHouseClient } from '../../src/storage/clickhouse.js';
import { createRng } from '../../src/create-rng.js';
import {
  createMemoryFlags,
  createTestGuardian,
  errorRateFacts,
  makeFlag,
  openTestStorage,
  simulateErrorRate,
} from './guardian-fixtures.js';

const errorRate = (action: Guardrail['action']): Guardrail => ({
  id: 'errors',
  metric: 'error_rate',
  direction: 'lower_is_better',
  margin: 0.1,
  alpha: 0.05,
  minSample: 50,
  action,
});

let client: ClickHouseClient;
let tables: Awaited<ReturnType<typeof openTestStorage>>['tables'];
let decisions: DecisionRepository;
let closeStorage: () => Promise<void>;
let receiver: Server;
let receiverUrl: string;
const received: unknown[] = [];
let failNext = 0;

beforeAll(async () => {
  ({ client, tables, close: closeStorage } = await openTestStorage());
  decisions = createDecisionRepository(client, tables);
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (failNext > 0) {
        failNext--;
        response.writeHead(503).end('busy');
        return;
      }
      received.push(JSON.parse(body));
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  await new Promise((done) => receiver.close(done));
  await closeStorage();
});

/** Every facts request the guardians made (the exemplar limit of each is checked). */
const factsRequests: FactsRequest[] = [];

function makeGuardian(flags: GuardianFlags, facts: () => GuardrailFacts) {
  const { guardian, alerts, deliveries } = createTestGuardian({
    client,
    tables,
    flags,
    decisions,
    webhookUrl: receiverUrl,
    maxAttempts: 3,
    // Like ClickHouse: exemplars only when asked for.
    fetchFacts: async (request) => {
      factsRequests.push(request);
      const found = facts();
      return request.exemplarLimit > 0 ? found : { ...found, exemplarTraceIds: new Map() };
    },
  });
  return { guardian, alerts, deliveries };
}

function doubledErrorFacts(seed: number) {
  const rng = createRng(seed);
  return errorRateFacts({
    control: simulateErrorRate(rng, { units: 2000, requests: 5, rate: 0.02 }),
    treatment: simulateErrorRate(rng, { units: 2000, requests: 5, rate: 0.04 }),
  });
}

describe('guardian', () => {
  it('kills a treatment that doubles the error rate exactly once, and alerts with a report link', async () => {
    const flags = createMemoryFlags([makeFlag('checkout-v2', [errorRate('kill')])]);
    const { guardian, alerts, deliveries } = makeGuardian(flags, () => doubledErrorFacts(1));
    failNext = 1;
    factsRequests.length = 0;
    const first = await guardian.runOnce();
    const second = await guardian.runOnce();
    await alerts.drain();
    expect(first.kills).toBe(1);
    expect(second).toEqual({ rollouts: 0, checks: 0, kills: 0 });
    expect(flags.kills).toBe(1);
    expect(flags.changes[0]).toMatchObject({
      action: 'kill',
      actor: 'guardian',
      environment: 'production',
    });

    const rows = await decisions.listForFlag({ flagKey: 'checkout-v2', limit: 10 });
    const breach = rows.find((row) => row.kind === 'check')!;
    const kill = rows.find((row) => row.kind === 'kill')!;
    expect(breach).toMatchObject({
      state: 'breached',
      actionTaken: 'kill_pending',
      metric: 'error_rate',
    });
    expect(kill).toMatchObject({
      breachId: breach.breachId,
      killVersion: 2,
      actionTaken: 'killed',
    });
    expect(breach.intervalLower).toBeGreaterThan(0.1);
    // The check asked for no exemplars; the breach fetched them after the kill, for the report.
    expect(factsRequests.map((request) => request.exemplarLimit)).toEqual([0, 5]);
    expect(breach.exemplarTraceIds).toEqual([]);
    expect(kill.exemplarTraceIds).toEqual(['trace-treatment-1']);

    const attempts = await deliveries.listForBreach(breach.breachId);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.status])).toEqual([
      [1, 'retrying', 503],
      [2, 'delivered', 200],
    ]);
    const alert = received.at(-1) as Record<string, unknown>;
    expect(alert).toMatchObject({
      flag: 'checkout-v2',
      metric: 'error_rate',
      outcome: 'killed',
      killVersion: 2,
    });
    expect(alert.text).toContain('checkout-v2');
    expect(alert.reportUrl).toBe(`http://tripwire.test/api/v1/kill-reports/${breach.breachId}`);

    const report = buildKillReport({
      breach,
      kill,
      checks: rows,
      history: flags.changes,
      deliveries: attempts,
    });
    expect(report.metric).toBe('error_rate');
    expect(report.exemplarTraceIds).toEqual(['trace-treatment-1']);
    expect(report.decision.interval[0]).toBeGreaterThan(0.1);
    const events = report.timeline.map((e) => e.event);
    // The kill row and the flag version it wrote may share a millisecond: either order.
    expect(events[0]).toBe('breach');
    expect(events.slice(1, 3).sort()).toEqual(['flag', 'kill']);
    expect(events.slice(3)).toEqual(['alert', 'alert']);
  });

  it('finishes a kill interrupted by a restart after the breach row, without killing twice', async () => {
    const flags = createMemoryFlags([makeFlag('search-v3', [errorRate('kill')])]);
    const broken: GuardianFlags = {
      ...flags,
      kill: () => Promise.reject(new Error('process died')),
    };
    const before = makeGuardian(broken, () => doubledErrorFacts(2));
    expect((await before.guardian.runOnce()).kills).toBe(0);
    expect(await decisions.listPendingKills()).toHaveLength(1);

    // The restarted guardian sees no breach any more (no evidence), yet finishes the recorded one.
    const healthy = errorRateFacts({});
    const after = makeGuardian(flags, () => healthy);
    const summary = await after.guardian.runOnce();
    await after.guardian.runOnce();
    expect(summary.kills).toBe(1);
    expect(flags.kills).toBe(1);
    expect(await decisions.listPendingKills()).toHaveLength(0);
  });

  it('does not kill again when the kill was made but not recorded before a restart', async () => {
    const flags = createMemoryFlags([makeFlag('cart-v4', [errorRate('kill')])]);
    let killed = false;
    const crashAfterKill: GuardianFlags = {
      ...flags,
      kill: async (key, request) => {
        await flags.kill(key, request);
        killed = true;
        throw new Error('crashed before recording the kill');
      },
    };
    await makeGuardian(crashAfterKill, () => doubledErrorFacts(3)).guardian.runOnce();
    expect(killed).toBe(true);
    const restarted = makeGuardian(flags, () => doubledErrorFacts(3));
    await restarted.guardian.runOnce();
    expect(flags.kills).toBe(1);
    const rows = await decisions.listForFlag({ flagKey: 'cart-v4', limit: 10 });
    expect(rows.filter((row) => row.kind === 'kill')).toHaveLength(1);
    expect(rows.find((row) => row.kind === 'kill')!.killVersion).toBe(2);
  });

  it('never kills an A/A rollout over many looks, recording one row per check', async () => {
    const flags = createMemoryFlags([makeFlag('aa-test', [errorRate('kill')])]);
    const rng = createRng(4);
    let units = 0;
    const { guardian } = makeGuardian(flags, () => {
      units += 200;
      return errorRateFacts({
        control: simulateErrorRate(rng, { units, requests: 3, rate: 0.05 }),
        treatment: simulateErrorRate(rng, { units, requests: 3, rate: 0.05 }),
      });
    });
    for (let look = 0; look < 20; look++) await guardian.runOnce();
    expect(flags.kills).toBe(0);
    const rows = await decisions.listForFlag({ flagKey: 'aa-test', limit: 100 });
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((row) => row.state))).not.toContain('breached');
    expect(rows.map((row) => row.state)).toContain('healthy');
  });

  it('records only state changes on early re-checks, and every check on regular passes', async () => {
    const flags = createMemoryFlags([makeFlag('early-looks', [errorRate('kill')])]);
    const rng = createRng(7);
    const few = errorRateFacts({
      control: simulateErrorRate(rng, { units: 10, requests: 3, rate: 0.05 }),
      treatment: simulateErrorRate(rng, { units: 10, requests: 3, rate: 0.05 }),
    });
    const many = errorRateFacts({
      control: simulateErrorRate(rng, { units: 2000, requests: 3, rate: 0.05 }),
      treatment: simulateErrorRate(rng, { units: 2000, requests: 3, rate: 0.05 }),
    });
    let look = 0;
    const { guardian } = makeGuardian(flags, () => (++look <= 3 ? few : many));
    for (let i = 0; i < 10; i++) await guardian.runOnce({ trigger: 'telemetry' });
    const early = await decisions.listForFlag({ flagKey: 'early-looks', limit: 100 });
    expect(early.map((row) => row.state).sort()).toEqual(
      ['collecting', early.find((row) => row.state !== 'collecting')!.state].sort(),
    );
    await guardian.runOnce();
    await guardian.runOnce();
    expect(await decisions.listForFlag({ flagKey: 'early-looks', limit: 100 })).toHaveLength(4);
    expect(flags.kills).toBe(0);
  });

  it('reports no_traffic and never kills when an arm has sent nothing', async () => {
    const flags = createMemoryFlags([makeFlag('quiet', [errorRate('kill')])]);
    const rng = createRng(5);
    const { guardian } = makeGuardian(flags, () =>
      errorRateFacts({ control: simulateErrorRate(rng, { units: 500, requests: 2, rate: 0.5 }) }),
    );
    await guardian.runOnce();
    expect(flags.kills).toBe(0);
    const [row] = await decisions.listForFlag({ flagKey: 'quiet', limit: 1 });
    expect(row?.state).toBe('no_traffic');
  });

  it('alerts once per breach for an alert-only guardrail and leaves the flag running', async () => {
    const flags = createMemoryFlags([makeFlag('alert-only', [errorRate('alert')])]);
    const count = received.length;
    const { guardian, alerts } = makeGuardian(flags, () => doubledErrorFacts(6));
    await guardian.runOnce();
    await guardian.runOnce();
    await alerts.drain();
    expect(flags.kills).toBe(0);
    expect(received.length - count).toBe(1);
    expect(received.at(-1)).toMatchObject({
      flag: 'alert-only',
      outcome: 'alerted',
      action: 'alert',
    });
    const [breach] = (await decisions.listForFlag({ flagKey: 'alert-only', limit: 10 })).filter(
      (row) => row.actionTaken === 'alerted',
    );
    expect(breach?.exemplarTraceIds).toEqual(['trace-treatment-1']);
  });
});
