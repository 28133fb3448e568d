// One trace as a waterfall: spans in tree order with service, status, timing and flag stamps.
import { drawSpanBar } from './charts.js';
import { h, section } from './dom.js';
import { formatMs, formatTime } from './format.js';

/**
 * @typedef {import('./page-types').Trace} Trace
 * @typedef {import('./page-types').TraceSpan} TraceSpan
 */

/** Spans in tree order (parents before children) with their depth; orphans are roots. */
function orderSpans(/** @type {TraceSpan[]} */ spans) {
  const ids = new Set(spans.map((s) => s.spanId));
  /** @type {Map<string, TraceSpan[]>} */
  const children = new Map();
  for (const span of spans) {
    const parent = ids.has(span.parentSpanId) ? span.parentSpanId : '';
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  /** @type {{ span: TraceSpan, depth: number }[]} */
  const ordered = [];
  const visit = (/** @type {string} */ parent, /** @type {number} */ depth) => {
    for (const span of children.get(parent) ?? []) {
      ordered.push({ span, depth });
      visit(span.spanId, depth + 1);
    }
  };
  visit('', 0);
  return ordered;
}

/** A trace as a waterfall: one row per span with its service, status, timing and Tripwire attributes. */
export function renderTrace(/** @type {Trace} */ trace) {
  const starts = trace.spans.map((s) => Date.parse(s.start));
  const origin = Math.min(...starts);
  const end = Math.max(...trace.spans.map((s, i) => (starts[i] ?? origin) + s.durationMs));
  const rows = orderSpans(trace.spans).map(({ span, depth }) => {
    const offset = Date.parse(span.start) - origin;
    const isError = /error/i.test(span.status);
    const stamps = Object.entries(span.attributes)
      .filter(([k]) => k.startsWith('tripwire.variant.') || k.startsWith('feature_flag.'))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return h(
      'tr',
      { class: isError ? 'span-error' : '' },
      h('th', { scope: 'row', class: `depth-${Math.min(depth, 8)}` }, span.name),
      h('td', {}, span.service),
      h('td', {}, isError ? 'error' : span.status),
      h('td', { class: 'num' }, formatMs(offset)),
      h('td', { class: 'num' }, formatMs(span.durationMs)),
      h(
        'td',
        {},
        drawSpanBar({
          offsetMs: offset,
          durationMs: span.durationMs,
          totalMs: end - origin,
          isError,
        }),
      ),
      h('td', { class: 'stamps' }, stamps),
    );
  });
  return h(
    'div',
    {},
    h(
      'nav',
      { 'aria-label': 'Breadcrumb', class: 'crumbs' },
      h('a', { href: '/' }, 'Experiments'),
      ` / trace ${trace.traceId}`,
    ),
    h('h1', {}, `Trace ${trace.traceId.slice(0, 16)}…`),
    h(
      'p',
      { class: 'muted' },
      `${trace.spans.length} spans · ${formatMs(end - origin)} · started ${formatTime(new Date(origin).toISOString())}`,
    ),
    section(
      'Spans',
      'spans-title',
      h(
        'div',
        { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Span waterfall' },
        h(
          'table',
          { class: 'trace' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['Span', 'Service', 'Status', 'Start', 'Duration', 'Timeline', 'Flags'].map((c) =>
                h('th', { scope: 'col' }, c),
              ),
            ),
          ),
          h('tbody', {}, rows),
        ),
      ),
    ),
  );
}
