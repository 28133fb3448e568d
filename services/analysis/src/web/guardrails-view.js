// Guardrails: each rule in words and the newest check of each variant explained in a sentence.
import { h, section, term } from './dom.js';
import { formatCount, formatPercent, formatTime } from './format.js';
import { describeMetric } from './metrics.js';
import { describeState, explainEvidence } from './words.js';

/**
 * @typedef {import('./page-types').GuardrailInfo} GuardrailInfo
 * @typedef {import('./page-types').GuardrailRule} GuardrailRule
 */

const ACTIONS = /** @type {Record<string, string>} */ ({
  kill: 'kills the flag',
  alert: 'alerts',
  pause: 'pauses the rollout',
});

/** "Kills the flag when error rate rises more than 5.0% (α 0.05, from 50 units per arm)." */
function describeRule(/** @type {GuardrailRule} */ g) {
  const metric = describeMetric(g.metric);
  const where = [g.service, g.spanName].filter(Boolean).join(' · ');
  const change = g.direction === 'lower_is_better' ? 'rises' : 'falls';
  const action = ACTIONS[g.action] ?? g.action;
  return `${action[0]?.toUpperCase()}${action.slice(1)} when ${metric.name.toLowerCase()}${where ? ` (${where})` : ''} ${change} more than ${formatPercent(g.margin, 1)} (α ${g.alpha ?? 0.05}, from ${formatCount(g.minSample)} units per arm).`;
}

function guardrailItem(
  /** @type {GuardrailRule} */ guardrail,
  /** @type {GuardrailInfo['states']} */ states,
) {
  const latest = states.filter((s) => s.guardrailId === guardrail.id);
  return h(
    'article',
    { class: 'guardrail', dataset: { guardrail: guardrail.id } },
    h('h3', {}, guardrail.id, ' · ', describeMetric(guardrail.metric).name),
    h('p', { class: 'muted' }, describeRule(guardrail)),
    latest.length === 0
      ? h('p', { class: 'muted' }, 'No check yet.')
      : h(
          'ul',
          { class: 'evidence-list' },
          latest.map((s) =>
            h(
              'li',
              { class: 'evidence', dataset: { state: s.state } },
              h('span', { class: `badge guard-${s.state}` }, describeState(s.state)),
              ' ',
              explainEvidence({
                ...s,
                control: s.controlVariant,
                interval: [s.intervalLower, s.intervalUpper],
                direction: guardrail.direction,
              }),
              h(
                'span',
                { class: 'muted small' },
                ` Checked ${formatTime(s.checkedAt)}${s.state === 'breached' && s.since ? `; breached since ${formatTime(s.since)}` : ''}.`,
              ),
            ),
          ),
        ),
  );
}

/** Guardrails (the flag's own or the guardian's defaults) with the newest check and its evidence. */
export function renderGuardrails(/** @type {GuardrailInfo | undefined} */ info) {
  if (info === undefined)
    return section(
      'Guardrails',
      'guardrails-title',
      h('p', { class: 'muted' }, 'The guardian is not available.'),
    );
  return section(
    'Guardrails',
    'guardrails-title',
    h(
      'p',
      { class: 'muted small' },
      info.usesDefaults
        ? 'This flag sets no guardrails of its own; the guardian applies these defaults. '
        : '',
      'Each ',
      term('guardrail'),
      ' is checked with an ',
      term('always-valid interval'),
      ' against its ',
      term('margin'),
      '.',
    ),
    info.guardrails.map((g) => guardrailItem(g, info.states)),
  );
}
