/* global document, Node */
// DOM builders for the two pages. Text goes in through textContent only (never innerHTML), so
// flag keys, reasons and actors cannot inject markup.
import { drawQuantileChart, drawSpanBar, drawTimeChart } from './charts.js';
import {
  DASH,
  METRIC_LABELS,
  formatAbsoluteLift,
  formatAge,
  formatCount,
  formatInterval,
  formatMetricValue,
  formatMs,
  formatPValue,
  formatPercent,
  formatSignedPercent,
  formatTime,
  isRate,
  judgeLift,
} from './format.js';

/** Creates an element: h('td', { class: 'x', dataset: { metric: 'm' } }, 'text', child, …). */
export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const VERDICTS = {
  worse: { text: 'significant: worse', icon: '▼' },
  better: { text: 'significant: better', icon: '▲' },
  none: { text: 'not significant', icon: '◦' },
};

function section(title, id, ...children) {
  return h(
    'section',
    { 'aria-labelledby': id, class: 'card' },
    h('h2', { id }, title),
    ...children,
  );
}

// ---------- list page ----------

/** The state a person would name: killed, paused, ramping, running or finished. */
export function describeState(resource, environment) {
  const { flag, kills } = resource;
  if (flag.archived) return 'finished';
  if (kills.some((k) => k.environment === environment)) return 'killed';
  const env = flag.environments[environment];
  if (env === undefined || !env.enabled) return 'paused';
  const serves = [env.fallthrough, ...env.rules.map((r) => r.serve)];
  const rollouts = serves.filter((s) => s.rollout !== undefined).map((s) => s.rollout);
  if (rollouts.length === 0) return 'finished';
  const live = rollouts.filter(
    (r) => r.weights.filter((w) => w.weight > 0).length > 1 || r.coverage < 10_000,
  );
  if (live.length === 0) return 'finished';
  return live.some((r) => r.coverage < 10_000) ? 'ramping' : 'running';
}

export function pickEnvironment(flag, requested) {
  const names = Object.keys(flag.environments);
  if (requested && names.includes(requested)) return requested;
  return names.includes('production') ? 'production' : (names[0] ?? 'production');
}

function stateBadge(state) {
  return h('span', { class: `badge state-${state}`, dataset: { state } }, state);
}

function guardrailBadge(summary) {
  if (summary === undefined) return h('span', { class: 'muted' }, DASH);
  return h(
    'span',
    { class: `badge guard-${summary.state}`, dataset: { guardrail: summary.state } },
    summary.text,
  );
}

export function renderList({ flags, environmentOf, guardrailSummaries, now }) {
  const rows = flags.map((resource) => {
    const environment = environmentOf(resource.flag);
    const state = describeState(resource, environment);
    const href = `/experiments/${encodeURIComponent(resource.flag.key)}?environment=${encodeURIComponent(environment)}`;
    return h(
      'tr',
      { dataset: { flag: resource.flag.key } },
      h('th', { scope: 'row' }, h('a', { href }, resource.flag.key)),
      h('td', {}, resource.flag.kind),
      h('td', {}, environment),
      h('td', {}, stateBadge(state)),
      h('td', {}, resource.flag.metadata.owner),
      h('td', {}, formatAge(resource.flag.metadata.createdAt, now)),
      h('td', {}, guardrailBadge(guardrailSummaries.get(resource.flag.key))),
    );
  });
  return h(
    'div',
    {},
    h('h1', {}, 'Experiments and rollouts'),
    flags.length === 0
      ? h(
          'p',
          { class: 'empty' },
          'No flags yet. Create one with `tripwire flags create` or the API.',
        )
      : h(
          'table',
          { class: 'list' },
          h(
            'caption',
            { class: 'visually-hidden' },
            'Flags with their state, owner, age and guardrail status',
          ),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['Flag', 'Kind', 'Environment', 'State', 'Owner', 'Age', 'Guardrails'].map((c) =>
                h('th', { scope: 'col' }, c),
              ),
            ),
          ),
          h('tbody', {}, rows),
        ),
  );
}

// ---------- experiment page ----------

function metricColumns(results) {
  const seen = new Map();
  for (const variant of results.variants)
    for (const m of variant.metrics) {
      const id = m.event ? `${m.metric}:${m.event}` : m.metric;
      if (!seen.has(id)) seen.set(id, { metric: m.metric, event: m.event, id });
    }
  const order = [
    'conversion',
    'error_rate',
    'latency_mean',
    'latency_p50',
    'latency_p95',
    'latency_p99',
  ];
  return [...seen.values()].sort((a, b) => order.indexOf(a.metric) - order.indexOf(b.metric));
}

function columnLabel(column) {
  return column.event
    ? `${METRIC_LABELS[column.metric]} (${column.event})`
    : METRIC_LABELS[column.metric];
}

function liftCell(metric, comparison) {
  const lift = comparison?.relative ?? comparison?.absolute;
  if (lift === undefined) return null;
  const relative = comparison.relative !== undefined;
  const format = relative ? formatSignedPercent : (v) => formatAbsoluteLift(metric, v);
  const verdict = judgeLift(metric, comparison.absolute);
  return h(
    'div',
    { class: `lift verdict-${verdict}` },
    h('span', { class: 'lift-estimate' }, format(lift.estimate)),
    ' ',
    h('span', { class: 'lift-interval' }, formatInterval(lift.alwaysValidInterval, format)),
    h(
      'span',
      { class: 'verdict', dataset: { verdict } },
      `${VERDICTS[verdict].icon} ${VERDICTS[verdict].text}`,
    ),
  );
}

function variantsTable(results) {
  const columns = metricColumns(results);
  const header = h(
    'tr',
    {},
    h('th', { scope: 'col' }, 'Variant'),
    h('th', { scope: 'col', class: 'num' }, 'Units'),
    ...columns.map((c) => h('th', { scope: 'col', class: 'num' }, columnLabel(c))),
  );
  const rows = results.variants.map((variant) =>
    h(
      'tr',
      { dataset: { variant: variant.variant } },
      h(
        'th',
        { scope: 'row' },
        variant.variant,
        variant.isControl ? h('span', { class: 'tag' }, 'control') : null,
      ),
      h(
        'td',
        { class: 'num', dataset: { metric: 'units' } },
        h('span', { class: 'value' }, formatCount(variant.units)),
      ),
      ...columns.map((column) => {
        const m = variant.metrics.find(
          (x) => x.metric === column.metric && x.event === column.event,
        );
        return h(
          'td',
          { class: 'num', dataset: { metric: column.id } },
          h('span', { class: 'value' }, m ? formatMetricValue(m.metric, m.value) : DASH),
          m && !variant.isControl ? liftCell(m.metric, m.comparison) : null,
        );
      }),
    ),
  );
  return h(
    'div',
    { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Variants table' },
    h(
      'table',
      { class: 'variants' },
      h(
        'caption',
        {},
        `Treatment vs ${results.control}: relative lift with its ${Math.round((1 - results.alpha) * 100)}% always-valid interval (safe to check at any time).`,
      ),
      h('thead', {}, header),
      h('tbody', {}, rows),
    ),
  );
}

function comparisonDetails(results) {
  const items = [];
  for (const variant of results.variants) {
    if (variant.isControl) continue;
    for (const m of variant.metrics) {
      if (!m.comparison) continue;
      const abs = m.comparison.absolute;
      const fmt = (v) => formatAbsoluteLift(m.metric, v);
      items.push(
        h(
          'tr',
          {},
          h(
            'th',
            { scope: 'row' },
            `${variant.variant} · ${m.event ? `${METRIC_LABELS[m.metric]} (${m.event})` : METRIC_LABELS[m.metric]}`,
          ),
          h('td', { class: 'num' }, fmt(abs.estimate)),
          h('td', { class: 'num' }, formatInterval(abs.interval, fmt)),
          h('td', { class: 'num' }, formatPValue(abs.pValue)),
          h('td', { class: 'num' }, formatInterval(abs.alwaysValidInterval, fmt)),
          h('td', { class: 'num' }, formatPValue(abs.alwaysValidPValue)),
          h('td', { class: 'num' }, formatCount(m.units)),
        ),
      );
    }
  }
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
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              'Comparison',
              'Difference',
              'Fixed-horizon CI',
              'p',
              'Always-valid CI',
              'Always-valid p',
              'Units',
            ].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h('tbody', {}, items),
      ),
    ),
  );
}

function srmBanner(results) {
  const srm = results.srm;
  if (srm === null || !srm.mismatch) return null;
  const observed = Object.entries(srm.observed)
    .map(([v, n]) => `${v} ${formatCount(n)}`)
    .join(', ');
  return h(
    'div',
    { class: 'banner danger', role: 'alert', id: 'srm-banner' },
    h('strong', {}, 'Sample ratio mismatch. '),
    `Units per variant (${observed}) do not match the configured split (χ² = ${srm.statistic.toFixed(1)}, p = ${formatPValue(srm.pValue)} < ${srm.threshold}). Assignment or telemetry is broken; do not trust these results until it is fixed.`,
  );
}

/** Cumulative relative lift of one metric with an approximate band (see the caption). */
function liftSeries(results, variant, field, metricId) {
  const control = results.timeseries.variants[results.control] ?? [];
  const treatment = results.timeseries.variants[variant.variant] ?? [];
  const final = variant.metrics.find((m) => m.metric === metricId)?.comparison?.relative;
  const [, upper] = final?.interval ?? [null, null];
  const z =
    final && Number.isFinite(upper) && final.standardError > 0
      ? (upper - final.estimate) / final.standardError
      : null;
  const byTime = new Map(control.map((p) => [p.time, p]));
  const finalUnits = (treatment.at(-1)?.units ?? 0) + (control.at(-1)?.units ?? 0);
  return treatment.flatMap((p) => {
    const c = byTime.get(p.time);
    if (!c || !(c[field] > 0) || p[field] === null) return [];
    const y = p[field] / c[field] - 1;
    const units = p.units + c.units;
    const se = z !== null && units > 0 ? final.standardError * Math.sqrt(finalUnits / units) : null;
    return [
      {
        x: Date.parse(p.time),
        y,
        lower: se === null ? undefined : y - z * se,
        upper: se === null ? undefined : y + z * se,
      },
    ];
  });
}

function liftChart(results) {
  const figures = [];
  for (const [field, metricId, label] of [
    ['errorRate', 'error_rate', 'error rate'],
    ['latencyMeanMs', 'latency_mean', 'mean latency'],
  ]) {
    const series = results.variants
      .filter((v) => !v.isControl)
      .map((v) => ({ name: v.variant, points: liftSeries(results, v, field, metricId) }));
    const last = series
      .map((s) => `${s.name}: ${formatSignedPercent(s.points.at(-1)?.y)}`)
      .join('; ');
    figures.push(
      h(
        'figure',
        { class: 'chart-figure' },
        drawTimeChart({
          title: `Cumulative relative lift in ${label}`,
          description: `Treatment vs ${results.control}, cumulative. Latest: ${last || 'no data'}.`,
          series,
          formatY: (v) => formatSignedPercent(v, 0),
        }),
        h(
          'figcaption',
          {},
          `Cumulative lift in ${label} vs ${results.control} (${series.map((s) => s.name).join(', ')}). Band: the final interval's half-width scaled by √(units now / units then).`,
        ),
      ),
    );
  }
  return section('Cumulative lift', 'lift-title', h('div', { class: 'charts' }, figures));
}

function latencyChart(results) {
  const labels = {
    latency_mean: 'mean',
    latency_p50: 'p50',
    latency_p95: 'p95',
    latency_p99: 'p99',
  };
  const variants = results.variants.map((v) => ({
    name: v.variant,
    quantiles: Object.entries(labels).map(([metric, label]) => {
      const m = v.metrics.find((x) => x.metric === metric);
      const half =
        m && m.standardError !== null && m.value !== null ? 1.96 * m.standardError : null;
      return {
        label,
        value: m?.value ?? NaN,
        lower: half === null ? NaN : m.value - half,
        upper: half === null ? NaN : m.value + half,
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
      h('figcaption', {}, 'Mean and quantiles per variant with 95% intervals.'),
    ),
  );
}

function breakdownSection(results) {
  const rows = results.breakdowns
    .slice(0, 20)
    .map((b) =>
      h(
        'tr',
        { class: b.significant ? 'significant' : '' },
        h('td', {}, `${b.dimension} = ${b.segment}`),
        h('td', {}, METRIC_LABELS[b.metric]),
        h('td', {}, b.variant),
        h('td', { class: 'num' }, formatMetricValue(b.metric, b.controlValue)),
        h('td', { class: 'num' }, formatMetricValue(b.metric, b.treatmentValue)),
        h('td', { class: 'num' }, formatSignedPercent(b.relativeLift)),
        h('td', { class: 'num' }, formatPValue(b.adjustedPValue)),
        h('td', {}, b.significant ? 'significant' : 'not significant'),
      ),
    );
  return section(
    'Where: breakdown by service, span, region, version',
    'breakdown-title',
    rows.length === 0
      ? h('p', { class: 'empty' }, 'No breakdown yet.')
      : h(
          'div',
          { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Breakdown' },
          h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...[
                  'Segment',
                  'Metric',
                  'Variant',
                  'Control',
                  'Treatment',
                  'Lift',
                  'BH-adjusted p',
                  '',
                ].map((c) => h('th', { scope: 'col' }, c)),
              ),
            ),
            h('tbody', {}, rows),
          ),
        ),
  );
}

export function renderResultsSections(results) {
  if (results === undefined)
    return [
      section(
        'Results',
        'results-title',
        h('p', { class: 'empty' }, 'No results for this flag yet.'),
      ),
    ];
  return [
    srmBanner(results),
    section(
      'Variants',
      'variants-title',
      h(
        'p',
        { class: 'muted' },
        `${formatCount(results.units.total)} units exposed, ${formatCount(results.units.excludedMultiVariant)} excluded for seeing more than one variant · α = ${results.alpha} · data as of ${formatTime(results.freshness?.computedAt ?? results.generatedAt)}${results.freshness?.source === 'snapshot' ? ' (background snapshot, refreshed while this page is open)' : ''}`,
      ),
      variantsTable(results),
      comparisonDetails(results),
    ),
    liftChart(results),
    latencyChart(results),
    breakdownSection(results),
  ];
}

function describeEvidence(check) {
  const relative = check.scale === 'relative';
  const fmt = relative ? (v) => formatSignedPercent(v) : (v) => formatAbsoluteLift(check.metric, v);
  const interval = formatInterval([check.intervalLower, check.intervalUpper], fmt);
  return `${check.variant}: ${check.test}, estimate ${fmt(relative ? check.relativeEstimate : check.estimate)}, interval ${interval} vs margin ${fmt(check.margin)}; n = ${formatCount(check.nTreatment)} / ${formatCount(check.nControl)} units · ${formatTime(check.checkedAt)}`;
}

function guardrailRow(guardrail, states) {
  const latest = states.filter((s) => s.guardrailId === guardrail.id);
  const where = `${guardrail.service ? ` · ${guardrail.service}` : ''}${guardrail.spanName ? ` · ${guardrail.spanName}` : ''}`;
  return h(
    'tr',
    { dataset: { guardrail: guardrail.id } },
    h('th', { scope: 'row' }, guardrail.id),
    h('td', {}, `${METRIC_LABELS[guardrail.metric] ?? guardrail.metric}${where}`),
    h(
      'td',
      {},
      `${guardrail.direction === 'increase_is_bad' ? 'increase' : 'decrease'} > ${formatPercent(guardrail.margin, 1)} is bad · α ${guardrail.alpha ?? 0.05} · min ${guardrail.minSample} units → ${guardrail.action}`,
    ),
    h(
      'td',
      {},
      latest.length === 0
        ? h('span', { class: 'muted' }, 'no check yet')
        : latest.map((s) =>
            h(
              'div',
              { class: 'evidence', dataset: { state: s.state } },
              h('span', { class: `badge guard-${s.state}` }, s.state),
              ` ${describeEvidence(s)}`,
            ),
          ),
    ),
  );
}

/** Guardrails (the flag's own or the guardian's defaults) with the newest check and its evidence. */
export function renderGuardrails(info) {
  if (info === undefined)
    return section(
      'Guardrails',
      'guardrails-title',
      h('p', { class: 'muted' }, 'The guardian is not available.'),
    );
  const rows = info.guardrails.map((g) => guardrailRow(g, info.states));
  return section(
    'Guardrails',
    'guardrails-title',
    info.usesDefaults
      ? h(
          'p',
          { class: 'muted' },
          'This flag sets no guardrails of its own; the guardian applies these defaults.',
        )
      : null,
    h(
      'div',
      { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Guardrails' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Guardrail', 'Metric', 'Rule', 'State and evidence'].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
  );
}

export function renderHistory(history) {
  const entries = [...(history?.entries ?? [])].reverse();
  return section(
    'Flag history',
    'history-title',
    entries.length === 0
      ? h('p', { class: 'empty' }, 'No history.')
      : h(
          'ol',
          { class: 'history' },
          entries.map((e) =>
            h(
              'li',
              { dataset: { action: e.action } },
              h('span', { class: `badge action-${e.action}` }, e.action),
              ` v${e.version}${e.environment ? ` in ${e.environment}` : ''} by `,
              h('strong', {}, e.actor),
              ` · ${formatTime(e.createdAt)}`,
              e.reason ? h('div', { class: 'reason' }, e.reason) : null,
            ),
          ),
        ),
  );
}

export function renderKillReports(reports, traceLink) {
  const items = (reports ?? []).map((r) => {
    const d = r.decision;
    const fmt =
      d.scale === 'relative'
        ? (v) => formatSignedPercent(v)
        : (v) => formatAbsoluteLift(r.metric, v);
    return h(
      'article',
      { class: 'kill-report', dataset: { breach: r.breachId } },
      h(
        'h3',
        {},
        `${r.outcome === 'killed' ? 'Killed' : r.outcome}: ${METRIC_LABELS[r.metric] ?? r.metric} of ${r.variant} vs ${r.control} in ${r.environment}`,
      ),
      h(
        'p',
        {},
        `${d.test} (${d.scale}): estimate ${fmt(d.scale === 'relative' ? d.relativeEstimate : d.estimate)}, always-valid interval ${formatInterval(d.interval, fmt)}, margin ${fmt(d.margin)}, α ${d.alpha}; n = ${formatCount(r.n.treatment)} treatment / ${formatCount(r.n.control)} control units; means ${isRate(r.metric) ? formatPercent(r.means.treatment) : formatMs(r.means.treatment)} vs ${isRate(r.metric) ? formatPercent(r.means.control) : formatMs(r.means.control)}.`,
      ),
      r.kill
        ? h(
            'p',
            {},
            `Kill at ${formatTime(r.kill.at)}${r.kill.version !== null ? `, flag version ${r.kill.version}` : ''}.`,
          )
        : null,
      r.exemplarTraceIds.length > 0
        ? h(
            'p',
            {},
            'Exemplar traces: ',
            r.exemplarTraceIds
              .slice(0, 5)
              .flatMap((id, i) => [
                i > 0 ? ', ' : '',
                h('a', { href: traceLink(id), class: 'trace' }, id.slice(0, 16)),
              ]),
          )
        : null,
      h(
        'details',
        {},
        h('summary', {}, 'Timeline and query'),
        h(
          'ol',
          { class: 'timeline' },
          r.timeline.map((t) => h('li', {}, `${formatTime(t.at)} · ${t.event} · ${t.detail}`)),
        ),
        h('pre', {}, r.query),
      ),
    );
  });
  return section(
    'Kill reports',
    'kills-title',
    items.length === 0 ? h('p', { class: 'muted' }, 'No kills.') : items,
  );
}

/** Spans in tree order (parents before children) with their depth; orphans are roots. */
function orderSpans(spans) {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map();
  for (const span of spans) {
    const parent = ids.has(span.parentSpanId) ? span.parentSpanId : '';
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const ordered = [];
  const visit = (parent, depth) => {
    for (const span of children.get(parent) ?? []) {
      ordered.push({ span, depth });
      visit(span.spanId, depth + 1);
    }
  };
  visit('', 0);
  return ordered;
}

/** A trace as a waterfall: one row per span with its service, status, timing and Tripwire attributes. */
export function renderTrace(trace) {
  const starts = trace.spans.map((s) => Date.parse(s.start));
  const origin = Math.min(...starts);
  const end = Math.max(...trace.spans.map((s, i) => starts[i] + s.durationMs));
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
        { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Spans' },
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
