// Catalog metrics an experiment names (goal, secondary, guardrail) on the results page, on a
// phone and a desktop: each gets its scorecard row and its lift chart like a built-in one.
import { describe, expect, it } from 'vitest';
import { createRng, type SpanRow } from '../dashboards/demo-telemetry.js';
import {
  makeApiErrorsMetric,
  makeRevenueMetric,
} from '../../services/analysis/test/metrics/metric-fixtures.js';
import {
  callApi,
  createFlag,
  hasChromium,
  axeViolations,
  openAs,
  parseShown,
  secrets,
  sendTelemetry,
  useResultsFixture,
  type Results,
} from './results-fixture.js';
import { listServedIntervals, readBand, type SeriesPoint } from './read-band.js';

const CATALOG_FLAG = 'payment-page';
/**
 * Revenue per user (a mean): treatment pays 20 % more, so better for a higher-is-better metric;
 * with CUPED (no payment before exposure here: the covariate is 0, nothing gained).
 */
const REVENUE = makeRevenueMetric({ cuped: true });
/** Failed payments ÷ payments (a ratio): treatment fails 4× as often, worse for lower-is-better. */
const FAILED_PAYMENTS = makeApiErrorsMetric({
  id: 'failed_payments',
  name: 'Failed payments',
  owner: 'payments',
  filters: { spanName: 'POST /pay' },
});
const EXPECTED_VERDICT: Record<string, string> = { revenue: 'better', failed_payments: 'worse' };

/** One payment per unit, on the unit's first checkout request: amount ~40 EUR (×1.2 treatment). */
function addPayments(spans: SpanRow[]): SpanRow[] {
  const rng = createRng(21);
  const seen = new Set<string>();
  return spans.flatMap((span) => {
    const unit = span.SpanAttributes['tripwire.unit.id'];
    if (span.SpanName !== 'GET /checkout' || unit === undefined || seen.has(unit)) return [];
    seen.add(unit);
    const treatment = span.SpanAttributes[`tripwire.variant.${CATALOG_FLAG}`] === 'treatment';
    const failed = rng() < (treatment ? 0.4 : 0.1);
    const amount = (35 + 10 * rng()) * (treatment ? 1.2 : 1);
    return [
      {
        ...span,
        SpanId: `${span.SpanId.slice(0, 15)}f`,
        SpanName: 'POST /pay',
        SpanKind: 'Internal',
        SpanAttributes: { ...span.SpanAttributes, 'payment.amount': amount.toFixed(2) },
        StatusCode: failed ? 'Error' : 'Unset',
      },
    ];
  });
}

useResultsFixture(async () => {
  for (const metric of [REVENUE, FAILED_PAYMENTS]) {
    await callApi('POST', '/api/v1/metrics', secrets.editor, { metric, reason: 'payment page' });
  }
  await createFlag(CATALOG_FLAG, 'alert', {
    metrics: { goal: 'revenue', secondary: ['failed_payments'] },
  });
  await sendTelemetry(CATALOG_FLAG, new Date(Date.now() + 31 * 60_000), {
    units: 1200,
    treatmentErrorRate: 0.05,
    seed: 14,
    addSpans: addPayments,
  });
});

describe.skipIf(!hasChromium && !process.env.CI)(
  `catalog metrics on the results page${hasChromium ? '' : ' (skipped: /usr/bin/chromium is not installed)'}`,
  { timeout: 30_000 },
  () => {
    it.each([
      { width: 1280, height: 900 },
      { width: 390, height: 844 },
    ])(
      'gives each catalog metric a scorecard row (both values, a lift bar coloured by its direction, a badge) and a lift chart whose band is the API per-point interval ($width px)',
      async (viewport) => {
        const path = `/api/v1/experiments/${CATALOG_FLAG}/results?environment=production`;
        type Served = Results & {
          metrics: { key: string; id: string; nonNegative?: boolean }[];
          timeseries: { variants: Record<string, SeriesPoint[]> };
        };
        const results = await callApi<Served>('GET', path, secrets.viewer);
        const catalog = results.metrics.filter((m) => m.id in EXPECTED_VERDICT);
        expect(catalog.map((m) => m.id)).toEqual(['revenue', 'failed_payments']);
        const cupedOf = (id: string) =>
          (catalog.find((m) => m.id === id) as { cuped?: unknown })?.cuped;
        expect(cupedOf('revenue')).toEqual({ applied: true, lookbackDays: 14 });
        expect(cupedOf('failed_payments')).toBeUndefined();
        const page = await openAs(
          secrets.viewer,
          `/experiments/${CATALOG_FLAG}?environment=production`,
          viewport,
        );
        for (const { key, id } of catalog) {
          const row = page.locator(`tr[data-metric="${key}"][data-variant="treatment"]`);
          await expect(row.count(), key).resolves.toBe(1);
          for (const arm of results.variants) {
            const served = arm.metrics.find((m) => m.key === key)?.value;
            const cell = row.locator(
              `td[data-arm="${arm.isControl ? 'control' : 'treatment'}"] .value`,
            );
            const shown = parseShown((await cell.textContent()) ?? '');
            expect(Math.abs(shown - served!), `${key} ${arm.variant}`).toBeLessThan(
              Math.abs(served!) * 0.001 + 1e-4,
            );
          }
          const verdict = EXPECTED_VERDICT[id];
          await expect(row.locator(`td.lift.verdict-${verdict}`).count(), key).resolves.toBe(1);
          await expect(
            row.locator(`svg.lift-bar.verdict-${verdict} rect.interval`).count(),
            key,
          ).resolves.toBe(1);
          const badge = row.locator(`.verdict.badge[data-verdict="${verdict}"]`);
          await expect(badge.textContent(), key).resolves.toMatch(/significant/i);
          // The CUPED line for the metric that asks for it, with the API's variance reduction.
          const treatment = results.variants.find((v) => !v.isControl);
          const cuped = treatment?.metrics.find((m) => m.key === key)?.comparison?.cuped;
          const line = row.locator('td.lift .cuped');
          await expect(line.count(), key).resolves.toBe(cuped === undefined ? 0 : 1);
          if (cuped !== undefined) {
            const reduction = `variance −${((cuped.varianceReduction ?? 0) * 100).toFixed(0)}%`;
            await expect(line.textContent(), key).resolves.toContain(reduction);
          }
        }
        // Each catalog metric's lift chart: its band is the API's per-point always-valid interval.
        for (const { key, nonNegative } of catalog) {
          const served = listServedIntervals(results.timeseries.variants.treatment ?? [], key);
          expect(served.length, key).toBeGreaterThan(3);
          const band = await readBand(page, `figure[data-series="${key}"] svg.chart`);
          expect(band.upper.length, key).toBe(served.length);
          const [top, bottom] = [Math.max(...band.upper), Math.min(...band.lower)];
          // The floor: −100 % for a ratio of counts; none for revenue (an attribute's values).
          const floor = nonNegative === true ? -1 : -Infinity;
          served.forEach(({ lower, upper }, i) => {
            const drawn = { upper: band.upper[i]!, lower: band.lower[i]! };
            const near = (a: number, b: number) => Math.abs(a - b) <= band.tolerance;
            expect(near(drawn.upper, Math.min(upper, top)), `${key} upper ${i}`).toBe(true);
            expect(near(drawn.lower, Math.max(lower, floor, bottom)), `${key} lower ${i}`).toBe(
              true,
            );
          });
          // Not the last value repeated: the intervals narrow as units arrive.
          const widths = served.map((p) => p.upper - p.lower);
          expect(widths.at(-1)!, key).toBeLessThan(widths[0]! / 2);
        }
        expect(catalog.map((m) => m.nonNegative)).toEqual([false, true]);
        // Every metric now has its series: no "not drawn over time" line.
        await expect(page.locator('#no-series').count()).resolves.toBe(0);
        expect(await axeViolations(page)).toEqual([]);
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - window.innerWidth',
        );
        expect(overflow).toBeLessThanOrEqual(0);
        await page.close();
      },
    );
  },
);
