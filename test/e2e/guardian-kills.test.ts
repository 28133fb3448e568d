import { startDemo, startTraffic, type Demo, type Feature, type Traffic } from '@tripwire/demo';
import type { Guardrail } from '@tripwire/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  splitFlag,
  startStack,
  startWebhookReceiver,
  waitFor,
  waitForKillReport,
  type Stack,
} from './e2e-stack.js';

// One service, one demo shop and one traffic generator serve three flags at once: a treatment
// with twice the errors, one with +30% latency, and an A/A. Each scenario waits for its outcome.
const FEATURES: Feature[] = [
  {
    path: '/checkout',
    flagKey: 'e2e-errors',
    baseErrorRate: 0.3,
    baseLatencyMs: 20,
    jitterLatencyMs: 10,
  },
  {
    path: '/search',
    flagKey: 'e2e-latency',
    baseErrorRate: 0.02,
    baseLatencyMs: 60,
    jitterLatencyMs: 40,
  },
  {
    path: '/recommendations',
    flagKey: 'e2e-aa',
    baseErrorRate: 0.05,
    baseLatencyMs: 30,
    jitterLatencyMs: 20,
  },
];
const KILL_TIMEOUT_MS = 150_000;
/** One guardrail each for the regressions (fewer queries per check); the A/A flag has the defaults. */
const guardrail = (metric: Guardrail['metric']): Guardrail => ({
  id: metric.replace('_', '-'),
  metric,
  direction: 'lower_is_better',
  margin: 0.05,
  alpha: 0.05,
  minSample: 50,
  action: 'kill',
});
const GUARDRAILS: Record<string, Guardrail[] | undefined> = {
  'e2e-errors': [guardrail('error_rate')],
  'e2e-latency': [guardrail('latency_p95')],
};
const USERS = 2000;

interface KillReport {
  flagKey: string;
  metric: string;
  variant: string;
  control: string;
  decision: {
    state: string;
    interval: [number | null, number | null];
    margin: number;
    test: string;
  };
  n: { control: number; treatment: number };
  query: string;
  kill: { version: number | null } | null;
  timeline: { event: string }[];
}

let stack: Stack;
let demo: Demo;
let traffic: Traffic;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;

const waitForKill = (flagKey: string): Promise<KillReport> =>
  waitForKillReport<KillReport>({ stack, flagKey, timeoutMs: KILL_TIMEOUT_MS });

/** Units of the traffic (a sample of 200) now get the control from the demo's SDK client. */
function servesControlToEveryone(flagKey: string): boolean {
  for (let user = 0; user < USERS; user += USERS / 200) {
    const result = demo.client.assign(flagKey, { targetingKey: `user-${user}` }, false);
    if (result.variant !== 'off') return false;
  }
  return true;
}

beforeAll(async () => {
  webhook = await startWebhookReceiver();
  stack = await startStack({
    guardianIntervalSeconds: 1,
    webhookUrl: webhook.url,
    targetUnits: 1000,
  });
  for (const feature of FEATURES) {
    const guardrails = GUARDRAILS[feature.flagKey];
    await stack.request('POST', '/api/v1/flags', { flag: splitFlag(feature.flagKey, guardrails) });
  }
  const sdkKey = await stack.request<{ secret: string }>('POST', '/api/v1/tokens', {
    name: 'demo',
    kind: 'sdk',
    environments: ['production'],
  });
  demo = await startDemo({
    apiUrl: stack.apiUrl,
    otlpUrl: stack.otlpUrl,
    sdkKey: sdkKey.secret,
    features: FEATURES,
    regressions: { 'e2e-errors': { errorMultiplier: 2 }, 'e2e-latency': { latencyFactor: 1.3 } },
    exportDelayMs: 500,
    // Span durations are the simulated latency, so a busy CI host does not blur the +30%.
    recordSimulatedLatency: true,
  });
  traffic = startTraffic({
    baseUrl: demo.url,
    paths: FEATURES.map((f) => f.path),
    ratePerSecond: 120,
    users: USERS,
  });
}, 60_000);

afterAll(async () => {
  await traffic?.stop();
  await demo?.close();
  await stack?.close();
  await webhook?.close();
}, 60_000);

describe('the guardian, end to end', () => {
  it(
    'kills a treatment with twice the error rate; the SDK serves control; the alert and report name the metric and interval',
    async () => {
      const report = await waitForKill('e2e-errors');
      expect(report).toMatchObject({ metric: 'error_rate', variant: 'on', control: 'off' });
      expect(report.decision.state).toBe('breached');
      expect(report.decision.test).toBe('asymptotic-confidence-sequence');
      expect(report.decision.interval[0]).toBeGreaterThan(report.decision.margin);
      expect(report.n.treatment).toBeGreaterThan(0);
      expect(report.query).toMatch(/SELECT/i);
      expect(report.kill?.version).toBeGreaterThan(1);

      await waitFor(
        'the SDK to serve control',
        () => (servesControlToEveryone('e2e-errors') ? true : undefined),
        15_000,
      );
      const alert = await waitFor(
        'the webhook alert',
        () => webhook.received.find((body) => body.flag === 'e2e-errors'),
        15_000,
      );
      expect(alert).toMatchObject({ metric: 'error_rate', outcome: 'killed' });
      expect(String(alert.text)).toMatch(/error_rate .*interval \[/);

      const history = await stack.request<{ entries: { actor: string; action: string }[] }>(
        'GET',
        '/api/v1/flags/e2e-errors/history',
      );
      const entries = history.entries ?? [];
      expect(entries.some((entry) => entry.actor === 'guardian' && entry.action === 'kill')).toBe(
        true,
      );
    },
    KILL_TIMEOUT_MS + 40_000,
  );

  it(
    'kills a treatment with +30% latency on a latency guardrail',
    async () => {
      const report = await waitForKill('e2e-latency');
      expect(report.metric).toMatch(/^latency_/);
      expect(report.decision.interval[0]).toBeGreaterThan(report.decision.margin);
      await waitFor(
        'the SDK to serve control',
        () => (servesControlToEveryone('e2e-latency') ? true : undefined),
        15_000,
      );
    },
    KILL_TIMEOUT_MS + 20_000,
  );

  it('never kills an A/A rollout over the whole run, while checking it', async () => {
    // On a loaded machine the A/A flag may still be collecting its default minimum sample when
    // the kills are done: wait (bounded) until the guardian has judged it at least once.
    const fetchDecisions = async () =>
      (
        await stack.request<{ decisions: { state: string }[] }>(
          'GET',
          '/api/v1/flags/e2e-aa/guardrail-decisions?limit=1000',
        )
      ).decisions;
    await waitFor(
      'a healthy or inconclusive A/A decision',
      async () =>
        (await fetchDecisions()).some((d) => d.state === 'healthy' || d.state === 'inconclusive')
          ? true
          : undefined,
      60_000,
    );
    const decisions = await fetchDecisions();
    expect(decisions.length).toBeGreaterThanOrEqual(4);
    expect(decisions.map((d) => d.state)).not.toContain('breached');
    const { killReports } = await stack.request<{ killReports: unknown[] }>(
      'GET',
      '/api/v1/kill-reports?flag=e2e-aa',
    );
    expect(killReports).toEqual([]);
  }, 70_000);
});
