/* global document, location, history, window */
// The results page: routes on the path, asks for a token when the API says 401, renders.
import { api, ApiError, readToken, saveToken } from './api.js';
import { formatSignedPercent, formatTime } from './format.js';
import {
  describeState,
  h,
  pickEnvironment,
  renderGuardrails,
  renderHistory,
  renderKillReports,
  renderList,
  renderResultsSections,
  renderTrace,
} from './views.js';

const ROLE_RANK = { viewer: 0, editor: 1, admin: 2 };
/** Coverage stages (basis points) of a ramp step: 1 → 5 → 10 → 25 → 50 → 100%. */
export const RAMP_STAGES = [100, 500, 1000, 2500, 5000, 10_000];
const REFRESH_MS = 10_000;

const main = document.getElementById('main');
let principal;
let refreshTimer;

function showError(error) {
  main.replaceChildren(
    h('div', { class: 'banner danger', role: 'alert' }, h('strong', {}, 'Error: '), error.message),
  );
}

async function whoAmI() {
  principal = await api.get('/api/v1/tokens/self');
  document.getElementById('who').textContent = `${principal.name} · ${principal.role}`;
  return principal;
}

const canEdit = () => principal !== undefined && ROLE_RANK[principal.role] >= ROLE_RANK.editor;

/** Opens the token dialog; resolves once a token that the API accepts is saved. */
function askForToken(message) {
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  document.getElementById('token-error').textContent = message ?? '';
  input.value = '';
  if (!dialog.open) dialog.showModal();
  input.focus();
}

function setupTokenDialog() {
  const dialog = document.getElementById('token-dialog');
  document.getElementById('token-button').addEventListener('click', () => askForToken());
  document.getElementById('token-forget').addEventListener('click', () => {
    saveToken('');
    principal = undefined;
    document.getElementById('who').textContent = '';
    dialog.close();
    void route();
  });
  document.getElementById('token-form').addEventListener('submit', (event) => {
    const value = document.getElementById('token-input').value.trim();
    if (event.submitter?.value !== 'save' || value === '') return;
    event.preventDefault();
    saveToken(value);
    whoAmI().then(
      () => {
        dialog.close();
        void route();
      },
      (error) => {
        saveToken('');
        document.getElementById('token-error').textContent = error.message;
      },
    );
  });
}

/** Asks for a reason and resolves to it, or to undefined when cancelled. */
function confirmAction(text, label) {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = label;
  const reason = document.getElementById('confirm-reason');
  reason.value = '';
  dialog.showModal();
  reason.focus();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => resolve(dialog.returnValue === 'confirm' ? reason.value.trim() : undefined),
      { once: true },
    );
  });
}

async function renderHome() {
  const { flags } = await api.get('/api/v1/flags');
  const params = new URLSearchParams(location.search);
  const environmentOf = (flag) => pickEnvironment(flag, params.get('environment'));
  const summaries = new Map();
  await Promise.all(
    flags.map(async ({ flag }) => {
      const states = (await loadGuardrails(flag.key, environmentOf(flag)))?.states;
      if (states === undefined || states.length === 0) return;
      const worst = ['breached', 'inconclusive', 'collecting', 'no_traffic', 'healthy'].find((s) =>
        states.some((x) => x.state === s),
      );
      summaries.set(flag.key, { state: worst, text: `${worst} (${states.length})` });
    }),
  );
  document.title = 'Tripwire · experiments';
  main.replaceChildren(
    renderList({ flags, environmentOf, guardrailSummaries: summaries, now: Date.now() }),
  );
}

/** The effective guardrails (own or the defaults) and the newest check of each guardrail × variant. */
async function loadGuardrails(key, environment) {
  const path = encodeURIComponent(key);
  const env = encodeURIComponent(environment);
  const [effective, log] = await Promise.all([
    api.find(`/api/v1/flags/${path}/guardrails`),
    api.find(`/api/v1/flags/${path}/guardrail-decisions?environment=${env}&limit=500`),
  ]);
  if (effective === undefined) return undefined;
  const latest = new Map();
  for (const decision of log?.decisions ?? []) {
    const id = `${decision.guardrailId}/${decision.variant}`;
    if (decision.kind === 'check' && !latest.has(id)) latest.set(id, decision);
  }
  return { ...effective, states: [...latest.values()] };
}

/** The guardian's kill reports of a flag in one environment, newest first (at most five). */
async function loadKillReports(key, environment) {
  const list = await api.find(`/api/v1/kill-reports?flag=${encodeURIComponent(key)}&limit=20`);
  const mine = (list?.killReports ?? []).filter((k) => k.environment === environment).slice(0, 5);
  return Promise.all(mine.map((k) => api.get(k.url)));
}

async function loadExperiment(key, environment) {
  const path = encodeURIComponent(key);
  const env = encodeURIComponent(environment);
  const [results, history, guardrails, kills] = await Promise.all([
    api.find(`/api/v1/experiments/${path}/results?environment=${env}`),
    api.find(`/api/v1/flags/${path}/history`),
    loadGuardrails(key, environment),
    loadKillReports(key, environment),
  ]);
  return { results, history, guardrails, kills };
}

function nextRampStage(flag, environment) {
  const rollout = flag.environments[environment]?.fallthrough?.rollout;
  if (rollout === undefined) return undefined;
  return RAMP_STAGES.find((stage) => stage > rollout.coverage);
}

function actionsBar(resource, environment, state) {
  if (!canEdit()) {
    return h(
      'p',
      { class: 'muted', id: 'actions-note' },
      principal ? `Your token is a ${principal.role}: kill, restore and ramp need an editor.` : '',
    );
  }
  const { flag } = resource;
  const key = encodeURIComponent(flag.key);
  const act = async (label, text, run) => {
    const reason = await confirmAction(text, label);
    if (reason === undefined) return;
    try {
      await run(reason);
      await route();
    } catch (error) {
      showError(error);
    }
  };
  const next = nextRampStage(flag, environment);
  return h(
    'div',
    { class: 'actions', role: 'group', 'aria-label': 'Editor actions' },
    h(
      'button',
      {
        type: 'button',
        class: 'danger',
        id: 'kill-button',
        disabled: state === 'killed',
        onclick: () =>
          act(
            'Kill',
            `Kill ${flag.key} in ${environment}: every SDK serves ${flag.defaultVariant}.`,
            (reason) => api.post(`/api/v1/flags/${key}/kill`, { environment, reason }),
          ),
      },
      'Kill',
    ),
    h(
      'button',
      {
        type: 'button',
        id: 'restore-button',
        disabled: state !== 'killed',
        onclick: () =>
          act(
            'Restore',
            `Restore ${flag.key} in ${environment} to its state before the kill.`,
            (reason) => api.post(`/api/v1/flags/${key}/restore`, { environment, reason }),
          ),
      },
      'Restore',
    ),
    h(
      'button',
      {
        type: 'button',
        id: 'ramp-button',
        disabled: next === undefined || state === 'killed',
        onclick: () =>
          act('Ramp', `Widen ${flag.key} in ${environment} to ${next / 100}% of units.`, (reason) =>
            rampStep(flag, environment, next, reason),
          ),
      },
      next === undefined ? 'Ramp: at 100%' : `Ramp to ${next / 100}%`,
    ),
  );
}

/** A ramp step: a new flag version whose fallthrough rollout covers the next stage. */
async function rampStep(flag, environment, coverage, reason) {
  const next = structuredClone(flag);
  next.environments[environment].fallthrough.rollout.coverage = coverage;
  await api.put(`/api/v1/flags/${encodeURIComponent(flag.key)}`, {
    flag: next,
    expectedVersion: flag.version,
    reason,
  });
}

async function renderExperiment(key) {
  const resource = await api.get(`/api/v1/flags/${encodeURIComponent(key)}`);
  const { flag } = resource;
  const environment = pickEnvironment(
    flag,
    new URLSearchParams(location.search).get('environment'),
  );
  const state = describeState(resource, environment);
  const data = await loadExperiment(key, environment);
  const environments = Object.keys(flag.environments);
  const picker = h(
    'label',
    { class: 'env-picker' },
    'Environment ',
    h(
      'select',
      {
        id: 'environment',
        onchange: (event) => {
          history.pushState(
            {},
            '',
            `/experiments/${encodeURIComponent(key)}?environment=${encodeURIComponent(event.target.value)}`,
          );
          void route();
        },
      },
      environments.map((e) => h('option', { value: e, selected: e === environment }, e)),
    ),
  );
  const killedBanner = resource.kills
    .filter((k) => k.environment === environment)
    .map((k) =>
      h(
        'div',
        { class: 'banner danger', role: 'status', id: 'killed-banner' },
        h('strong', {}, 'Killed. '),
        `${k.actor} killed this flag in ${environment} at ${formatTime(k.killedAt)} (version ${k.version}): ${k.reason}. Every SDK serves ${flag.defaultVariant}.`,
      ),
    );
  document.title = `Tripwire · ${flag.key}`;
  const sections = [
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
        { class: 'muted' },
        `${flag.kind} · owner ${flag.metadata.owner} · version ${flag.version} · control ${flag.defaultVariant}`,
        flag.metadata.description ? ` · ${flag.metadata.description}` : '',
      ),
      picker,
      actionsBar(resource, environment, state),
    ),
    ...killedBanner,
    ...renderResultsSections(data.results),
    renderGuardrails(data.guardrails),
    renderKillReports(data.kills, (traceId) => `/traces/${traceId}`),
    renderHistory(data.history),
  ];
  main.replaceChildren(...sections.filter((node) => node !== null && node !== undefined));
  const headline = data.results?.variants
    .find((v) => !v.isControl)
    ?.metrics.find((m) => m.metric === 'error_rate')?.comparison?.relative?.estimate;
  if (headline !== undefined)
    document.title = `Tripwire · ${flag.key} · errors ${formatSignedPercent(headline)}`;
}

/** Re-renders every 10 s, but never under a person who is reading or typing (focus, open details or dialog). */
function scheduleRefresh() {
  refreshTimer = setTimeout(() => {
    const busy =
      document.querySelector('dialog[open]') ||
      main.querySelector('details[open]') ||
      (main.contains(document.activeElement) && document.activeElement !== main);
    if (busy) scheduleRefresh();
    else void route();
  }, REFRESH_MS);
}

async function renderTracePage(traceId) {
  const trace = await api.get(`/api/v1/traces/${traceId}`);
  document.title = `Tripwire · trace ${traceId.slice(0, 16)}`;
  main.replaceChildren(renderTrace(trace));
}

async function route() {
  clearTimeout(refreshTimer);
  if (!readToken()) {
    main.replaceChildren(
      h(
        'p',
        {},
        'This page needs a Tripwire API token. ',
        h('button', { type: 'button', onclick: () => askForToken() }, 'Enter token'),
      ),
    );
    askForToken();
    return;
  }
  try {
    if (principal === undefined) await whoAmI();
    const match = /^\/experiments\/([^/]+)$/.exec(location.pathname);
    const trace = /^\/traces\/([0-9a-f]{32})$/.exec(location.pathname);
    if (match) await renderExperiment(decodeURIComponent(match[1]));
    else if (trace) await renderTracePage(trace[1]);
    else await renderHome();
    main.dataset.loaded = String(Date.now());
    scheduleRefresh();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      saveToken('');
      principal = undefined;
      askForToken(error.message);
    } else showError(error);
  }
}

/** `#token=…` (printed by `tripwire demo`): keep the token for this tab, drop it from the URL. */
function takeTokenFromFragment() {
  const match = /^#token=([A-Za-z0-9_.~-]+)$/.exec(location.hash);
  if (match === null) return;
  saveToken(match[1]);
  history.replaceState(history.state, '', location.pathname + location.search);
}

takeTokenFromFragment();
setupTokenDialog();
window.addEventListener('popstate', () => void route());
void route();
