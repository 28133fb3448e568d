// Time series: the cumulative relative lift of each metric the API serves a series for, with the
// per-point always-valid interval the API computes; exposures per arm; and the flag's kills,
// restores and ramps marked on every chart.
import { drawTimeChart } from './charts.js';
import { h, section } from './dom.js';
import { formatCount, formatInterval, formatSignedPercent, isNumber } from './format.js';
import { describeMetric, formatValue, isNonNegative, listMetrics } from './metrics.js';

/**
 * @typedef {import('./page-types').ResultsResponse} ResultsResponse
 * @typedef {import('./page-types').HistoryEntry} HistoryEntry
 * @typedef {import('./charts.js').Marker} Marker
 */

/** History actions worth a marker, and their short label. */
const MARKED = /** @type {Record<string, string>} */ ({
  kill: 'kill',
  restore: 'restore',
  update: 'change',
});

/** The history actor of a staged ramp's steps (the guardian's ramp controller). */
const RAMP_ACTOR = 'ramp';

/** Kill, restore, ramp and other change events of this environment, as chart markers. */
export function listMarkers(
  /** @type {HistoryEntry[]} */ entries,
  /** @type {string} */ environment,
) {
  return entries
    .filter((e) => MARKED[e.action] !== undefined && (e.environment ?? environment) === environment)
    .map((e) => {
      const kind = e.action === 'update' && e.actor === RAMP_ACTOR ? 'ramp' : e.action;
      return /** @type {Marker} */ ({
        x: Date.parse(e.createdAt),
        label: kind === 'ramp' ? 'ramp' : (MARKED[e.action] ?? e.action),
        kind,
      });
    });
}

/**
 * The metric keys some point carries a lift for (`conversion:<event>` per event), in the results'
 * metric order; keys the results do not list go last.
 */
function seriesMetrics(/** @type {ResultsResponse} */ results) {
  const points = Object.values(results.timeseries.variants).flat();
  const keys = new Set(points.flatMap((p) => Object.keys(p.lifts ?? {})));
  const order = listMetrics(results).map((m) => m.key);
  const rank = (/** @type {string} */ key) =>
    order.includes(key) ? order.indexOf(key) : order.length;
  return [...keys].sort((a, b) => rank(a) - rank(b));
}

/**
 * The metrics no point of the series compares yet (no data in an arm, too few units): said in
 * words, since drawing an approximated band would read as exact.
 */
function noSeriesNote(/** @type {ResultsResponse} */ results, /** @type {string[]} */ drawn) {
  const missing = listMetrics(results).filter((m) => !drawn.includes(m.key));
  if (missing.length === 0) return null;
  const names = missing.map((m) => m.name).join(', ');
  return h(
    'p',
    {
      id: 'no-series',
      class: 'muted small',
      dataset: { metrics: missing.map((m) => m.key).join(' ') },
    },
    `Not drawn over time: ${names}. No point of the series compares ${missing.length === 1 ? 'it' : 'them'} yet (no data in an arm, or too few units); the scorecard says why.`,
  );
}

/** The band stops at ±300 %, or twice the largest estimate: early points, with few units, are far wider. */
const BAND_CAP = 3;

/** One treatment's relative lift points: the estimate and the API's interval, cut at `floor`. */
function liftPoints(
  /** @type {{ results: ResultsResponse, variant: string, id: string, floor: number }} */ input,
) {
  return (input.results.timeseries.variants[input.variant] ?? []).flatMap((p) => {
    const lift = p.lifts?.[input.id];
    // Relative points only: an absolute one (control had no errors yet) is on another scale.
    if (lift?.scale !== 'relative' || !isNumber(lift.estimate)) return [];
    const [lower, upper] = lift.interval;
    return [
      {
        x: Date.parse(p.time),
        y: lift.estimate,
        lower: isNumber(lower) ? Math.max(lower, input.floor) : null,
        upper: isNumber(upper) ? upper : null,
      },
    ];
  });
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
  const raw = results.variants
    .filter((v) => !v.isControl)
    .map((v) => ({
      name: v.variant,
      points: liftPoints({ results, variant: v.variant, id, floor }),
    }));
  const cap = Math.max(BAND_CAP, ...raw.flatMap((s) => s.points.map((p) => 2 * Math.abs(p.y))));
  const clamp = (/** @type {number | null} */ v) =>
    isNumber(v) ? Math.max(-cap, Math.min(cap, v)) : null;
  const cut = raw.some((s) =>
    s.points.some((p) => clamp(p.upper) !== p.upper || clamp(p.lower) !== p.lower),
  );
  const series = raw.map((s) => ({
    name: s.name,
    points: s.points.map((p) => ({ ...p, lower: clamp(p.lower), upper: clamp(p.upper) })),
  }));
  const points = results.timeseries.variants[results.control]?.length ?? 0;
  const served = Math.max(0, ...raw.map((s) => s.points.length));
  // Quantiles are served at a few checkpoints, not at every bucket: the caption says so.
  const sparse = served > 0 && served < points;
  const percent = (/** @type {number | null | undefined} */ v) => formatSignedPercent(v);
  const latest = raw
    .map(({ name, points }) => ({ name, p: points.at(-1) }))
    .map(
      ({ name, p }) => `${name}: ${percent(p?.y)} ${formatInterval([p?.lower, p?.upper], percent)}`,
    )
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
      `${metric.name}: cumulative relative lift vs ${results.control}; band = the always-valid interval the API computes at each point${sparse ? ` (${formatCount(served)} checkpoints, not every bucket)` : ''}${floor === -1 ? ' (cut at −100%: the metric cannot be negative, so it cannot fall further)' : ''}${cut ? `; drawn up to ±${formatCount(Math.round(cap * 100))}%, wider early intervals are cut` : ''}.`,
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

/**
 * The time-series card: one lift chart per metric with per-point intervals, values per arm,
 * exposures, and which metrics have no per-point interval.
 */
export function renderSeries(
  /** @type {ResultsResponse} */ results,
  /** @type {{ history: HistoryEntry[], environment: string }} */ { history, environment },
) {
  const markers = listMarkers(history, environment);
  const drawn = seriesMetrics(results);
  return section(
    'Over time',
    'series-title',
    h(
      'div',
      { class: 'charts' },
      drawn.map((id) => liftFigure({ results, id, markers })),
      /** @type {(keyof typeof VALUE_FIELDS)[]} */ (Object.keys(VALUE_FIELDS))
        .filter((key) => listMetrics(results).some((m) => m.key === key))
        .map((key) => valueFigure({ results, key, markers })),
      exposureFigure({ results, markers }),
    ),
    noSeriesNote(results, drawn),
    markers.length > 0
      ? h(
          'p',
          { class: 'muted small' },
          'Vertical lines: flag changes in this environment (kill, restore, ramp or other change).',
        )
      : null,
  );
}
