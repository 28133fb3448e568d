// Latency distribution: every millisecond metric (mean, quantiles, …) per variant with its 95%
// interval, on one axis. We know latency quantiles per arm; this is where they show.
import { drawQuantileChart } from './charts.js';
import { h, section } from './dom.js';
import { formatMs, isNumber } from './format.js';
import { findResult, listMetrics } from './metrics.js';

/** @typedef {import('./page-types').ResultsResponse} ResultsResponse */

/** z of a two-sided 95% interval (the arm's standard error comes from the API). */
const Z95 = 1.959963984540054;

/** The latency card, or nothing when the experiment has no millisecond metric. */
export function renderLatency(/** @type {ResultsResponse} */ results) {
  const metrics = listMetrics(results).filter((m) => m.unit === 'ms');
  if (metrics.length === 0) return null;
  const z = Z95;
  const variants = results.variants.map((v) => ({
    name: v.variant,
    quantiles: metrics.map((metric) => {
      const m = findResult(v, metric);
      const value = m?.value;
      const se = m?.standardError;
      const ok = isNumber(value) && isNumber(se);
      return {
        label: metric.name.replace(/ latency$/i, ''),
        value: isNumber(value) ? value : NaN,
        lower: ok ? value - z * se : NaN,
        upper: ok ? value + z * se : NaN,
      };
    }),
  }));
  const text = variants
    .map(
      (v) => `${v.name}: ${v.quantiles.map((q) => `${q.label} ${formatMs(q.value)}`).join(', ')}`,
    )
    .join('; ');
  return section(
    'Latency distribution',
    'latency-title',
    h(
      'figure',
      { class: 'chart-figure' },
      drawQuantileChart({
        title: 'Latency per variant',
        description: text,
        variants,
        formatX: (v) => `${v} ms`,
      }),
      h(
        'figcaption',
        {},
        `${metrics.map((m) => m.name).join(', ')} per variant with 95% intervals.`,
      ),
    ),
  );
}
