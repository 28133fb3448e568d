// The breakdown: where a change is. The service leaves out single-segment dimensions and ranks
// rows by their share of the overall change, then by adjusted p; the page shows that order.
import { h, scrollTable, section, term } from './dom.js';
import { formatPValue, formatPercent, formatSignedPercent } from './format.js';
import { describeMetric, formatValue, listMetrics } from './metrics.js';

/** @typedef {import('./page-types').ResultsResponse} ResultsResponse */

/** Rows shown (the API lists every segment; the top of its ranking is what localises). */
const SHOWN = 20;

/** The breakdown card. */
export function renderBreakdown(/** @type {ResultsResponse} */ results) {
  const metrics = listMetrics(results);
  const rows = results.breakdowns.slice(0, SHOWN).map((b) => {
    const metric = describeMetric(b.metric, metrics);
    return h(
      'tr',
      {
        class: b.significant ? 'significant' : '',
        dataset: { segment: `${b.dimension}=${b.segment}`, metric: b.metric },
      },
      h('th', { scope: 'row' }, `${b.dimension.replace(/_/g, ' ')} = ${b.segment}`),
      h('td', {}, metric.name),
      h('td', {}, b.variant),
      h('td', { class: 'num' }, formatValue(metric, b.controlValue)),
      h('td', { class: 'num' }, formatValue(metric, b.treatmentValue)),
      h('td', { class: 'num' }, formatSignedPercent(b.relativeLift)),
      h('td', { class: 'num' }, formatPercent(b.trafficShare, 0)),
      h('td', { class: 'num' }, formatPercent(b.contributionShare, 0)),
      h('td', { class: 'num' }, formatPValue(b.adjustedPValue)),
      h('td', {}, b.significant ? 'significant' : 'not significant'),
    );
  });
  const columns = [
    'Segment',
    'Metric',
    'Variant',
    'Control',
    'Treatment',
    'Lift',
    'Traffic',
    'Share of change',
    'BH-adjusted p',
    'Verdict',
  ];
  return section(
    'Where: breakdown by service, span, region, version',
    'breakdown-title',
    rows.length === 0
      ? h(
          'p',
          { class: 'empty', id: 'breakdown-empty' },
          'No breakdown: every dimension seen has a single value (it would only repeat the overall result).',
        )
      : [
          h(
            'p',
            { class: 'muted small' },
            'Ranked by ',
            term('share of change'),
            ', then ',
            term('BH-adjusted p'),
            '. Dimensions with a single value are left out.',
          ),
          scrollTable('Breakdown', columns, rows, { class: 'breakdown' }),
        ],
  );
}
