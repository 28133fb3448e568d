// The status header: the one thing that matters about the experiment now — killed, breached,
// sample ratio mismatch, not enough data yet, or healthy — and the SRM check's result, always.
import { h, term } from './dom.js';
import { formatCount, formatPValue, formatTime } from './format.js';
import { describeMetric, findResult, judgeLift, listMetrics } from './metrics.js';
import { describeActor, explainEvidence } from './words.js';

/**
 * @typedef {import('./page-types').FlagResource} FlagResource
 * @typedef {import('./page-types').ResultsResponse} ResultsResponse
 * @typedef {import('./page-types').GuardrailInfo} GuardrailInfo
 * @typedef {'killed' | 'breached' | 'srm' | 'collecting' | 'worse' | 'healthy'} Status
 * @typedef {{ status: Status, title: string, detail: string[] }} Headline
 */

/** Units per arm before the page calls a result more than "not enough data yet". */
const MIN_UNITS_PER_ARM = 2;

/** Which status applies, in order of what an owner must act on first. */
export function decideStatus(
  /** @type {{ resource: FlagResource, environment: string, results: ResultsResponse | undefined, guardrails: GuardrailInfo | undefined }} */ input,
) {
  const { resource, environment, results, guardrails } = input;
  const kill = resource.kills.find((k) => k.environment === environment);
  if (kill !== undefined) {
    return /** @type {Headline} */ ({
      status: 'killed',
      title: `Killed by ${describeActor(kill.actor)}`,
      detail: [
        `${formatTime(kill.killedAt)} (flag version ${kill.version}): ${kill.reason}`,
        `Every SDK serves ${resource.flag.defaultVariant}.`,
      ],
    });
  }
  const breached = (guardrails?.states ?? []).filter((s) => s.state === 'breached');
  if (breached.length > 0) {
    return /** @type {Headline} */ ({
      status: 'breached',
      title: `Guardrail breached: ${[...new Set(breached.map((b) => b.guardrailId))].join(', ')}`,
      detail: breached.map(
        (b) =>
          `${b.guardrailId} (${describeMetric(b.metric).name}, ${b.variant}) since ${formatTime(b.since ?? b.checkedAt)}, action ${b.action}: ${explainEvidence({ ...b, control: b.controlVariant, interval: [b.intervalLower, b.intervalUpper] })}`,
      ),
    });
  }
  if (results?.srm?.mismatch) {
    return /** @type {Headline} */ ({
      status: 'srm',
      title: 'Sample ratio mismatch: do not trust these results',
      detail: [
        'Units per variant do not match the configured split; assignment or telemetry is broken.',
      ],
    });
  }
  const thin = results === undefined || results.variants.some((v) => v.units < MIN_UNITS_PER_ARM);
  if (thin) {
    return /** @type {Headline} */ ({
      status: 'collecting',
      title: 'Not enough data yet',
      detail: [
        results === undefined
          ? 'No results for this flag yet.'
          : `Units so far: ${results.variants.map((v) => `${v.variant} ${formatCount(v.units)}`).join(', ')}.`,
      ],
    });
  }
  const watching = guardrails?.states.length ?? 0;
  const checks =
    watching > 0
      ? `No guardrail breached (${watching} checks, newest ${formatTime(guardrails?.states[0]?.checkedAt)}).`
      : 'No guardrail breached.';
  const worse = results === undefined ? [] : listWorse(results);
  if (worse.length > 0) {
    return /** @type {Headline} */ ({
      status: 'worse',
      title: `Significantly worse: ${worse.join(', ')}`,
      detail: [
        checks,
        'The always-valid interval of these metrics excludes no change, in the bad direction.',
      ],
    });
  }
  return /** @type {Headline} */ ({ status: 'healthy', title: 'Healthy', detail: [checks] });
}

/** "Error rate (treatment)" for every metric × treatment whose interval is past zero the bad way. */
function listWorse(/** @type {ResultsResponse} */ results) {
  return results.variants
    .filter((v) => !v.isControl)
    .flatMap((variant) =>
      listMetrics(results).flatMap((metric) => {
        const c = findResult(variant, metric)?.comparison;
        const verdict = c === undefined ? 'none' : judgeLift(metric, c.relative ?? c.absolute);
        return verdict === 'worse' ? [`${metric.name} (${variant.variant})`] : [];
      }),
    );
}

/** The SRM line: shown whether the check passes or fails, or why it did not run. */
function srmLine(/** @type {ResultsResponse | undefined} */ results) {
  const srm = results?.srm;
  if (srm === null || srm === undefined)
    return h(
      'p',
      { id: 'srm-result', dataset: { srm: 'none' } },
      term('SRM'),
      ' check: not run (no rollout weights or no units yet).',
    );
  const observed = Object.entries(srm.observed)
    .map(([v, n]) => `${v} ${formatCount(n)} (expected ${formatCount(srm.expected[v])})`)
    .join(', ');
  const verdict = srm.mismatch ? 'failed' : 'passed';
  return h(
    'p',
    { id: 'srm-result', dataset: { srm: verdict } },
    term('SRM'),
    ` check ${verdict}: ${observed}; χ² = ${srm.statistic.toFixed(2)}, p = ${formatPValue(srm.pValue)} ${srm.mismatch ? '<' : '≥'} ${srm.threshold}.`,
  );
}

/** The header banner (role status; alert when something is wrong). */
export function renderStatusHeader(/** @type {Parameters<typeof decideStatus>[0]} */ input) {
  const headline = decideStatus(input);
  const urgent =
    headline.status === 'killed' || headline.status === 'breached' || headline.status === 'srm';
  return h(
    'div',
    {
      class: `status status-${headline.status}`,
      id: 'status',
      role: urgent ? 'alert' : 'status',
      dataset: { status: headline.status },
    },
    h('p', { class: 'status-title' }, h('strong', {}, headline.title)),
    headline.detail.map((line) => h('p', { class: 'status-detail' }, line)),
    srmLine(input.results),
  );
}
