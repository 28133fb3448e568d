// Kills (every one: by the guardian with its report, or by a person with their reason) and the
// flag's history, actors by token name.
import { h, section, term } from './dom.js';
import { formatCount, formatInterval, formatSignedPercent, formatTime } from './format.js';
import { describeMetric, formatDifference, formatValue } from './metrics.js';
import { describeActor, explainEvidence } from './words.js';

/**
 * @typedef {import('./page-types').HistoryEntry} HistoryEntry
 * @typedef {import('./page-types').KillReport} KillReport
 */

/** Why CUPED left a guardrail's estimates unadjusted (`GuardrailAdjustment` status of the stats). */
const NOT_ADJUSTED = {
  no_pre_period: 'an arm had no data before exposure',
  constant_covariate: 'the data before exposure did not vary',
  too_few_units: 'too few units',
};

/** "CUPED-adjusted: variance −48 %" when the breach was decided on adjusted estimates, or why not. */
function adjustmentLine(/** @type {KillReport['decision']['adjustment']} */ adjustment) {
  if (adjustment === null || adjustment === undefined) return null;
  const words =
    adjustment.status === 'applied'
      ? `-adjusted: variance −${(adjustment.varianceReduction * 100).toFixed(0)} %; the interval is of the adjusted estimates.`
      : ` not applied: ${NOT_ADJUSTED[adjustment.status]}; the interval is unadjusted.`;
  return h(
    'p',
    { class: 'small cuped', dataset: { status: adjustment.status } },
    term('CUPED'),
    words,
  );
}

function reportDetails(
  /** @type {KillReport} */ r,
  /** @type {(id: string) => string} */ traceLink,
) {
  const d = r.decision;
  const metric = describeMetric(r.metric);
  const fmt =
    d.scale === 'relative'
      ? (/** @type {number} */ v) => formatSignedPercent(v)
      : (/** @type {number} */ v) => formatDifference(metric, v);
  return h(
    'article',
    { class: 'kill-report', dataset: { breach: r.breachId } },
    h(
      'h3',
      {},
      `${r.outcome === 'killed' ? 'Killed' : r.outcome}: ${metric.name} of ${r.variant} vs ${r.control} in ${r.environment}`,
    ),
    h(
      'p',
      {},
      explainEvidence({
        ...d,
        metric: r.metric,
        variant: r.variant,
        control: r.control,
        controlMean: r.means.control,
        treatmentMean: r.means.treatment,
        nControl: r.n.control,
        nTreatment: r.n.treatment,
      }),
    ),
    h(
      'p',
      { class: 'muted small' },
      `Interval ${formatInterval(d.interval, fmt)}; means ${formatValue(metric, r.means.treatment)} vs ${formatValue(metric, r.means.control)}; n = ${formatCount(r.n.treatment)} / ${formatCount(r.n.control)}.`,
    ),
    adjustmentLine(d.adjustment),
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
        r.timeline.map((t) =>
          h(
            'li',
            {},
            `${formatTime(t.at)} · ${t.event} · ${t.detail.replace(/token:([^#\s]+)#\S+/g, '$1')}`,
          ),
        ),
      ),
      h('pre', {}, r.query),
    ),
  );
}

/**
 * Every kill and restore of this environment from the history, newest first; a guardian kill
 * carries its report (matched by flag version).
 */
export function renderKills(
  /** @type {{ history: HistoryEntry[], environment: string, reports: KillReport[], traceLink: (id: string) => string }} */ input,
) {
  const { environment, reports, traceLink } = input;
  const events = input.history
    .filter((e) => (e.action === 'kill' || e.action === 'restore') && e.environment === environment)
    .reverse();
  const items = events.map((e) => {
    const report = reports.find((r) => r.kill?.version === e.version);
    return h(
      'div',
      { class: `kill-event kill-event-${e.action}`, dataset: { action: e.action } },
      h(
        'p',
        {},
        h('strong', {}, e.action === 'kill' ? 'Killed' : 'Restored'),
        ` by ${describeActor(e.actor)} · ${formatTime(e.createdAt)} · v${e.version}`,
      ),
      e.reason ? h('p', { class: 'reason' }, e.reason) : null,
      report ? reportDetails(report, traceLink) : null,
    );
  });
  const kills = events.filter((e) => e.action === 'kill').length;
  return section(
    'Kills',
    'kills-title',
    items.length === 0
      ? h('p', { class: 'muted', id: 'no-kills' }, `Never killed in ${environment}.`)
      : [
          h(
            'p',
            { class: 'muted small', id: 'kill-count' },
            `${kills} kill${kills === 1 ? '' : 's'} in ${environment}.`,
          ),
          ...items,
        ],
  );
}

export function renderHistory(/** @type {{ entries?: HistoryEntry[] } | undefined} */ history) {
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
              h('strong', { class: 'actor' }, describeActor(e.actor)),
              ` · ${formatTime(e.createdAt)}`,
              e.reason ? h('div', { class: 'reason' }, e.reason) : null,
            ),
          ),
        ),
  );
}
