// A lift chart's band read back from the page, and the per-point intervals the API serves for it:
// the two sides the browser tests compare.
import type { Page } from 'playwright-core';
import { parseShown } from './results-fixture.js';

/**
 * The values a chart's band draws, read back through its y-axis ticks (value per pixel from the
 * two outermost labelled ticks): upper ends left to right, then lower ends left to right.
 */
export async function readBand(
  page: Page,
  chart: string,
): Promise<{ upper: number[]; lower: number[]; tolerance: number }> {
  type Drawn = { ticks: { y: number; label: string }[]; d: string };
  const drawn = await page.evaluate<Drawn>(`(() => {
    const svg = document.querySelector(${JSON.stringify(chart)});
    const ticks = [...svg.querySelectorAll('line.grid, line.zero')].map((line) => ({
      y: Number(line.getAttribute('y1')),
      label: line.nextElementSibling?.textContent ?? '',
    }));
    return { ticks, d: svg.querySelector('path.band')?.getAttribute('d') ?? '' };
  })()`);
  const [a, b] = [drawn.ticks[0]!, drawn.ticks.at(-1)!];
  const [va, vb] = [parseShown(a.label), parseShown(b.label)];
  const perPixel = (vb - va) / (b.y - a.y);
  const ys = [...drawn.d.matchAll(/[ML][\d.-]+,([\d.-]+)/g)].map((m) => Number(m[1]));
  const values = ys.map((y) => va + (y - a.y) * perPixel);
  const half = values.length / 2;
  return {
    upper: values.slice(0, half),
    lower: values.slice(half).reverse(),
    // Path coordinates are rounded to 0.1 px, tick labels to whole percents.
    tolerance: Math.abs(perPixel) + 0.01,
  };
}

export type SeriesPoint = {
  units: number;
  lifts?: Record<string, { scale: string; interval: (number | null)[] }>;
};

/** The relative intervals the API serves for one metric's points (the ones the page draws). */
export function listServedIntervals(
  points: SeriesPoint[],
  key: string,
): { lower: number; upper: number }[] {
  return points.flatMap((p) => {
    const lift = p.lifts?.[key];
    const [lower, upper] = lift?.interval ?? [];
    return lift?.scale === 'relative' && typeof lower === 'number' && typeof upper === 'number'
      ? [{ lower, upper }]
      : [];
  });
}
