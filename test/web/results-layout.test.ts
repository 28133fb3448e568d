// The page on a phone and a desktop, with axe-core, and the defects an owner saw on it: each
// test here fails on the page as it was (see issue 18).
import type { Page } from 'playwright-core';
import { FlagAttributes, SpanNames, TripwireAttributes } from '@tripwire/schema';
import type { SpanRow } from '../dashboards/demo-telemetry.js';
import { describe, expect, it } from 'vitest';
import {
  FLAG,
  KILLED_FLAG,
  axeViolations,
  callApi,
  createFlag,
  hasChromium,
  openAs,
  parseShown,
  secrets,
  sendTelemetry,
  useResultsFixture,
  type Results,
} from './results-fixture.js';

/** Alerts (never kills) and its treatment's error rate is far past the margin. */
const ALERT_FLAG = 'pricing-banner';

/** Its control arm has 200 units more than the 50/50 split gives it: the SRM check fails. */
const SRM_FLAG = 'promo-carousel';
/** Created, never exposed. */
const EMPTY_FLAG = 'dark-mode';

/** 200 more control exposures, each of its own new unit. */
function addControlUnits(spans: SpanRow[]): SpanRow[] {
  return spans
    .filter((s) => s.SpanName === SpanNames.exposure)
    .filter((s) => s.SpanAttributes[FlagAttributes.variant] === 'control')
    .slice(0, 200)
    .map((s, i) => {
      const unitId = `srm${String(i).padStart(29, '0')}`;
      return {
        ...s,
        SpanId: `5e${String(i).padStart(14, '0')}`,
        SpanAttributes: {
          ...s.SpanAttributes,
          [FlagAttributes.contextId]: unitId,
          [TripwireAttributes.unitId]: unitId,
        },
      };
    });
}

useResultsFixture(async () => {
  await createFlag(ALERT_FLAG, 'alert');
  await sendTelemetry(ALERT_FLAG, new Date(Date.now() + 31 * 60_000), {
    units: 600,
    treatmentErrorRate: 0.35,
    seed: 13,
  });
  await createFlag(SRM_FLAG, 'alert');
  await sendTelemetry(SRM_FLAG, new Date(), {
    units: 400,
    treatmentErrorRate: 0.03,
    seed: 17,
    addSpans: addControlUnits,
  });
  await createFlag(EMPTY_FLAG, 'alert');
});

const PHONE = { width: 360, height: 780 };
const SMALL_PHONE_WIDTHS = [360, 390];
const DESKTOP = { width: 1280, height: 900 };

/** Waits until the guardian has recorded a decision of this state for the flag. */
async function waitForState(key: string, state: string): Promise<void> {
  type Log = { decisions: { kind: string; state: string }[] };
  for (let i = 0; i < 200; i++) {
    const { decisions } = await callApi<Log>(
      'GET',
      `/api/v1/flags/${key}/guardrail-decisions?environment=production&limit=50`,
      secrets.viewer,
    );
    if (decisions.some((d) => d.kind === 'check' && d.state === state)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${key} never reached ${state}`);
}

async function waitForKill(key: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { kills } = await callApi<{ kills: unknown[] }>(
      'GET',
      `/api/v1/flags/${key}`,
      secrets.viewer,
    );
    if (kills.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${key} was never killed`);
}

const pageText = (page: Page) => page.locator('main').innerText();

describe.skipIf(!hasChromium && !process.env.CI)(
  `results page layout, words and accessibility${hasChromium ? '' : ' (skipped: no Chromium)'}`,
  { timeout: 60_000 },
  () => {
    it('has no horizontal page overflow at 360 and 390 px or on a desktop', async () => {
      await waitForKill(KILLED_FLAG);
      await waitForState(ALERT_FLAG, 'breached');
      const paths = ['/', ...[FLAG, KILLED_FLAG, ALERT_FLAG].map((key) => `/experiments/${key}`)];
      for (const width of SMALL_PHONE_WIDTHS) {
        for (const path of paths) {
          const page = await openAs(secrets.viewer, path, { width, height: 800 });
          const widths = await page.evaluate<{ scroll: number; inner: number }>(
            '({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })',
          );
          expect(widths.scroll, `${path} at ${width} px`).toBeLessThanOrEqual(widths.inner);
          await page.close();
        }
      }
      const page = await openAs(secrets.viewer, `/experiments/${KILLED_FLAG}`, DESKTOP);
      const desktop = await page.evaluate<number>('document.documentElement.scrollWidth');
      expect(desktop).toBeLessThanOrEqual(DESKTOP.width);
      await page.close();
    }, 60_000);

    it('has no axe-core violations on the list, an experiment, a killed one and the trace page', async () => {
      await waitForKill(KILLED_FLAG);
      for (const viewport of [PHONE, DESKTOP]) {
        for (const path of ['/', `/experiments/${FLAG}`, `/experiments/${KILLED_FLAG}`]) {
          const page = await openAs(secrets.viewer, path, viewport);
          await page.emulateMedia({ colorScheme: 'light' });
          expect(await axeViolations(page), `${path} at ${viewport.width} px`).toEqual([]);
          await page.emulateMedia({ colorScheme: 'dark' });
          expect(await axeViolations(page), `${path} dark`).toEqual([]);
          if (path === `/experiments/${KILLED_FLAG}`) {
            await page.locator('article.kill-report a.trace').first().click();
            await page.locator('table.trace tbody tr').first().waitFor();
            expect(await axeViolations(page), `trace at ${viewport.width} px`).toEqual([]);
          }
          await page.close();
        }
      }
      const page = await openAs(secrets.editor, `/experiments/${FLAG}`, PHONE);
      await page.locator('#kill-button').click();
      await page.locator('#confirm-dialog[open]').waitFor();
      expect(await axeViolations(page), 'confirm dialog').toEqual([]);
      await page.close();
    }, 120_000);

    it('says breached (which guardrail, since when) when an alert-only guardrail is breached', async () => {
      await waitForState(ALERT_FLAG, 'breached');
      const page = await openAs(secrets.viewer, `/experiments/${ALERT_FLAG}`);
      const status = page.locator('#status');
      await expect(status.getAttribute('data-status')).resolves.toBe('breached');
      const text = await status.innerText();
      expect(text).toContain('Guardrail breached: errors');
      expect(text).toMatch(/since \d{4}-\d\d-\d\d/);
      await page.close();
    });

    it('says what matters in every other state — breached, SRM failing, no data yet — with 0 axe violations', async () => {
      await waitForState(ALERT_FLAG, 'breached');
      const states = [
        { key: ALERT_FLAG, status: 'breached', title: 'Guardrail breached', srm: 'passed' },
        { key: SRM_FLAG, status: 'srm', title: 'Sample ratio mismatch', srm: 'failed' },
        { key: EMPTY_FLAG, status: 'collecting', title: 'Not enough data yet', srm: 'none' },
      ];
      for (const viewport of [PHONE, DESKTOP]) {
        for (const state of states) {
          const page = await openAs(secrets.viewer, `/experiments/${state.key}`, viewport);
          const where = `${state.key} at ${viewport.width} px`;
          const status = page.locator('#status');
          await expect(status.getAttribute('data-status'), where).resolves.toBe(state.status);
          await expect(status.innerText(), where).resolves.toContain(state.title);
          const srm = page.locator('#srm-result');
          await expect(srm.getAttribute('data-srm'), where).resolves.toBe(state.srm);
          expect(await axeViolations(page), where).toEqual([]);
          await page.close();
        }
      }
    }, 120_000);

    it('points the arrow the way the number goes and never shows a rate interval below −100 %', async () => {
      const page = await openAs(secrets.viewer, `/experiments/${ALERT_FLAG}`);
      const estimates = await page.locator('table.scorecard .lift-estimate').allInnerTexts();
      expect(estimates.length).toBeGreaterThan(0);
      for (const text of estimates) {
        const value = parseShown(text);
        if (text.startsWith('▲')) expect(value, text).toBeGreaterThan(0);
        if (text.startsWith('▼')) expect(value, text).toBeLessThan(0);
      }
      const intervals = await page
        .locator('table.scorecard tr[data-metric="error_rate"] .lift-interval')
        .allInnerTexts();
      for (const text of intervals) {
        const lower = parseShown(text.replace(/^\[/, '').split(',')[0] ?? '');
        expect(lower, text).toBeGreaterThanOrEqual(-1);
      }
      await page.close();
    });

    it('counts a manual kill, names the actor by token name and says "control arm" once', async () => {
      await callApi('POST', `/api/v1/flags/${FLAG}/kill`, secrets.editor, {
        environment: 'production',
        reason: 'checkout errors',
      });
      const page = await openAs(secrets.viewer, `/experiments/${FLAG}`);
      await expect(page.locator('#status').innerText()).resolves.toContain('Killed by web-editor');
      await expect(page.locator('#no-kills').count()).resolves.toBe(0);
      await expect(page.locator('#kill-count').innerText()).resolves.toBe('1 kill in production.');
      await expect(page.locator('svg.chart line.marker-kill').count()).resolves.toBeGreaterThan(0);
      const meta = await page.locator('#flag-meta').innerText();
      expect(meta).toContain('control arm: control');
      expect(meta).not.toMatch(/control control/);
      expect(await pageText(page)).not.toMatch(/token:|#[0-9a-f]{8}\b/);
      await page.close();
    });

    it('shows the SRM result when it passes, and evidence without internal names', async () => {
      await waitForKill(KILLED_FLAG);
      const page = await openAs(secrets.viewer, `/experiments/${KILLED_FLAG}`);
      const srm = page.locator('#srm-result');
      await expect(srm.getAttribute('data-srm')).resolves.toBe('passed');
      await expect(srm.innerText()).resolves.toMatch(/SRM check passed: control \d/);
      const text = await pageText(page);
      for (const internal of ['asymptotic-confidence-sequence', 'no_traffic', 'lower_is_better'])
        expect(text).not.toContain(internal);
      expect(text).toMatch(/error rate is \d+(\.\d)?× control's/);
      await page.close();
    });

    it('draws each arm over time and no interval band the API did not serve', async () => {
      const page = await openAs(secrets.viewer, `/experiments/${ALERT_FLAG}`);
      for (const series of ['error_rate-value', 'latency_mean-value', 'exposures']) {
        const chart = page.locator(`figure[data-series="${series}"] svg.chart`);
        await expect(chart.locator('path.line').count(), series).resolves.toBe(2);
        await expect(chart.locator('.band').count(), series).resolves.toBe(0);
      }
      await page.close();
    });

    it('leaves single-value dimensions out of the breakdown and keeps the API ranking', async () => {
      const results = await callApi<
        Results & { breakdowns: { dimension: string; segment: string }[] }
      >('GET', `/api/v1/experiments/${ALERT_FLAG}/results?environment=production`, secrets.viewer);
      const page = await openAs(secrets.viewer, `/experiments/${ALERT_FLAG}`);
      const shown = await page.evaluate<(string | null)[]>(
        `[...document.querySelectorAll('table.breakdown tbody tr')].map((r) => r.getAttribute('data-segment'))`,
      );
      expect(shown).toEqual(
        results.breakdowns.slice(0, shown.length).map((b) => `${b.dimension}=${b.segment}`),
      );
      expect(shown.some((s) => s?.startsWith('region='))).toBe(false);
      expect(shown.some((s) => s?.startsWith('service_version='))).toBe(false);
      await page.close();
    });
  },
);
