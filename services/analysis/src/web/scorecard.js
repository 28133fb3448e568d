// The scorecard: one row per metric × treatment with each arm's value, the relative lift with its
// always-valid interval drawn on one axis shared by every row (so sizes compare at a glance),
// coloured by whether the change is good or bad for that metric, and the sequential decision.
import { drawLiftAxis, drawLiftBar } from './charts.js';
import { h, term } from './dom.js';
import {
  DASH,
  formatCount,
  formatInterval,
  formatPValue,
  formatSignedPercent,
  isNumber,
} from './format.js';
import {
  findResult,
  formatDifference,
  formatValue,
  isNonNegative,
  judgeLift,
  listMetrics,
} from './metrics.js';

/**
 * @typedef {import('./page-types').ResultsResponse} ResultsResponse
 * @typedef {import('./page-types').VariantResult} VariantResult
 * @typedef {import('./page-types').Comparison} Comparison
 * @typedef {import('./metrics.js').MetricDefinition} MetricDefinition
 */

/** Widest extent of the shared axis (±300 %); longer intervals end in an arrow. */
const AXIS_CAP = 3;

const VERDICTS = {
  worse: 'significant: worse',
  better: 'significant: better',
  none: 'not significant',
};

/** The interval a bar shows: relative when there is one; a relative change cannot pass −100 %. */
function shownInterval(/** @type {MetricDefinition} */ metric, /** @type {Comparison} */ c) {
  const lift = c.relative ?? c.absolute;
  const [lower = null, upper = null] = lift.alwaysValidInterval;
  const floor = c.relative !== undefined && isNonNegative(metric) ? -1 : -Infinity;
  return {
    relative: c.relative !== undefined,
    estimate: lift.estimate,
    lower: isNumber(lower) ? Math.max(lower, floor) : null,
    upper,
    clipped: isNumber(lower) && lower < floor,
  };
}

/** The shared axis: symmetric around zero, wide enough for every relative interval (capped). */
function axisExtent(/** @type {ReturnType<typeof shownInterval>[]} */ intervals) {
  const ends = intervals
    .filter((i) => i.relative)
    .flatMap((i) => [i.lower, i.upper, i.estimate])
    .filter(isNumber)
    .map(Math.abs);
  return Math.min(AXIS_CAP, Math.max(0.05, ...ends) * 1.05);
}

/** The lift cell: estimate, interval as text, the bar, the verdict with an arrow for the sign. */
function liftCell(
  /** @type {MetricDefinition} */ metric,
  /** @type {Comparison} */ comparison,
  /** @type {number} */ extent,
  /** @type {string | undefined} */ note,
) {
  const shown = shownInterval(metric, comparison);
  // Judged on the interval the row shows (relative when there is one), like the decision.
  const verdict = judgeLift(metric, comparison.relative ?? comparison.absolute);
  const fmt = shown.relative
    ? (/** @type {number} */ v) => formatSignedPercent(v)
    : (/** @type {number} */ v) => formatDifference(metric, v);
  const estimate = shown.estimate;
  const arrow = !isNumber(estimate) || estimate === 0 ? '' : estimate > 0 ? '▲ ' : '▼ ';
  return h(
    'td',
    { class: `lift verdict-${verdict}`, dataset: { label: 'Lift' } },
    h('span', { class: 'lift-estimate' }, arrow, isNumber(estimate) ? fmt(estimate) : DASH),
    ' ',
    h(
      'span',
      { class: 'lift-interval' },
      formatInterval([shown.clipped ? -1 : shown.lower, shown.upper], fmt),
      shown.clipped ? ' (cut at −100%)' : '',
    ),
    shown.relative
      ? drawLiftBar({ ...shown, extent, verdict })
      : h('span', { class: 'muted small' }, ' absolute (control is 0)'),
    h('span', { class: 'verdict badge', dataset: { verdict } }, VERDICTS[verdict]),
    cupedLine(metric, comparison),
    // Why the test declined (an arm with zero variance) or CUPED is missing.
    note === undefined ? null : h('div', { class: 'small muted metric-error' }, note),
  );
}

/** The CUPED-adjusted lift (same scale and interval kind as the row) and its variance reduction. */
function cupedLine(/** @type {MetricDefinition} */ metric, /** @type {Comparison} */ comparison) {
  const cuped = comparison.cuped;
  if (cuped === undefined) return null;
  const shown = shownInterval(metric, { ...comparison, ...cuped });
  const fmt = shown.relative
    ? (/** @type {number} */ v) => formatSignedPercent(v)
    : (/** @type {number} */ v) => formatDifference(metric, v);
  const reduction = isNumber(cuped.varianceReduction)
    ? ` · variance −${(cuped.varianceReduction * 100).toFixed(0)}%`
    : '';
  return h(
    'div',
    { class: 'small muted cuped' },
    term('CUPED'),
    `: ${isNumber(shown.estimate) ? fmt(shown.estimate) : DASH} `,
    formatInterval([shown.lower, shown.upper], fmt),
    reduction,
  );
}

/** "Decided" or "Keep running: ~1,200 more units (MDE ±8.1%)". */
function decisionCell(/** @type {MetricDefinition} */ metric, /** @type {Comparison} */ c) {
  const s = c.sequential;
  if (s === undefined) return h('td', { class: 'decision', dataset: { label: 'Decision' } }, DASH);
  const fmt = (/** @type {number | null} */ v) =>
    !isNumber(v)
      ? DASH
      : s.scale === 'relative'
        ? `±${formatSignedPercent(v).slice(1)}`
        : formatDifference(metric, v);
  const more =
    s.state === 'decided'
      ? null
      : s.additionalUnits === null
        ? 'no difference to detect yet'
        : `about ${formatCount(s.additionalUnits)} more units to detect this lift`;
  return h(
    'td',
    { class: `decision decision-${s.state}`, dataset: { label: 'Decision', decision: s.state } },
    h('strong', {}, s.state === 'decided' ? 'Decided' : 'Keep running'),
    more ? h('div', { class: 'small' }, more) : null,
    h(
      'div',
      { class: 'small muted' },
      term('MDE'),
      ` ${fmt(s.minimumDetectableEffect)} at ${Math.round(s.power * 100)}% power`,
    ),
  );
}

function metricRow(
  /** @type {{ metric: MetricDefinition, control: VariantResult, variant: VariantResult, extent: number }} */ input,
) {
  const { metric, control, variant, extent } = input;
  const mine = findResult(variant, metric);
  const base = findResult(control, metric);
  const comparison = mine?.comparison;
  return h(
    'tr',
    { dataset: { metric: metric.key, variant: variant.variant } },
    h('th', { scope: 'row', class: 'metric-name' }, metric.name),
    h(
      'td',
      { class: 'num', dataset: { label: control.variant, arm: 'control' } },
      h('span', { class: 'value' }, formatValue(metric, base?.value)),
      h('span', { class: 'small muted' }, `${formatCount(base?.units)} units`),
    ),
    h(
      'td',
      { class: 'num', dataset: { label: variant.variant, arm: 'treatment' } },
      h('span', { class: 'value' }, formatValue(metric, mine?.value)),
      h('span', { class: 'small muted' }, `${formatCount(mine?.units)} units`),
    ),
    comparison
      ? liftCell(metric, comparison, extent, mine?.error?.message)
      : h(
          'td',
          { class: 'lift', dataset: { label: 'Lift' } },
          h('span', { class: 'muted metric-error' }, mine?.error?.message ?? 'not enough data'),
        ),
    comparison
      ? decisionCell(metric, comparison)
      : h('td', { class: 'decision', dataset: { label: 'Decision' } }, DASH),
  );
}

/** Per-variant units and the scorecard table (one per treatment when there are several). */
export function renderScorecard(/** @type {ResultsResponse} */ results) {
  const metrics = listMetrics(results);
  const control = results.variants.find((v) => v.isControl);
  if (control === undefined) return h('p', { class: 'empty' }, 'No control variant.');
  const treatments = results.variants.filter((v) => !v.isControl);
  const intervals = treatments.flatMap((variant) =>
    metrics.flatMap((metric) => {
      const c = findResult(variant, metric)?.comparison;
      return c === undefined ? [] : [shownInterval(metric, c)];
    }),
  );
  const extent = axisExtent(intervals);
  const level = Math.round((1 - results.alpha) * 100);
  return treatments.map((variant) =>
    h(
      'div',
      {
        class: 'table-scroll',
        tabindex: '0',
        role: 'region',
        'aria-label': `Scorecard: ${variant.variant} vs ${control.variant}`,
      },
      h(
        'table',
        { class: 'scorecard', dataset: { variant: variant.variant } },
        h(
          'caption',
          {},
          `${variant.variant} vs ${control.variant}: `,
          term('lift'),
          ' with its ',
          level,
          '% ',
          term('always-valid interval'),
          ' (safe to check at any time), red when the change is bad for the metric, green when good.',
        ),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Metric'),
            h(
              'th',
              { scope: 'col', class: 'num' },
              control.variant,
              h('span', { class: 'tag' }, 'control'),
            ),
            h('th', { scope: 'col', class: 'num' }, variant.variant),
            h('th', { scope: 'col', class: 'lift-head' }, 'Lift', drawLiftAxis({ extent })),
            h('th', { scope: 'col' }, 'Decision'),
          ),
        ),
        h(
          'tbody',
          {},
          metrics.map((metric) => metricRow({ metric, control, variant, extent })),
        ),
      ),
    ),
  );
}

/** Every number behind the scorecard: absolute differences, both kinds of interval and p. */
export function renderComparisonDetails(/** @type {ResultsResponse} */ results) {
  const metrics = listMetrics(results);
  const rows = results.variants
    .filter((v) => !v.isControl)
    .flatMap((variant) =>
      metrics.flatMap((metric) => {
        const m = findResult(variant, metric);
        const abs = m?.comparison?.absolute;
        if (m === undefined || abs === undefined) return [];
        const fmt = (/** @type {number} */ v) => formatDifference(metric, v);
        return [
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, `${variant.variant} · ${metric.name}`),
            h('td', { class: 'num' }, fmt(abs.estimate ?? NaN)),
            h('td', { class: 'num' }, formatInterval(abs.interval, fmt)),
            h('td', { class: 'num' }, formatPValue(abs.pValue)),
            h('td', { class: 'num' }, formatInterval(abs.alwaysValidInterval, fmt)),
            h('td', { class: 'num' }, formatPValue(abs.alwaysValidPValue)),
            h('td', { class: 'num' }, formatCount(m.units)),
          ),
        ];
      }),
    );
  const columns = [
    'Comparison',
    'Difference',
    'Fixed-horizon CI',
    'p',
    'Always-valid CI',
    'Always-valid p',
    'Units',
  ];
  return h(
    'details',
    {},
    h('summary', {}, 'Absolute differences, fixed-horizon and always-valid tests'),
    h(
      'div',
      { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Comparison details' },
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows),
      ),
    ),
  );
}
