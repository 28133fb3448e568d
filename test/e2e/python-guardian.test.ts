import type { Guardrail } from '@tripwire/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  splitFlag,
  startStack,
  startWebhookReceiver,
  waitFor,
  waitForKillReport,
  type Stack,
} from './e2e-stack.js';
import { setupPythonVenv, spawnPython, type PythonProcess } from './python-process.js';
import { hasChromium, launchChromium } from '../web/launch-chromium.js';
import { parseShown } from '../web/results-fixture.js';

/**
 * The guardian on a Python service: a Flask app (packages/sdk-python/tests/guardian_service.py)
 * with the real opentelemetry-sdk exporting OTLP/HTTP to the analysis service and the `tripwire`
 * client on its stream. Its treatment answers 500 (span status ERROR) on 30 % of requests against
 * 5 % in control. Node drives traffic with rotating users; the guardian must kill the flag on its
 * error-rate guardrail, the Python client must then serve control to everyone, and the results
 * API and page must show both arms' exposures and error rates.
 */
const FLAG = 'python-checkout';
const ERROR_RATES = { off: 0.05, on: 0.3 } as const;
const GUARDRAIL: Guardrail = {
  id: 'python-errors',
  metric: 'error_rate',
  direction: 'lower_is_better',
  margin: 0.05,
  alpha: 0.05,
  minSample: 50,
  action: 'kill',
};
const USERS = 2000;
/** Concurrent request loops; each pauses PAUSE_MS between requests (≤ ~130 requests/s). */
const WORKERS = 4;
const PAUSE_MS = 30;
const DEADLINE_MS = 90_000;

/** What one request saw, from the Python service's answer. */
interface Answer {
  user: string;
  variant: 'off' | 'on';
  reason: string;
  status: number;
  traceId: string;
  /** performance.now() when the request was sent. */
  sentAt: number;
}

let stack: Stack;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let service: PythonProcess;
let serviceUrl: string;
const answers: Answer[] = [];
let sending = true;
let loops: Promise<void>[] = [];
let sent = 0;

async function checkout(user: string): Promise<Answer> {
  const sentAt = performance.now();
  const response = await fetch(`${serviceUrl}/checkout`, { headers: { 'x-user-id': user } });
  const body = (await response.json()) as Omit<Answer, 'sentAt'>;
  expect(body.status).toBe(response.status);
  return { ...body, sentAt };
}

/** One request loop over rotating users (user-0, user-1, …, shared by the loops). */
async function requestLoop(): Promise<void> {
  while (sending) {
    answers.push(await checkout(`user-${sent++ % USERS}`));
    await new Promise((done) => setTimeout(done, PAUSE_MS));
  }
}

beforeAll(async () => {
  setupPythonVenv();
  webhook = await startWebhookReceiver();
  stack = await startStack({
    guardianIntervalSeconds: 1,
    webhookUrl: webhook.url,
    targetUnits: 1000,
  });
  await stack.request('POST', '/api/v1/flags', { flag: splitFlag(FLAG, [GUARDRAIL]) });
  const token = await stack.request<{ secret: string }>('POST', '/api/v1/tokens', {
    name: 'python-shop',
    kind: 'sdk',
    environments: ['production'],
  });
  service = spawnPython({
    script: 'guardian_service.py',
    args: [
      ...['--base-url', stack.apiUrl, '--sdk-key', token.secret, '--flag', FLAG],
      ...['--base-error-rate', String(ERROR_RATES.off)],
      ...['--treatment-error-rate', String(ERROR_RATES.on)],
    ],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpUrl, OTEL_BSP_SCHEDULE_DELAY: '200' },
  });
  const started = await service.next<{ port: number; origin: string }>();
  expect(started.origin).toBe('stream');
  serviceUrl = `http://127.0.0.1:${started.port}`;
  loops = Array.from({ length: WORKERS }, requestLoop);
}, 60_000);

afterAll(async () => {
  sending = false;
  await Promise.allSettled(loops);
  await service?.stop();
  await stack?.close();
  await webhook?.close();
}, 60_000);

interface KillReport {
  guardrail: { id: string };
  metric: string;
  variant: string;
  control: string;
  outcome: string;
  decision: { state: string; interval: [number | null, number | null]; margin: number };
  n: { control: number; treatment: number };
  exemplarTraceIds: string[];
  kill: { version: number | null } | null;
}
interface ArmResult {
  variant: string;
  units: number;
  metrics: {
    key: string;
    value: number | null;
    count: number;
    comparison?: { absolute: { interval: [number | null, number | null] } };
  }[];
}

/** Units per arm with a `split` answer (an exposure), as the service reported them. */
function exposedUsers(variant: 'off' | 'on'): number {
  const users = answers.filter((a) => a.reason === 'split' && a.variant === variant);
  return new Set(users.map((a) => a.user)).size;
}

/** The results page in Chromium: killed in its status header, each arm's error rate as the API gives it. */
async function expectPageShows(results: { variants: ArmResult[] }): Promise<void> {
  const chromium = await launchChromium();
  try {
    const page = await chromium.context.newPage();
    await page.goto(`${stack.apiUrl}/experiments/${FLAG}?environment=production`);
    await page.locator('#token-input').fill(ADMIN_TOKEN);
    await page.locator('#token-input').press('Enter');
    await page.locator('main[data-loaded]').waitFor();
    await expect(page.locator('#status').getAttribute('data-status')).resolves.toBe('killed');
    const row = page.locator('tr[data-metric="error_rate"][data-variant="on"]');
    for (const [arm, variant] of [
      ['control', 'off'],
      ['treatment', 'on'],
    ] as const) {
      const served = results.variants
        .find((v) => v.variant === variant)
        ?.metrics.find((m) => m.key === 'error_rate')?.value;
      const cell = row.locator(`td[data-arm="${arm}"] .value`);
      const shown = parseShown((await cell.textContent()) ?? '');
      expect(Math.abs(shown - served!), `${arm} error rate on the page`).toBeLessThan(0.001);
    }
  } finally {
    await chromium.close();
  }
}

describe('the guardian on an instrumented Python service', () => {
  it(
    'kills the regressed treatment; every evaluation then serves control; results show both arms',
    async () => {
      const report = await waitForKillReport<KillReport>({
        stack,
        flagKey: FLAG,
        timeoutMs: DEADLINE_MS,
        context: () => `service stderr:\n${service.stderr()}`,
      });
      expect(report).toMatchObject({
        guardrail: { id: GUARDRAIL.id },
        metric: 'error_rate',
        variant: 'on',
        control: 'off',
        outcome: 'killed',
      });
      expect(report.decision.state).toBe('breached');
      expect(report.decision.interval[0]).toBeGreaterThan(report.decision.margin);
      expect(report.n.control).toBeGreaterThan(0);
      expect(report.n.treatment).toBeGreaterThan(0);
      expect(report.kill?.version).toBeGreaterThan(1);
      // The failing requests the report points at are the Python service's own 500s in treatment.
      const failedTreatment = new Set(
        answers.filter((a) => a.status === 500 && a.variant === 'on').map((a) => a.traceId),
      );
      expect(report.exemplarTraceIds.length).toBeGreaterThan(0);
      for (const traceId of report.exemplarTraceIds) expect(failedTreatment).toContain(traceId);
      const history = await stack.request<{ entries: { actor: string; action: string }[] }>(
        'GET',
        `/api/v1/flags/${FLAG}/history`,
      );
      expect(history.entries).toContainEqual(
        expect.objectContaining({ actor: 'guardian', action: 'kill' }),
      );

      // The kill reaches the Python client over the stream: a sweep of 200 users all get control.
      const switchedAt = await waitFor(
        'the Python service to serve control',
        async () => {
          const at = performance.now();
          const sweep = await Promise.all(
            Array.from({ length: 200 }, (_, i) => checkout(`user-${i * (USERS / 200)}`)),
          );
          return sweep.every((a) => a.variant === 'off' && a.reason === 'disabled')
            ? at
            : undefined;
        },
        30_000,
      );
      // From then on, every evaluation of the traffic serves control too.
      const after = () => answers.filter((a) => a.sentAt > switchedAt);
      await waitFor('200 more requests', () => (after().length >= 200 ? true : undefined), 60_000);
      expect(after().filter((a) => a.variant !== 'off' || a.reason !== 'disabled')).toEqual([]);

      // The results API: every exposed unit of each arm, the treatment's error rate above control's.
      const expected = { off: exposedUsers('off'), on: exposedUsers('on') };
      expect(expected.off).toBeGreaterThan(0);
      expect(expected.on).toBeGreaterThan(0);
      const results = await waitFor(
        'the results to count every exposed unit',
        async () => {
          const body = await stack.request<{ variants: ArmResult[] }>(
            'GET',
            `/api/v1/experiments/${FLAG}/results?maxAgeSeconds=0`,
          );
          const units = (variant: string) =>
            body.variants.find((v) => v.variant === variant)?.units;
          return units('off') === expected.off && units('on') === expected.on ? body : undefined;
        },
        DEADLINE_MS,
      );
      const errorRate = (variant: string) =>
        results.variants
          .find((v) => v.variant === variant)
          ?.metrics.find((m) => m.key === 'error_rate');
      const [control, treatment] = [errorRate('off'), errorRate('on')];
      expect(control?.count).toBeGreaterThan(0);
      expect(treatment?.count).toBeGreaterThan(0);
      expect(treatment?.value).toBeGreaterThan(control?.value ?? Infinity);
      expect(treatment?.comparison?.absolute.interval[0]).toBeGreaterThan(0);
      if (hasChromium || process.env.CI) await expectPageShows(results);
      console.log(
        `python guardian: ${answers.length} requests; exposed units off ${expected.off} / on ${expected.on}; ` +
          `error rate off ${control?.value?.toFixed(3)} / on ${treatment?.value?.toFixed(3)}; ` +
          `kill report n ${report.n.control}/${report.n.treatment}`,
      );
    },
    DEADLINE_MS * 3,
  );
});
