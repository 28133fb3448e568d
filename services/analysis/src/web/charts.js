/* global document */
// Charts as inline SVG drawn here (no chart library, no CDN). Colours come from CSS classes,
// so light and dark themes restyle them; every chart has a text alternative.

const SVG = 'http://www.w3.org/2000/svg';
let chartCount = 0;

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Rounds a span to 1, 2 or 5 × 10^k steps for axis ticks. */
function niceTicks(min, max, count = 5) {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

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

function scale(domainMin, domainMax, rangeMin, rangeMax) {
  const span = domainMax - domainMin || 1;
  return (v) => rangeMin + ((v - domainMin) / span) * (rangeMax - rangeMin);
}

function pathOf(points) {
  return points
    .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`)
    .join('');
}

/**
 * A time-series chart: each series a line, optionally with a band (lower/upper) behind it, and a
 * dashed zero line when the y range crosses zero. Points: { x: epoch ms, y, lower?, upper? }.
 */
export function drawTimeChart({ title, description, series, formatY, width = 720, height = 260 }) {
  const root = frame(width, height, title, description);
  const margin = { left: 64, right: 16, top: 12, bottom: 28 };
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
  const xs = all.map((p) => p.x);
  const ys = all.flatMap((p) => [p.y, p.lower, p.upper]).filter((v) => Number.isFinite(v));
  let [yMin, yMax] = [Math.min(0, ...ys), Math.max(0, ...ys)];
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
        class: tick === 0 ? 'zero' : 'grid',
      }),
      svg(
        'text',
        { x: margin.left - 6, y: y(tick) + 4, 'text-anchor': 'end', class: 'axis-label' },
        formatY(tick),
      ),
    );
  }
  const [first, last] = [Math.min(...xs), Math.max(...xs)];
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
  series.forEach((s, index) => {
    const banded = s.points.filter((p) => Number.isFinite(p.lower) && Number.isFinite(p.upper));
    if (banded.length > 1) {
      const upper = banded.map((p) => [x(p.x), y(p.upper)]);
      const lower = banded.map((p) => [x(p.x), y(p.lower)]).reverse();
      root.append(
        svg('path', {
          d: `${pathOf(upper)}L${pathOf(lower).slice(1)}Z`,
          class: `band series-${index}`,
        }),
      );
    }
    const line = s.points.filter((p) => Number.isFinite(p.y)).map((p) => [x(p.x), y(p.y)]);
    if (line.length > 1)
      root.append(svg('path', { d: pathOf(line), class: `line series-${index}`, fill: 'none' }));
    // One bucket so far: a dot with its interval instead of a line that cannot be drawn yet.
    const only = s.points.length === 1 ? s.points[0] : undefined;
    if (line.length === 1 && only !== undefined) {
      if (Number.isFinite(only.lower) && Number.isFinite(only.upper)) {
        const [cx] = line[0];
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
      root.append(
        svg('circle', { cx: line[0][0], cy: line[0][1], r: 4, class: `dot series-${index}` }),
      );
    }
  });
  return root;
}

/**
 * Latency distribution per variant: for each variant a row of quantile markers (mean, p50,
 * p95, p99) with their confidence intervals, on one shared millisecond axis.
 * variants: [{ name, quantiles: [{ label, value, lower, upper }] }].
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

/** One bar of a trace waterfall: where a span sits within the trace's duration. */
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
