import { describe, expect, it } from 'vitest';
import {
  buildAlertmanagerAlerts,
  buildGrafanaAnnotation,
  buildWebhookPayload,
} from '../../src/alerts/alert-payloads.js';
import type { AlertNotice } from '../../src/alerts/alert-notice.js';
import type { KillMarker } from '../../src/control-plane/flag-transitions.js';
import type { StoreChange, StoreChangeListener } from '../../src/control-plane/flag-store.js';
import type { DecisionRecord } from '../../src/guardian/decision-repository.js';
import {
  findEndedGuardianKills,
  watchRestoredKills,
} from '../../src/guardian/watch-restored-kills.js';
import { findRunningRollouts } from '../../src/guardian/running-rollouts.js';
import { checkRampStages, planRampStep } from '../../src/guardian/ramp-plan.js';
import type { RampRecord } from '../../src/guardian/ramp-repository.js';
import { withCoverage } from '../../src/guardian/ramp-controller.js';
import { makeFlag } from './guardian-fixtures.js';

describe('findRunningRollouts', () => {
  it('watches a split environment with the default guardrails when the flag has none', () => {
    const [rollout, ...rest] = findRunningRollouts([makeFlag('a')]);
    expect(rest).toHaveLength(0);
    expect(rollout).toMatchObject({
      flagKey: 'a',
      environment: 'production',
      control: 'control',
      treatments: ['treatment'],
      usesDefaultGuardrails: true,
    });
    expect(rollout!.guardrails.map((g) => g.metric)).toEqual(['error_rate', 'latency_p95']);
  });

  it('ignores killed, archived and single-variant environments', () => {
    const killed = makeFlag('killed');
    killed.environments.production!.enabled = false;
    const archived = { ...makeFlag('archived'), archived: true };
    const everyoneTreated = makeFlag('all');
    everyoneTreated.environments.production!.fallthrough = { variant: 'treatment' };
    expect(findRunningRollouts([killed, archived, everyoneTreated])).toEqual([]);
  });

  it('counts units outside a partial coverage as control', () => {
    const flag = makeFlag('partial');
    flag.environments.production!.fallthrough = {
      rollout: { coverage: 500, weights: [{ variant: 'treatment', weight: 1 }] },
    };
    expect(findRunningRollouts([flag])[0]?.treatments).toEqual(['treatment']);
  });
});

describe('planRampStep', () => {
  const ramp: RampRecord = {
    rampId: 'r',
    flagKey: 'f',
    environment: 'production',
    changedAt: '2026-01-01T00:00:00.000Z',
    status: 'running',
    stageIndex: 0,
    stages: [1, 5, 10, 25, 50, 100],
    minUnits: 100,
    minStageSeconds: 60,
    stageStartedAt: '2026-01-01T00:00:00.000Z',
    actor: 'test',
    reason: '',
  };
  const later = new Date('2026-01-01T00:02:00.000Z');
  const healthy = { state: 'healthy' as const, nControl: 500, nTreatment: 200 };

  it('advances to the next stage when every gate passes', () => {
    expect(planRampStep(ramp, [healthy], later)).toEqual({
      kind: 'advance',
      stageIndex: 1,
      coveragePercent: 5,
      completes: false,
    });
  });

  it('holds on inconclusive or no traffic and never promotes', () => {
    expect(planRampStep(ramp, [healthy, { ...healthy, state: 'inconclusive' }], later).kind).toBe(
      'hold',
    );
    expect(planRampStep(ramp, [{ ...healthy, state: 'no_traffic' }], later).kind).toBe('hold');
    expect(planRampStep(ramp, [], later).kind).toBe('hold');
  });

  it('waits for the minimum time and sample', () => {
    expect(planRampStep(ramp, [healthy], new Date('2026-01-01T00:00:30.000Z')).kind).toBe('wait');
    expect(planRampStep(ramp, [{ ...healthy, nTreatment: 20 }], later).kind).toBe('wait');
  });

  it('completes at the last stage', () => {
    expect(planRampStep({ ...ramp, stageIndex: 4 }, [healthy], later)).toMatchObject({
      coveragePercent: 100,
      completes: true,
    });
  });

  it('rejects stages that do not ascend to 100', () => {
    expect(checkRampStages([1, 5, 100])).toBeUndefined();
    expect(checkRampStages([5, 1, 100])).toMatch(/stages\/1/);
    expect(checkRampStages([1, 50])).toMatch(/last stage/);
  });

  it('sets the coverage of the fallthrough rollout in basis points', () => {
    const flag = withCoverage(makeFlag('ramped'), 'production', 5);
    expect(flag.environments.production!.fallthrough).toMatchObject({ rollout: { coverage: 500 } });
  });
});

describe('alert payloads', () => {
  const notice: AlertNotice = {
    alertId: 'b1',
    breachId: 'b1',
    flagKey: 'checkout',
    environment: 'production',
    guardrailId: 'errors',
    metric: 'error_rate',
    action: 'kill',
    outcome: 'killed',
    variant: 'treatment',
    control: 'control',
    estimate: 0.02,
    relativeEstimate: 1.0,
    interval: [0.4, Infinity],
    scale: 'relative',
    test: 'asymptotic-confidence-sequence',
    alpha: 0.05,
    margin: 0.1,
    nControl: 900,
    nTreatment: 880,
    breachedAt: '2026-01-01T00:00:00.000Z',
    resolvedAt: null,
    killVersion: 7,
    reportUrl: 'http://t/api/v1/kill-reports/b1',
  };

  it('pushes an Alertmanager v2 alert whose labels identify the flag and guardrail', () => {
    const [alert] = buildAlertmanagerAlerts(notice) as Record<string, Record<string, string>>[];
    expect(alert!.labels).toMatchObject({
      alertname: 'TripwireGuardrailBreached',
      flag: 'checkout',
      environment: 'production',
      severity: 'critical',
    });
    expect(alert!.annotations!.summary).toContain('killed (version 7');
    expect(alert).toMatchObject({
      startsAt: '2026-01-01T00:00:00.000Z',
      generatorURL: 'http://t/api/v1/kill-reports/b1',
    });
  });

  it('resolves the Alertmanager alert of a restored kill: same labels, endsAt = the restore', () => {
    const [firing] = buildAlertmanagerAlerts(notice) as Record<string, unknown>[];
    const resolved = {
      ...notice,
      outcome: 'resolved' as const,
      resolvedAt: '2026-01-01T00:05:00.000Z',
    };
    const [alert] = buildAlertmanagerAlerts(resolved) as Record<string, unknown>[];
    expect(alert!.labels).toEqual(firing!.labels);
    expect(alert).toMatchObject({
      startsAt: '2026-01-01T00:00:00.000Z',
      endsAt: '2026-01-01T00:05:00.000Z',
    });
    expect(firing!.endsAt).toBe('2026-01-02T00:00:00.000Z');
    expect((alert!.annotations as Record<string, string>).summary).toContain('restored');
    expect(buildWebhookPayload(resolved)).toMatchObject({
      event: 'tripwire.guardrail.resolved',
      resolvedAt: '2026-01-01T00:05:00.000Z',
    });
  });

  it('finds the guardian kills a flag change ended, by breach id', () => {
    const marker = (environment: string, actor: string, breach: string): KillMarker => ({
      environment,
      version: 3,
      actor,
      reason: `guardrail errors breached: error_rate of variant t (breach ${breach})`,
      killedAt: '2026-01-01T00:00:00.000Z',
      previous: { enabled: true },
    });
    const before = [
      marker('production', 'guardian', 'b-1'),
      marker('staging', 'guardian', 'b-2'),
      marker('eu', 'token:ops#1', 'b-3'),
    ];
    expect(findEndedGuardianKills(before, before)).toEqual([]);
    expect(findEndedGuardianKills(before, [before[1]!])).toEqual([
      { environment: 'production', breachId: 'b-1' },
    ]);
    expect(findEndedGuardianKills(before, [marker('production', 'guardian', 'b-9')])).toEqual([
      { environment: 'production', breachId: 'b-1' },
      { environment: 'staging', breachId: 'b-2' },
    ]);
  });

  it('writes a Slack-compatible text and JSON-safe interval in the webhook', () => {
    const body = buildWebhookPayload(notice);
    expect(body.text).toMatch(
      /error_rate of "treatment" \+100\.0% vs control, 95% always-valid interval \[\+40\.0%, \+∞\]/,
    );
    expect(body.interval).toEqual([0.4, null]);
  });

  it('annotates Grafana at the breach time in epoch milliseconds', () => {
    expect(buildGrafanaAnnotation(notice)).toMatchObject({
      time: Date.parse('2026-01-01T00:00:00.000Z'),
      tags: expect.arrayContaining(['tripwire', 'flag:checkout']) as unknown,
    });
  });
});

describe('watchRestoredKills', () => {
  const base: DecisionRecord = {
    checkId: 'c1',
    kind: 'check',
    checkedAt: '2026-01-01T00:00:00.000Z',
    flagKey: 'checkout',
    environment: 'production',
    flagVersion: 1,
    guardrailId: 'errors',
    guardrail: '{}',
    metric: 'error_rate',
    metricVersion: 0,
    controlVariant: 'control',
    variant: 'treatment',
    state: 'breached',
    action: 'kill',
    actionTaken: 'kill_pending',
    breachId: 'b-1',
    test: 'asymptotic-confidence-sequence',
    scale: 'relative',
    estimate: 0.02,
    relativeEstimate: 1,
    intervalLower: 0.4,
    intervalUpper: Infinity,
    pValue: 0.001,
    adjustment: '',
    alpha: 0.05,
    margin: 0.1,
    nControl: 900,
    nTreatment: 880,
    controlMean: 0.02,
    treatmentMean: 0.04,
    query: 'SELECT 1',
    exemplarTraceIds: [],
    killVersion: null,
    detail: '',
  };
  const kill: DecisionRecord = {
    ...base,
    checkId: 'k1',
    kind: 'kill',
    checkedAt: '2026-01-01T00:00:01.000Z',
    actionTaken: 'killed',
    killVersion: 2,
  };
  const marker: KillMarker = {
    environment: 'production',
    version: 2,
    actor: 'guardian',
    reason: 'guardrail errors breached: error_rate of variant treatment (breach b-1)',
    killedAt: kill.checkedAt,
    previous: { enabled: true },
  };

  const watch = (killedNow: KillMarker[]) => {
    const notices: AlertNotice[] = [];
    let listener: StoreChangeListener = () => {};
    const markers = { current: killedNow };
    const stop = watchRestoredKills({
      store: {
        list: () => [makeFlag('checkout')],
        killsOf: () => markers.current,
        onChange: (l) => {
          listener = l;
          return () => {};
        },
        environmentChangedAt: () => '2026-01-01T00:05:00.000Z',
      },
      decisions: { listKills: async () => [kill], listForBreach: async () => [base, kill] },
      alerts: { dispatch: async (notice) => void notices.push(notice) },
      publicUrl: 'http://t/',
      log: { info: () => {}, warn: () => {}, error: () => {} },
      now: () => new Date('2026-01-01T01:00:00.000Z'),
    });
    return { notices, markers, change: (entry: object) => listener(entry as StoreChange), stop };
  };
  const settle = () => new Promise((done) => setTimeout(done, 10));

  it('sends the resolved alert when a change ends the guardian kill, at the change time', async () => {
    const { notices, markers, change } = watch([marker]);
    await settle();
    expect(notices).toEqual([]);
    change({ entry: { entity: 'flag', key: 'checkout', createdAt: '2026-01-01T00:02:00.000Z' } });
    await settle();
    expect(notices).toEqual([]);
    markers.current = [];
    change({ entry: { entity: 'flag', key: 'checkout', createdAt: '2026-01-01T00:03:00.000Z' } });
    await settle();
    expect(notices).toEqual([
      expect.objectContaining({
        alertId: 'b-1:resolved',
        breachId: 'b-1',
        outcome: 'resolved',
        breachedAt: base.checkedAt,
        resolvedAt: '2026-01-01T00:03:00.000Z',
        killVersion: 2,
        reportUrl: 'http://t/api/v1/kill-reports/b-1',
      }),
    ]);
  });

  it('resolves on start a recent kill that ended while the service was not watching', async () => {
    const { notices } = watch([]);
    await settle();
    expect(notices).toEqual([
      expect.objectContaining({ alertId: 'b-1:resolved', resolvedAt: '2026-01-01T00:05:00.000Z' }),
    ]);
  });
});
