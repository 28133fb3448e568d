// The experiment page: loads everything the page shows for one flag in one environment and lays
// it out decision first — status, scorecard, time series, breakdown — then the evidence.
import { api } from './api.js';
import { renderBreakdown } from './breakdown-view.js';
import { h, renderGlossary, section } from './dom.js';
import { renderGuardrails } from './guardrails-view.js';
import { renderHistory, renderKills } from './history-view.js';
import { renderLatency } from './latency-view.js';
import { describeLifecycle, pickEnvironment } from './list-view.js';
import { renderComparisonDetails, renderScorecard } from './scorecard.js';
import { renderSeries } from './series-view.js';
import { renderStatusHeader } from './status-header.js';
import { describeFreshness } from './words.js';

/**
 * @typedef {import('./page-types').FlagResource} FlagResource
 * @typedef {import('./page-types').GuardrailInfo} GuardrailInfo
 * @typedef {import('./page-types').GuardrailCheck} GuardrailCheck
 * @typedef {import('./page-types').HistoryEntry} HistoryEntry
 * @typedef {import('./page-types').KillReport} KillReport
 * @typedef {import('./page-types').ResultsResponse} ResultsResponse
 * @typedef {{ results: ResultsResponse | undefined, history: HistoryEntry[], guardrails: GuardrailInfo | undefined, reports: KillReport[] }} ExperimentData
 */

/** The effective guardrails (own or the defaults), the newest check of each guardrail × variant and when its breach began. */
export async function loadGuardrails(/** @type {string} */ key, /** @type {string} */ environment) {
  const path = encodeURIComponent(key);
  const env = encodeURIComponent(environment);
  const [effective, log] = await Promise.all([
    api.find(`/api/v1/flags/${path}/guardrails`),
    api.find(`/api/v1/flags/${path}/guardrail-decisions?environment=${env}&limit=500`),
  ]);
  if (effective === undefined) return undefined;
  /** @type {GuardrailCheck[]} */
  const checks = (log?.decisions ?? []).filter(
    (/** @type {GuardrailCheck} */ d) => d.kind === 'check',
  );
  /** @type {Map<string, GuardrailCheck & { since?: string }>} */
  const latest = new Map();
  /** Guardrail × variant ids whose run of breaches (newest first) has ended. */
  const ended = new Set();
  for (const check of checks) {
    const id = `${check.guardrailId}/${check.variant}`;
    if (!latest.has(id)) latest.set(id, { ...check });
    const newest = latest.get(id);
    if (newest?.state !== 'breached' || ended.has(id)) continue;
    if (check.state === 'breached') newest.since = check.checkedAt;
    else ended.add(id);
  }
  /** @type {GuardrailInfo} */
  const info = { ...effective, states: [...latest.values()] };
  return info;
}

/** The guardian's kill reports of a flag in one environment, newest first (at most ten). */
async function loadKillReports(/** @type {string} */ key, /** @type {string} */ environment) {
  const list = await api.find(`/api/v1/kill-reports?flag=${encodeURIComponent(key)}&limit=20`);
  /** @type {{ environment: string, url: string }[]} */
  const all = list?.killReports ?? [];
  const mine = all.filter((k) => k.environment === environment).slice(0, 10);
  return /** @type {Promise<KillReport[]>} */ (Promise.all(mine.map((k) => api.get(k.url))));
}

/** @returns {Promise<ExperimentData>} */
async function loadExperiment(/** @type {string} */ key, /** @type {string} */ environment) {
  const path = encodeURIComponent(key);
  const env = encodeURIComponent(environment);
  const [results, history, guardrails, reports] = await Promise.all([
    api.find(`/api/v1/experiments/${path}/results?environment=${env}`),
    api.find(`/api/v1/flags/${path}/history`),
    loadGuardrails(key, environment),
    loadKillReports(key, environment),
  ]);
  return { results, history: history?.entries ?? [], guardrails, reports };
}

/** The results cards: scorecard, time series, breakdown, latency; or why there are none. */
function resultsSections(
  /** @type {ResultsResponse | undefined} */ results,
  /** @type {ExperimentData & { environment: string }} */ data,
) {
  if (results === undefined)
    return [
      section(
        'Results',
        'results-title',
        h('p', { class: 'empty' }, 'No results for this flag yet.'),
      ),
    ];
  return [
    section(
      'Scorecard',
      'scorecard-title',
      h(
        'p',
        { class: 'muted small', id: 'units-line' },
        `${results.units.total.toLocaleString('en-US')} units exposed; ${results.units.excludedMultiVariant.toLocaleString('en-US')} excluded for seeing more than one variant.`,
      ),
      h('p', { class: 'muted small', id: 'freshness-line' }, describeFreshness(results.freshness)),
      renderScorecard(results),
      renderComparisonDetails(results),
    ),
    renderSeries(results, { history: data.history, environment: data.environment }),
    renderBreakdown(results),
    renderLatency(results),
  ];
}

/**
 * Renders the page for `key`; `actions` builds the editor's buttons (or the note for a viewer).
 * @param {{ key: string, environmentParam: string | null, actions: (resource: FlagResource, environment: string, state: string) => Node, onEnvironment: (environment: string) => void }} input
 */
export async function renderExperiment(input) {
  /** @type {FlagResource} */
  const resource = await api.get(`/api/v1/flags/${encodeURIComponent(input.key)}`);
  const { flag } = resource;
  const environment = pickEnvironment(flag, input.environmentParam);
  const state = describeLifecycle(resource, environment);
  const data = await loadExperiment(input.key, environment);
  const picker = h(
    'label',
    { class: 'env-picker' },
    'Environment ',
    h(
      'select',
      {
        id: 'environment',
        onchange: (/** @type {Event} */ e) =>
          input.onEnvironment(/** @type {HTMLSelectElement} */ (e.target).value),
      },
      Object.keys(flag.environments).map((e) =>
        h('option', { value: e, selected: e === environment }, e),
      ),
    ),
  );
  const meta = [
    flag.kind,
    `owner ${flag.metadata.owner}`,
    `flag version ${flag.version}`,
    `control arm: ${flag.defaultVariant}`,
  ];
  return [
    h(
      'nav',
      { 'aria-label': 'Breadcrumb', class: 'crumbs' },
      h('a', { href: '/' }, 'Experiments'),
      ' / ',
      flag.key,
    ),
    h(
      'header',
      { class: 'experiment-head' },
      h(
        'h1',
        {},
        flag.key,
        ' ',
        h('span', { class: `badge state-${state}`, id: 'flag-state', dataset: { state } }, state),
      ),
      h(
        'p',
        { class: 'muted', id: 'flag-meta' },
        meta.join(' · '),
        flag.metadata.description ? ` · ${flag.metadata.description}` : '',
      ),
      picker,
      input.actions(resource, environment, state),
    ),
    renderStatusHeader({
      resource,
      environment,
      results: data.results,
      guardrails: data.guardrails,
    }),
    ...resultsSections(data.results, { ...data, environment }),
    renderGuardrails(data.guardrails),
    renderKills({
      history: data.history,
      environment,
      reports: data.reports,
      traceLink: (id) => `/traces/${id}`,
    }),
    renderHistory({ entries: data.history }),
    renderGlossary(),
  ].filter((node) => node !== null && node !== undefined);
}
