// Human words for what the API says in identifiers: actors, guardian states and tests,
// evidence sentences, and the glossary behind the page's terms.
import {
  formatCount,
  formatInterval,
  formatSignedPercent,
  formatRatio,
  isNumber,
} from './format.js';
import { describeMetric, formatDifference, formatValue, isIncreaseBad } from './metrics.js';

/** Seconds as the page says them: "0.4 s", "31 s", "3 min". */
function formatSeconds(/** @type {number} */ seconds) {
  if (seconds >= 120) return `${Math.round(seconds / 60)} min`;
  return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
}

/**
 * Where the results' numbers come from (the API's `freshness`): read for this view, or the
 * background snapshot, how old it is and how long it took; every metric, catalog ones too.
 * @param {import('./page-types').ResultsResponse['freshness']} freshness
 */
export function describeFreshness(freshness) {
  if (freshness === undefined) return '';
  const took = formatSeconds(freshness.computeSeconds);
  if (freshness.source === 'live') return `Data read live for this view (${took} to compute).`;
  return `Data from the background snapshot read ${formatSeconds(freshness.ageSeconds)} ago (${took} to compute); every metric, catalog ones included, comes from it.`;
}

/** "token:web-editor#6c6d45d3" → "web-editor"; the guardian and system actors by role. */
export function describeActor(/** @type {string} */ actor) {
  const token = /^token:(.+)#[^#]*$/.exec(actor);
  if (token?.[1]) return token[1];
  if (actor === 'guardian') return 'the guardian (automatic)';
  if (actor.startsWith('system:')) return `the system (${actor.slice('system:'.length)})`;
  return actor;
}

/** Guardian states as a person says them. */
export const STATE_WORDS = /** @type {Record<string, string>} */ ({
  healthy: 'healthy',
  breached: 'breached',
  inconclusive: 'inconclusive',
  collecting: 'collecting data',
  no_traffic: 'no traffic yet',
});

/** @param {string} state */
export const describeState = (state) => STATE_WORDS[state] ?? state.replace(/_/g, ' ');

/** The guardian's test names in words. */
const TEST_WORDS = /** @type {Record<string, string>} */ ({
  'asymptotic-confidence-sequence': 'always-valid',
  msprt: 'always-valid (mSPRT)',
  none: 'no test yet',
});

/** @param {string} test */
export const describeTest = (test) => TEST_WORDS[test] ?? test.replace(/[-_]/g, ' ');

/**
 * One sentence of guardian evidence: "treatment's error rate is 2.8× control's (36.2 % vs
 * 2.7 %); the always-valid 95 % interval [+238 %, +2,274 %] is past the +5.0 % margin, 300
 * units per arm."
 */
export function explainEvidence(
  /** @type {{ metric: string, variant: string, control: string, scale: 'relative' | 'absolute', interval: readonly (number | null)[], margin: number, alpha: number, test: string, controlMean: number | null, treatmentMean: number | null, nControl: number, nTreatment: number, direction?: string }} */ e,
) {
  const metric = describeMetric(e.metric);
  const name = metric.name.toLowerCase();
  if (e.test === 'none' || (e.nControl === 0 && e.nTreatment === 0))
    return `No ${name} data for ${e.variant} and ${e.control} yet.`;
  const ratio = formatRatio(e.treatmentMean, e.controlMean);
  const means = `${formatValue(metric, e.treatmentMean)} vs ${formatValue(metric, e.controlMean)}`;
  const comparison = ratio
    ? `${e.variant}'s ${name} is ${ratio} ${e.control}'s (${means})`
    : `${e.variant}'s ${name} is ${means} for ${e.control}`;
  const relative = e.scale === 'relative';
  /** @param {number} v */
  const fmt = (v) => (relative ? formatSignedPercent(v) : formatDifference(metric, v));
  const bad =
    (e.direction ?? (isIncreaseBad(metric) ? 'lower_is_better' : '')) === 'lower_is_better'
      ? 1
      : -1;
  const [lower, upper] = e.interval;
  const margin = bad * e.margin;
  const past = bad > 0 ? isNumber(lower) && lower > margin : isNumber(upper) && upper < margin;
  const clear = bad > 0 ? isNumber(upper) && upper < margin : isNumber(lower) && lower > margin;
  const where = past ? 'is past' : clear ? 'is inside' : 'still spans';
  const level = Math.round((1 - e.alpha) * 100);
  const arms =
    e.nControl === e.nTreatment
      ? `${formatCount(e.nControl)} units per arm`
      : `${formatCount(e.nTreatment)} / ${formatCount(e.nControl)} units`;
  return `${comparison}; the ${describeTest(e.test)} ${level}% interval ${formatInterval(e.interval, fmt)} ${where} the ${fmt(margin)} margin, ${arms}.`;
}

/** What the page's terms mean; shown as tooltips (abbr title) and in the glossary. */
export const GLOSSARY = /** @type {const} */ ({
  'always-valid interval':
    'A confidence sequence: an interval that stays valid however often you look, so checking the page every minute does not inflate false alarms.',
  lift: 'The change of the treatment against control, relative (per cent of control) unless marked as an absolute difference.',
  significant: 'The always-valid interval of the lift excludes zero.',
  MDE: 'Minimum detectable effect: the smallest true lift this test would detect with 80% power at the units so far.',
  SRM: 'Sample ratio mismatch: the units per variant do not match the configured split (χ² test, p < 0.001). It means assignment or telemetry is broken.',
  guardrail:
    'A metric the guardian watches during a rollout; when its always-valid interval passes the margin in the bad direction, it alerts or kills.',
  margin: 'How much worse a guardrail metric may get before the guardian acts.',
  'BH-adjusted p':
    'p-value adjusted with Benjamini–Hochberg over every breakdown row, so scanning many segments does not produce false findings.',
  CUPED:
    "The lift adjusted with each unit's value before its first exposure (a covariate the treatment cannot change): the same expected lift, a narrower interval. 'variance −x%' is how much narrower in variance.",
  'share of change':
    "The segment's lift times its share of the arm's traffic, over the arm's overall lift: 100% means the whole change is in that segment.",
});

/** @typedef {keyof typeof GLOSSARY} Term */
