// Time series: the cumulative relative lift of each metric the API serves a series for, with the
// per-point always-valid interval the API computes; exposures per arm; and the flag's kills,
// restores and ramps marked on every chart.
import { drawTimeChart } from './charts.js';
import { h, section } from './dom.js';
import { formatCount, formatSignedPercent, isNumber } from './format.js';
import { describeMetric, formatValue, isNonNegative, listMetrics } from './metrics.js';

/**
 * @typedef {import('./page-types').ResultsResponse} ResultsResponse
 * @typedef {import('./page-types').HistoryEntry} HistoryEntry
 * @typedef {import('./charts.js').Marker} Marker
 * @typedef {{ estimate: number | null, interval: (number | null)[] }} PointLift
 * @typedef {{ time: string, units: number, lifts?: Record<string, PointLift> }} SeriesPoint
 */

/** History actions worth a marker, and their short label. */
const MARKED = /** @type {Record<string, string>} */ ({
  kill: 'kill',
  restore: 'restore',
  update: 'change',
  ramp: 'ramp',
});

/** Kill, restore and ramp/change events of this environment, as chart markers. */
export function listMarkers(
  /** @type {HistoryEntry[]} */ entries,
  /** @type {string} */ environment,
) {
  return entries
    .filter((e) => MARKED[e.action] !== undefined && (e.environment ?? environment) === environment)
    .map(
      (e) =>
        /** @type {Marker} */ ({
          x: Date.parse(e.createdAt),
          label: MARKED[e.action] ?? e.action,
          kind: e.action,
        }),
    );
}

/** The metric ids some point carries a lift for, in the results' metric order. */
function seriesMetrics(/** @type {ResultsResponse} */ results) {
  const points = /** @type {SeriesPoint[]} */ (Object.values(results.timeseries.variants).flat());
  const ids = new Set(points.flatMap((p) => Object.keys(p.lifts ?? {})));
  const order = listMetrics(results).map((m) => m.id);
  return [...ids].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

function liftFigure(
  /** @type {{ results: ResultsResponse, id: string, markers: Marker[] }} */ {
    results,
    id,
    markers,
  },
) {
  const metric = describeMetric(id, listMetrics(results));
  const floor = isNonNegative(metric) ? -1 : -Infinity;
  const series = results.variants
    .filter((v) => !v.isControl)
    .map((v) => ({
      name: v.variant,
      points: /** @type {SeriesPoint[]} */ (results.timeseries.variants[v.variant] ?? []).flatMap(
        (p) => {
          const lift = p.lifts?.[id];
          if (lift === undefined || !isNumber(lift.estimate)) return [];
          const [lower, upper] = lift.interval;
          return [
            {
              x: Date.parse(p.time),
              y: lift.estimate,
              lower: isNumber(lower) ? Math.max(lower, floor) : null,
              upper: isNumber(upper) ? upper : null,
            },
          ];
        },
      ),
    }));
  const latest = series
    .map((s) => `${s.name}: ${formatSignedPercent(s.points.at(-1)?.y)}`)
    .join('; ');
  return h(
    'figure',
    { class: 'chart-figure', dataset: { series: id } },
    drawTimeChart({
      title: `Cumulative lift in ${metric.name.toLowerCase()}`,
      description: `Treatment vs ${results.control}, cumulative, with always-valid intervals. Latest: ${latest || 'no data'}.`,
      series,
      markers,
      formatY: (v) => formatSignedPercent(v, 0),
    }),
    h(
      'figcaption',
      {},
      `${metric.name}: cumulative relative lift vs ${results.control}; band = the always-valid interval at each point${floor === -1 ? ' (cut at −100%: a rate cannot fall further)' : ''}.`,
    ),
  );
}

function exposureFigure(
  /** @type {{ results: ResultsResponse, markers: Marker[] }} */ { results, markers },
) {
  const series = results.variants.map((v) => ({
    name: v.variant,
    points: (results.timeseries.variants[v.variant] ?? []).map((p) => ({
      x: Date.parse(p.time),
      y: p.units,
    })),
  }));
  const latest = series.map((s) => `${s.name} ${formatCount(s.points.at(-1)?.y)}`).join(', ');
  return h(
    'figure',
    { class: 'chart-figure', dataset: { series: 'exposures' } },
    drawTimeChart({
      title: 'Units exposed per arm',
      description: `Cumulative units by first exposure. Latest: ${latest || 'no data'}.`,
      series,
      markers,
      formatY: (v) => formatCount(v),
    }),
    h(
      'figcaption',
      {},
      `Cumulative units exposed: ${series.map((s, i) => `${s.name} (line ${i + 1})`).join(', ')}.`,
    ),
  );
}

/**
 * Cumulative values per arm the API's series carries (no intervals: those come with `lifts`),
 * by the metric key each field measures.
 */
const VALUE_FIELDS = /** @type {const} */ ({
  error_rate: 'errorRate',
  latency_mean: 'latencyMeanMs',
});

function valueFigure(
  /** @type {{ results: ResultsResponse, key: keyof typeof VALUE_FIELDS, markers: Marker[] }} */ input,
) {
  const { results, key, markers } = input;
  const metric = describeMetric(key, listMetrics(results));
  const field = VALUE_FIELDS[key];
  const series = results.variants.map((v) => ({
    name: v.variant,
    points: (results.timeseries.variants[v.variant] ?? []).map((p) => ({
      x: Date.parse(p.time),
      y: p[field],
    })),
  }));
  const latest = series.map((s) => `${s.name} ${formatValue(metric, s.points.at(-1)?.y)}`);
  return h(
    'figure',
    { class: 'chart-figure', dataset: { series: `${key}-value` } },
    drawTimeChart({
      title: `${metric.name} per arm, cumulative`,
      description: `Cumulative ${metric.name.toLowerCase()} of every arm. Latest: ${latest.join(', ') || 'no data'}.`,
      series,
      markers,
      formatY: (v) => formatValue(metric, v),
    }),
    h(
      'figcaption',
      {},
      `${metric.name} per arm so far: ${series.map((s, i) => `${s.name} (line ${i + 1})`).join(', ')}. Whether the difference is real is the scorecard's interval.`,
    ),
  );
}

/** The time-series card: one lift chart per metric with per-point intervals, values per arm, exposures. */
export function renderSeries(
  /** @type {ResultsResponse} */ results,
  /** @type {{ history: HistoryEntry[], environment: string }} */ { history, environment },
) {
  const markers = listMarkers(history, environment);
  return section(
    'Over time',
    'series-title',
    h(
      'div',
      { class: 'charts' },
      seriesMetrics(results).map((id) => liftFigure({ results, id, markers })),
      /** @type {(keyof typeof VALUE_FIELDS)[]} */ (Object.keys(VALUE_FIELDS))
        .filter((key) => listMetrics(results).some((m) => m.key === key))
        .map((key) => valueFigure({ results, key, markers })),
      exposureFigure({ results, markers }),
    ),
    markers.length > 0
      ? h(
          'p',
          { class: 'muted small' },
          'Vertical lines: flag changes in this environment (kill, restore, ramp or other change).',
        )
      : null,
  );
}
