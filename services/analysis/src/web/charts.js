// Charts as inline SVG drawn here (no chart library, no CDN). Colours come from CSS classes,
// so light and dark themes restyle them; every chart has a text alternative.

const SVG = 'http://www.w3.org/2000/svg';
let chartCount = 0;

/**
 * @typedef {{ x: number, y: number | null, lower?: number | null | undefined, upper?: number | null | undefined }} Point
 * @typedef {{ name: string, points: Point[] }} Series
 * @typedef {{ x: number, label: string, kind: string }} Marker
 */

/** @param {string} tag @param {Record<string, string | number>} [attributes] @param {string} [text] */
function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Rounds a span to 1, 2 or 5 × 10^k steps for axis ticks. */
function niceTicks(/** @type {number} */ min, /** @type {number} */ max, count = 5) {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** @param {number} width @param {number} height @param {string} title @param {string} description */
function frame(width, height, title, description) {
  const id = `chart-${++chartCount}`;
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-labelledby': `${id}-t ${id}-d`,
    class: 'chart',
  });
  root.append(svg('title', { id: `${id}-t` }, title), svg('desc', { id: `${id}-d` }, description));
  return root;
}

/** @param {number} domainMin @param {number} domainMax @param {number} rangeMin @param {number} rangeMax */
function scale(domainMin, domainMax, rangeMin, rangeMax) {
  const span = domainMax - domainMin || 1;
  return (/** @type {number} */ v) => rangeMin + ((v - domainMin) / span) * (rangeMax - rangeMin);
}

function pathOf(/** @type {[number, number][]} */ points) {
  return points
    .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`)
    .join('');
}

/**
 * A time-series chart: each series a line, optionally with a band (lower/upper) behind it, a
 * dashed zero line when the y range crosses zero, and vertical markers (kill, restore, ramp).
 * Points: { x: epoch ms, y, lower?, upper? }.
 * @param {{ title: string, description: string, series: Series[], formatY: (v: number) => string, markers?: Marker[], zero?: boolean, width?: number, height?: number }} options
 */
export function drawTimeChart({
  title,
  description,
  series,
  formatY,
  markers = [],
  zero = true,
  width = 720,
  height = 260,
}) {
  const root = frame(width, height, title, description);
  const margin = { left: 64, right: 16, top: 18, bottom: 28 };
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    root.append(
      svg(
        'text',
        { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'axis-label' },
        'No data yet',
      ),
    );
    return root;
  }
  const xs = [...all.map((p) => p.x), ...markers.map((m) => m.x)];
  const ys = /** @type {number[]} */ (
    all.flatMap((p) => [p.y, p.lower, p.upper]).filter((v) => Number.isFinite(v))
  );
  const base = zero ? [0] : [];
  let [yMin, yMax] = [Math.min(...base, ...ys), Math.max(...base, ...ys)];
  if (yMin === yMax) [yMin, yMax] = [yMin - 1, yMax + 1];
  const pad = (yMax - yMin) * 0.06;
  const x = scale(Math.min(...xs), Math.max(...xs), margin.left, width - margin.right);
  const y = scale(yMin - pad, yMax + pad, height - margin.bottom, margin.top);
  for (const tick of niceTicks(yMin, yMax)) {
    root.append(
      svg('line', {
        x1: margin.left,
        x2: width - margin.right,
        y1: y(tick),
        y2: y(tick),
        class: tick === 0 && zero ? 'zero' : 'grid',
      }),
      svg(
        'text',
        { x: margin.left - 6, y: y(tick) + 4, 'text-anchor': 'end', class: 'axis-label' },
        formatY(tick),
      ),
    );
  }
  const [first, last] = [Math.min(...xs), Math.max(...xs)];
  /** @type {[number, string][]} */
  const timeLabels =
    first === last
      ? [[first, 'middle']]
      : [
          [first, 'start'],
          [last, 'end'],
        ];
  for (const [at, anchor] of timeLabels) {
    const label = new Date(at).toISOString().slice(11, 16) + ' UTC';
    root.append(
      svg('text', { x: x(at), y: height - 8, 'text-anchor': anchor, class: 'axis-label' }, label),
    );
  }
  drawMarkers({ root, markers, x, top: margin.top, bottom: height - margin.bottom });
  series.forEach((s, index) => {
    const banded = /** @type {(Point & { lower: number, upper: number })[]} */ (
      s.points.filter((p) => Number.isFinite(p.lower) && Number.isFinite(p.upper))
    );
    if (banded.length > 1) {
      const upper = banded.map((p) => /** @type {[number, number]} */ ([x(p.x), y(p.upper)]));
      const lower = banded
        .map((p) => /** @type {[number, number]} */ ([x(p.x), y(p.lower)]))
        .reverse();
      root.append(
        svg('path', {
          d: `${pathOf(upper)}L${pathOf(lower).slice(1)}Z`,
          class: `band series-${index}`,
        }),
      );
    }
    const line = s.points
      .filter((p) => Number.isFinite(p.y))
      .map((p) => /** @type {[number, number]} */ ([x(p.x), y(Number(p.y))]));
    if (line.length > 1)
      root.append(svg('path', { d: pathOf(line), class: `line series-${index}`, fill: 'none' }));
    // One bucket so far: a dot with its interval instead of a line that cannot be drawn yet.
    const only = s.points.length === 1 ? s.points[0] : undefined;
    const [cx, cy] = line[0] ?? [0, 0];
    if (line.length === 1 && only !== undefined) {
      if (isFiniteNumber(only.lower) && isFiniteNumber(only.upper)) {
        root.append(
          svg('line', {
            x1: cx,
            x2: cx,
            y1: y(only.lower),
            y2: y(only.upper),
            class: `whisker series-${index}`,
          }),
        );
      }
      root.append(svg('circle', { cx, cy, r: 4, class: `dot series-${index}` }));
    }
  });
  return root;
}

/** @param {unknown} v @returns {v is number} */
const isFiniteNumber = (v) => typeof v === 'number' && Number.isFinite(v);

/** Vertical lines at flag changes (kill, restore, ramp), labelled with a short word. */
function drawMarkers(
  /** @type {{ root: SVGElement, markers: Marker[], x: (v: number) => number, top: number, bottom: number }} */ input,
) {
  for (const marker of input.markers) {
    const at = input.x(marker.x);
    input.root.append(
      svg('line', {
        x1: at,
        x2: at,
        y1: input.top,
        y2: input.bottom,
        class: `marker marker-${marker.kind}`,
      }),
      svg(
        'text',
        { x: at + 3, y: input.top - 5, class: `marker-label marker-${marker.kind}` },
        marker.label,
      ),
    );
  }
}

/**
 * Latency distribution per variant: for each variant a row of quantile markers (mean, p50,
 * p95, p99) with their confidence intervals, on one shared millisecond axis.
 * @param {{ title: string, description: string, variants: { name: string, quantiles: { label: string, value: number, lower: number, upper: number }[] }[], formatX: (v: number) => string, width?: number }} options
 */
export function drawQuantileChart({ title, description, variants, formatX, width = 720 }) {
  const rowHeight = 64;
  const margin = { left: 110, right: 24, top: 16, bottom: 30 };
  const height = margin.top + margin.bottom + rowHeight * variants.length;
  const root = frame(width, height, title, description);
  const values = variants
    .flatMap((v) => v.quantiles.flatMap((q) => [q.value, q.lower, q.upper]))
    .filter((v) => Number.isFinite(v));
  if (values.length === 0) {
    root.append(
      svg(
        'text',
        { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'axis-label' },
        'No latency data yet',
      ),
    );
    return root;
  }
  const max = Math.max(...values) * 1.05;
  const x = scale(0, max, margin.left, width - margin.right);
  for (const tick of niceTicks(0, max)) {
    root.append(
      svg('line', {
        x1: x(tick),
        x2: x(tick),
        y1: margin.top,
        y2: height - margin.bottom,
        class: 'grid',
      }),
      svg(
        'text',
        { x: x(tick), y: height - 10, 'text-anchor': 'middle', class: 'axis-label' },
        formatX(tick),
      ),
    );
  }
  variants.forEach((variant, row) => {
    const top = margin.top + row * rowHeight;
    root.append(
      svg(
        'text',
        {
          x: margin.left - 10,
          y: top + rowHeight / 2 + 4,
          'text-anchor': 'end',
          class: 'row-label',
        },
        variant.name,
      ),
    );
    variant.quantiles.forEach((q, i) => {
      if (!Number.isFinite(q.value)) return;
      const cy = top + 14 + i * 12;
      if (Number.isFinite(q.lower) && Number.isFinite(q.upper)) {
        root.append(
          svg('line', {
            x1: x(q.lower),
            x2: x(q.upper),
            y1: cy,
            y2: cy,
            class: `whisker series-${row}`,
          }),
        );
      }
      root.append(
        svg('circle', { cx: x(q.value), cy, r: 4, class: `dot series-${row}` }),
        svg('text', { x: x(q.value) + 8, y: cy + 4, class: 'point-label' }, q.label),
      );
    });
  });
  return root;
}

/**
 * One bar of a trace waterfall: where a span sits within the trace's duration.
 * @param {{ offsetMs: number, durationMs: number, totalMs: number, isError: boolean, width?: number }} options
 */
export function drawSpanBar({ offsetMs, durationMs, totalMs, isError, width = 240 }) {
  const root = svg('svg', {
    viewBox: `0 0 ${width} 12`,
    class: 'span-bar',
    'aria-hidden': 'true',
    focusable: 'false',
  });
  const x = scale(0, totalMs || 1, 0, width);
  root.append(
    svg('rect', {
      x: x(offsetMs),
      y: 2,
      width: Math.max(1, x(offsetMs + durationMs) - x(offsetMs)),
      height: 8,
      class: isError ? 'bar-error' : 'bar',
    }),
  );
  return root;
}

const LIFT_WIDTH = 200;

/** Shared scale of the scorecard's lift bars: [−extent, +extent] onto the bar's width. */
const liftScale = (/** @type {number} */ extent) => scale(-extent, extent, 4, LIFT_WIDTH - 4);

/**
 * A lift interval as a bar on the scorecard's shared axis around zero, with the estimate as a
 * tick; coloured by the verdict (worse / better / none). Ends past the axis get an arrow.
 * @param {{ estimate: number | null, lower: number | null, upper: number | null, extent: number, verdict: string }} options
 */
export function drawLiftBar({ estimate, lower, upper, extent, verdict }) {
  const root = svg('svg', {
    viewBox: `0 0 ${LIFT_WIDTH} 16`,
    class: `lift-bar verdict-${verdict}`,
    'aria-hidden': 'true',
    focusable: 'false',
  });
  const x = liftScale(extent);
  const clamp = (/** @type {number} */ v) => Math.max(-extent, Math.min(extent, v));
  root.append(svg('line', { x1: x(0), x2: x(0), y1: 0, y2: 16, class: 'zero' }));
  const from = isFiniteNumber(lower) ? clamp(lower) : -extent;
  const to = isFiniteNumber(upper) ? clamp(upper) : extent;
  root.append(
    svg('rect', {
      x: x(from),
      y: 4,
      width: Math.max(2, x(to) - x(from)),
      height: 8,
      rx: 2,
      class: 'interval',
    }),
  );
  if (!isFiniteNumber(upper) || upper > extent)
    root.append(
      svg('path', {
        d: `M${LIFT_WIDTH - 4},2L${LIFT_WIDTH},8L${LIFT_WIDTH - 4},14Z`,
        class: 'interval',
      }),
    );
  if (!isFiniteNumber(lower) || lower < -extent)
    root.append(svg('path', { d: 'M4,2L0,8L4,14Z', class: 'interval' }));
  if (isFiniteNumber(estimate))
    root.append(
      svg('line', {
        x1: x(clamp(estimate)),
        x2: x(clamp(estimate)),
        y1: 1,
        y2: 15,
        class: 'estimate',
      }),
    );
  return root;
}

/** The shared axis of the lift bars, for the scorecard's header: −extent, 0, +extent. */
export function drawLiftAxis(/** @type {{ extent: number }} */ { extent }) {
  const root = svg('svg', {
    viewBox: `0 0 ${LIFT_WIDTH} 14`,
    class: 'lift-axis',
    'aria-hidden': 'true',
    focusable: 'false',
  });
  const x = liftScale(extent);
  const label = (/** @type {number} */ v) =>
    `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.round(Math.abs(v) * 100)}%`;
  for (const [at, anchor] of /** @type {[number, string][]} */ ([
    [-extent, 'start'],
    [0, 'middle'],
    [extent, 'end'],
  ]))
    root.append(
      svg('text', { x: x(at), y: 11, 'text-anchor': anchor, class: 'axis-label' }, label(at)),
    );
  return root;
}
