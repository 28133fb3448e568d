// The home page: every flag with its lifecycle state per environment, owner, age and guardrails.
import { h } from './dom.js';
import { DASH, formatAge } from './format.js';

/**
 * @typedef {import('./page-types').FlagResource} FlagResource
 * @typedef {import('./page-types').Flag} Flag
 */

/** The state a person would name: killed, paused, ramping, running or finished. */
export function describeLifecycle(
  /** @type {FlagResource} */ resource,
  /** @type {string} */ environment,
) {
  const { flag, kills } = resource;
  if (flag.archived) return 'finished';
  if (kills.some((k) => k.environment === environment)) return 'killed';
  const env = flag.environments[environment];
  if (env === undefined || !env.enabled) return 'paused';
  const serves = [env.fallthrough, ...env.rules.map((r) => r.serve)];
  const rollouts = serves.flatMap((s) => ('rollout' in s ? [s.rollout] : []));
  if (rollouts.length === 0) return 'finished';
  const live = rollouts.filter(
    (r) => r.weights.filter((w) => w.weight > 0).length > 1 || r.coverage < 10_000,
  );
  if (live.length === 0) return 'finished';
  return live.some((r) => r.coverage < 10_000) ? 'ramping' : 'running';
}

export function pickEnvironment(/** @type {Flag} */ flag, /** @type {string | null} */ requested) {
  const names = Object.keys(flag.environments);
  if (requested && names.includes(requested)) return requested;
  return names.includes('production') ? 'production' : (names[0] ?? 'production');
}

function stateBadge(/** @type {string} */ state) {
  return h('span', { class: `badge state-${state}`, dataset: { state } }, state);
}

function guardrailBadge(/** @type {{ state: string, text: string } | undefined} */ summary) {
  if (summary === undefined) return h('span', { class: 'muted' }, DASH);
  return h(
    'span',
    { class: `badge guard-${summary.state}`, dataset: { guardrail: summary.state } },
    summary.text,
  );
}

/**
 * @param {{ flags: FlagResource[], environmentOf: (flag: Flag) => string, guardrailSummaries: Map<string, { state: string, text: string }>, now: number }} input
 */
export function renderList({ flags, environmentOf, guardrailSummaries, now }) {
  const rows = flags.map((resource) => {
    const environment = environmentOf(resource.flag);
    const state = describeLifecycle(resource, environment);
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
          'div',
          { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Flags' },
          h(
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
        ),
  );
}
