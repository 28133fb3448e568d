// The service, its flags and telemetry, and headless Chromium, shared by the page's browser tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { addressOf, buildApp, loadConfig, type TripwireApp } from '@tripwire/analysis';
import { createDemoTelemetry, createRng, type SpanRow } from '../dashboards/demo-telemetry.js';
export { hasChromium } from './launch-chromium.js';
import { hasChromium, launchChromium, type HeadlessChromium } from './launch-chromium.js';
import { toOtlpTraces } from './otlp-json.js';

/** Alerts only (tests kill it by hand). */
export const FLAG = 'checkout-redesign';
/** The guardian kills it. */
export const KILLED_FLAG = 'search-ranking';
const ADMIN = 'tw_admin_e2e_web_0123456789abcdef';

export interface Lift {
  estimate: number | null;
  alwaysValidInterval: [number | null, number | null];
}
export interface MetricResult {
  key: string;
  metric: string;
  event?: string;
  value: number | null;
  comparison?: { absolute: Lift; relative?: Lift; cuped?: { varianceReduction: number | null } };
}
export interface Results {
  control: string;
  variants: { variant: string; isControl: boolean; units: number; metrics: MetricResult[] }[];
}

let app: TripwireApp;
let dataDir: string;
export let baseUrl: string;
export let browser: HeadlessChromium;
export const secrets = { viewer: '', editor: '' };

export async function callApi<T>(
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as T;
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** `more` adds top-level flag fields (e.g. the catalog metrics it names). */
export async function createFlag(
  key: string,
  action: 'alert' | 'kill',
  more: Record<string, unknown> = {},
): Promise<void> {
  await callApi('POST', '/api/v1/flags', ADMIN, {
    reason: 'launch the redesign experiment',
    flag: {
      key,
      kind: 'experiment',
      type: 'string',
      variants: [
        { key: 'control', value: 'classic' },
        { key: 'treatment', value: 'redesign' },
      ],
      defaultVariant: 'control',
      metadata: { owner: 'team-checkout', description: 'One-page checkout' },
      environments: {
        production: {
          enabled: true,
          rules: [],
          fallthrough: {
            rollout: {
              coverage: 1000,
              weights: [
                { variant: 'control', weight: 50 },
                { variant: 'treatment', weight: 50 },
              ],
            },
          },
        },
      },
      // FLAG alerts only (the test kills it by hand); KILLED_FLAG lets the guardian kill.
      guardrails: [
        {
          id: 'errors',
          metric: 'error_rate',
          direction: 'lower_is_better',
          margin: 0.05,
          minSample: 50,
          action,
        },
      ],
      version: 0,
      ...more,
    },
  });
}

export async function sendTelemetry(
  flagKey: string,
  now: Date,
  options: {
    units: number;
    treatmentErrorRate: number;
    seed: number;
    /** Spans to send besides the demo's, made from them (e.g. payments of the exposed units). */
    addSpans?: (spans: SpanRow[]) => SpanRow[];
  },
): Promise<void> {
  const { units, treatmentErrorRate, seed } = options;
  const demo = createDemoTelemetry({
    flagKey,
    now,
    units,
    treatmentErrorRate,
    rng: createRng(seed),
  });
  const spans = [...demo.spans, ...(options.addSpans?.(demo.spans) ?? [])];
  const response = await fetch(`${addressOf(app.otlp)}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(toOtlpTraces(spans)),
  });
  expect(response.status).toBe(200);
}

export async function openAs(
  token: string,
  path: string,
  viewport?: { width: number; height: number },
): Promise<Page> {
  const page = await browser.context.newPage();
  if (viewport !== undefined) await page.setViewportSize(viewport);
  await page.goto(baseUrl + path);
  await page.locator('#token-input').fill(token);
  await page.locator('#token-input').press('Enter');
  await page.locator('main[data-loaded]').waitFor();
  return page;
}

/** Every axe-core rule, any impact; the page's own nodes only. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const result = await page.evaluate<{ id: string; nodes: { target: string[] }[] }[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => ({ target: n.target })) })))`,
  );
  return result.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** "3.12%" → 0.0312, "45.3 ms" → 45.3, "+12.0%" → 0.12, "−4.0%" → -0.04, "1,234" → 1234. */
export function parseShown(text: string): number {
  const clean = text
    .replace(/,/g, '')
    .replace(/\u2212/g, '-')
    .trim();
  const number = Number.parseFloat(clean.replace(/[^0-9.+-]/g, ''));
  return clean.endsWith('%') ? number / 100 : number;
}

/** Starts the service with both flags and their telemetry (and Chromium) around the calling test file. */
export function useResultsFixture(more?: () => Promise<void>): void {
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tripwire-'));
    const config = {
      ...loadConfig([], { TRIPWIRE_ADMIN_TOKEN: ADMIN }),
      host: '127.0.0.1',
      apiPort: 0,
      otlpPort: 0,
      guardianIntervalSeconds: 1,
    };
    config.clickhouse.dataDir = dataDir;
    app = await buildApp(config, { logger: false });
    await app.api.listen({ host: '127.0.0.1', port: 0 });
    await app.otlp.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = addressOf(app.api);
    for (const role of ['viewer', 'editor'] as const) {
      secrets[role] = (
        await callApi<{ secret: string }>('POST', '/api/v1/tokens', ADMIN, {
          name: `web-${role}`,
          role,
        })
      ).secret;
    }
    await createFlag(FLAG, 'alert');
    // On a minute boundary: the series' buckets are whole minutes, so every run sees the same points.
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    await sendTelemetry(FLAG, minute, { units: 300, treatmentErrorRate: 0.12, seed: 11 });
    // The guardian reads telemetry after a rollout started: this flag's traffic comes after it.
    await createFlag(KILLED_FLAG, 'kill');
    await sendTelemetry(KILLED_FLAG, new Date(Date.now() + 31 * 60_000), {
      units: 600,
      treatmentErrorRate: 0.35,
      seed: 12,
    });
    await more?.();
    if (hasChromium) browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
}
