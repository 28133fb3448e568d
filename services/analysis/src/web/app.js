// The results page: routes on the path, asks for a token when the API says 401, renders.
import { api, ApiError, readToken, saveToken } from './api.js';
import { h } from './dom.js';
import { loadGuardrails, renderExperiment } from './experiment-page.js';
import { pickEnvironment, renderList } from './list-view.js';
import { renderTrace } from './trace-view.js';

/**
 * @typedef {import('./page-types').Flag} Flag
 * @typedef {import('./page-types').FlagResource} FlagResource
 * @typedef {import('./page-types').Principal} Principal
 */

const ROLE_RANK = /** @type {const} */ ({ viewer: 0, editor: 1, admin: 2 });
/** Coverage stages (basis points) of a ramp step: 1 → 5 → 10 → 25 → 50 → 100%. */
export const RAMP_STAGES = [100, 500, 1000, 2500, 5000, 10_000];
const REFRESH_MS = 10_000;

/** An element of index.html by id (the page cannot run without it). */
function byId(/** @type {string} */ id) {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`index.html has no #${id}`);
  return node;
}
const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (byId(id));
const dialogOf = (/** @type {string} */ id) => /** @type {HTMLDialogElement} */ (byId(id));

const main = byId('main');
/** @type {Principal | undefined} */
let principal;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let refreshTimer;

function showError(/** @type {Error} */ error) {
  main.replaceChildren(
    h('div', { class: 'banner danger', role: 'alert' }, h('strong', {}, 'Error: '), error.message),
  );
}

async function whoAmI() {
  /** @type {Principal} */
  const self = await api.get('/api/v1/tokens/self');
  principal = self;
  byId('who').textContent = `${self.name} · ${self.role}`;
  return self;
}

const canEdit = () => principal !== undefined && ROLE_RANK[principal.role] >= ROLE_RANK.editor;

/** Opens the token dialog; resolves once a token that the API accepts is saved. */
function askForToken(/** @type {string | undefined} */ message) {
  const dialog = dialogOf('token-dialog');
  const field = input('token-input');
  byId('token-error').textContent = message ?? '';
  field.value = '';
  if (!dialog.open) dialog.showModal();
  field.focus();
}

function setupTokenDialog() {
  const dialog = dialogOf('token-dialog');
  byId('token-button').addEventListener('click', () => askForToken(undefined));
  byId('token-forget').addEventListener('click', () => {
    saveToken('');
    principal = undefined;
    byId('who').textContent = '';
    dialog.close();
    void route();
  });
  byId('token-form').addEventListener('submit', (event) => {
    const value = input('token-input').value.trim();
    const submitter = /** @type {HTMLButtonElement | null} */ (event.submitter);
    if (submitter?.value !== 'save' || value === '') return;
    event.preventDefault();
    saveToken(value);
    whoAmI().then(
      () => {
        dialog.close();
        void route();
      },
      (error) => {
        saveToken('');
        byId('token-error').textContent = error.message;
      },
    );
  });
}

/** Asks for a reason and resolves to it, or to undefined when cancelled. */
function confirmAction(/** @type {string} */ text, /** @type {string} */ label) {
  const dialog = dialogOf('confirm-dialog');
  byId('confirm-text').textContent = text;
  byId('confirm-ok').textContent = label;
  const reason = input('confirm-reason');
  reason.value = '';
  dialog.showModal();
  reason.focus();
  return /** @type {Promise<string | undefined>} */ (
    new Promise((resolve) => {
      dialog.addEventListener(
        'close',
        () => resolve(dialog.returnValue === 'confirm' ? reason.value.trim() : undefined),
        { once: true },
      );
    })
  );
}

/** The worst guardian state among checks, as the list shows it. */
const WORST_FIRST = ['breached', 'inconclusive', 'collecting', 'no_traffic', 'healthy'];

async function renderHome() {
  /** @type {{ flags: FlagResource[] }} */
  const { flags } = await api.get('/api/v1/flags');
  const params = new URLSearchParams(location.search);
  const environmentOf = (/** @type {Flag} */ flag) =>
    pickEnvironment(flag, params.get('environment'));
  /** @type {Map<string, { state: string, text: string }>} */
  const summaries = new Map();
  await Promise.all(
    flags.map(async ({ flag }) => {
      const states = (await loadGuardrails(flag.key, environmentOf(flag)))?.states;
      if (states === undefined || states.length === 0) return;
      const worst = WORST_FIRST.find((s) => states.some((x) => x.state === s)) ?? 'healthy';
      summaries.set(flag.key, { state: worst, text: `${worst} (${states.length})` });
    }),
  );
  document.title = 'Tripwire · experiments';
  main.replaceChildren(
    renderList({ flags, environmentOf, guardrailSummaries: summaries, now: Date.now() }),
  );
}

function nextRampStage(/** @type {Flag} */ flag, /** @type {string} */ environment) {
  const fallthrough = flag.environments[environment]?.fallthrough;
  if (fallthrough === undefined || !('rollout' in fallthrough)) return undefined;
  const { rollout } = fallthrough;
  return RAMP_STAGES.find((stage) => stage > rollout.coverage);
}

function actionsBar(
  /** @type {FlagResource} */ resource,
  /** @type {string} */ environment,
  /** @type {string} */ state,
) {
  if (!canEdit()) {
    return h(
      'p',
      { class: 'muted', id: 'actions-note' },
      principal ? `Your token is a ${principal.role}: kill, restore and ramp need an editor.` : '',
    );
  }
  const { flag } = resource;
  const key = encodeURIComponent(flag.key);
  const act = async (
    /** @type {string} */ label,
    /** @type {string} */ text,
    /** @type {(reason: string) => Promise<unknown>} */ run,
  ) => {
    const reason = await confirmAction(text, label);
    if (reason === undefined) return;
    try {
      await run(reason);
      await route();
    } catch (error) {
      showError(/** @type {Error} */ (error));
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
          next === undefined
            ? undefined
            : act(
                'Ramp',
                `Widen ${flag.key} in ${environment} to ${next / 100}% of units.`,
                (reason) => rampStep({ flag, environment, coverage: next, reason }),
              ),
      },
      next === undefined ? 'Ramp: at 100%' : `Ramp to ${next / 100}%`,
    ),
  );
}

/** A ramp step: a new flag version whose fallthrough rollout covers the next stage. */
async function rampStep(
  /** @type {{ flag: Flag, environment: string, coverage: number, reason: string }} */ input,
) {
  const { flag, environment, coverage, reason } = input;
  const next = structuredClone(flag);
  const fallthrough = next.environments[environment]?.fallthrough;
  if (fallthrough === undefined || !('rollout' in fallthrough)) return;
  fallthrough.rollout.coverage = coverage;
  await api.put(`/api/v1/flags/${encodeURIComponent(flag.key)}`, {
    flag: next,
    expectedVersion: flag.version,
    reason,
  });
}

async function renderExperimentPage(/** @type {string} */ key) {
  const nodes = await renderExperiment({
    key,
    environmentParam: new URLSearchParams(location.search).get('environment'),
    actions: actionsBar,
    onEnvironment: (environment) => {
      const query = `?environment=${encodeURIComponent(environment)}`;
      history.pushState({}, '', `/experiments/${encodeURIComponent(key)}${query}`);
      void route();
    },
  });
  main.replaceChildren(...nodes);
  const lift = main.querySelector('tr[data-metric="error_rate"] .lift-estimate')?.textContent;
  document.title = lift
    ? `Tripwire · ${key} · errors ${lift.replace(/^[▲▼] /, '')}`
    : `Tripwire · ${key}`;
}

/** Re-renders every 10 s, but never under a person who is reading or typing (focus, open details or dialog). */
function scheduleRefresh() {
  refreshTimer = setTimeout(() => {
    const busy =
      document.querySelector('dialog[open]') !== null ||
      main.querySelector('details[open]') !== null ||
      (main.contains(document.activeElement) && document.activeElement !== main);
    if (busy) scheduleRefresh();
    else void route();
  }, REFRESH_MS);
}

async function renderTracePage(/** @type {string} */ traceId) {
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
        h('button', { type: 'button', onclick: () => askForToken(undefined) }, 'Enter token'),
      ),
    );
    askForToken(undefined);
    return;
  }
  try {
    if (principal === undefined) await whoAmI();
    const match = /^\/experiments\/([^/]+)$/.exec(location.pathname);
    const trace = /^\/traces\/([0-9a-f]{32})$/.exec(location.pathname);
    if (match?.[1]) await renderExperimentPage(decodeURIComponent(match[1]));
    else if (trace?.[1]) await renderTracePage(trace[1]);
    else await renderHome();
    main.dataset.loaded = String(Date.now());
    scheduleRefresh();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      saveToken('');
      principal = undefined;
      askForToken(error.message);
    } else showError(/** @type {Error} */ (error));
  }
}

/** `#token=…` (printed by `tripwire demo`): keep the token for this tab, drop it from the URL. */
function takeTokenFromFragment() {
  const match = /^#token=([A-Za-z0-9_.~-]+)$/.exec(location.hash);
  if (!match?.[1]) return;
  saveToken(match[1]);
  history.replaceState(history.state, '', location.pathname + location.search);
}

takeTokenFromFragment();
setupTokenDialog();
window.addEventListener('popstate', () => void route());
void route();
