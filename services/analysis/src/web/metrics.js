// The experiment's metrics as the results list them (`results.metrics`: key, id, name, kind,
// direction, unit), rendered generically: a metric the page has never heard of still gets its
// row, chart and words. Guardrails and breakdowns name metrics by id; describeMetric finds them.
import { DASH, formatMs, formatPercent, isNumber } from './format.js';

/**
 * @typedef {import('./page-types').ResultsResponse} ResultsResponse
 * @typedef {import('./page-types').MetricResult} MetricResult
 * @typedef {import('./page-types').ResultMetric} MetricDefinition
 * @typedef {'better' | 'worse' | 'none'} Verdict
 */

/** A metric the results do not list (a guardrail on a metric with no data yet): named by its id. */
function unlisted(/** @type {string} */ id) {
  const [base = id] = id.split(':');
  const ms = /latency/.test(base);
  const fraction = /rate|conversion/.test(base);
  return /** @type {MetricDefinition} */ ({
    key: id,
    id,
    name: base.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()),
    kind: fraction ? 'proportion' : 'mean',
    direction: base === 'conversion' ? 'higher_is_better' : 'lower_is_better',
    unit: ms ? 'ms' : fraction ? 'fraction' : null,
  });
}

/** The metric with this key or id among the results' metrics (or a plain description of the id). */
export function describeMetric(
  /** @type {string} */ id,
  /** @type {MetricDefinition[]} */ list = [],
) {
  return list.find((m) => m.key === id) ?? list.find((m) => m.id === id) ?? unlisted(id);
}

/** Every metric of the experiment, once, in the order the results list them. */
export function listMetrics(/** @type {ResultsResponse} */ results) {
  return results.metrics;
}

/** A variant's result for one metric. */
export function findResult(
  /** @type {{ metrics: MetricResult[] }} */ variant,
  /** @type {MetricDefinition} */ metric,
) {
  return variant.metrics.find((m) => m.key === metric.key);
}

/** Whether a rise in the metric is bad for users. */
export function isIncreaseBad(/** @type {MetricDefinition} */ metric) {
  return metric.direction === 'lower_is_better';
}

/** Rates and fractions read as percentages. */
export function isFraction(/** @type {MetricDefinition} */ metric) {
  return metric.unit === 'fraction';
}

/** A metric's own value: a rate as a percentage, a latency in ms, anything else with its unit. */
export function formatValue(
  /** @type {MetricDefinition} */ metric,
  /** @type {number | null | undefined} */ value,
) {
  if (!isNumber(value)) return DASH;
  if (isFraction(metric)) return formatPercent(value);
  if (metric.unit === 'ms') return formatMs(value);
  const text = value.toLocaleString('en-US', { maximumFractionDigits: 3 });
  return metric.unit ? `${text} ${metric.unit}` : text;
}

/** An absolute difference on the metric's scale: percentage points for rates, ms for latency. */
export function formatDifference(
  /** @type {MetricDefinition} */ metric,
  /** @type {number | null | undefined} */ value,
) {
  if (!isNumber(value)) return DASH;
  const sign = value > 0 ? '+' : value < 0 ? '−' : '';
  const size = Math.abs(value);
  if (isFraction(metric)) return `${sign}${(size * 100).toFixed(2)} pp`;
  if (metric.unit === 'ms') return `${sign}${size.toFixed(1)} ms`;
  return `${sign}${size.toLocaleString('en-US', { maximumFractionDigits: 3 })}${metric.unit ? ` ${metric.unit}` : ''}`;
}

/**
 * Good or bad for users: a change is significant when the always-valid interval (safe to look
 * at any time) excludes zero; whether that is better or worse follows the metric's direction.
 */
export function judgeLift(
  /** @type {MetricDefinition} */ metric,
  /** @type {{ alwaysValidInterval: (number | null)[] } | undefined} */ lift,
) {
  const [lower, upper] = lift?.alwaysValidInterval ?? [null, null];
  const up = isNumber(lower) && lower > 0;
  const down = isNumber(upper) && upper < 0;
  /** @type {Verdict} */
  const verdict = !up && !down ? 'none' : up === isIncreaseBad(metric) ? 'worse' : 'better';
  return verdict;
}

/**
 * Whether values of the metric cannot be negative (a relative change cannot pass −100 %): as the
 * API says (`nonNegative`, from the definition), else guessed from the kind and unit.
 */
export function isNonNegative(/** @type {MetricDefinition} */ metric) {
  if (metric.nonNegative !== undefined) return metric.nonNegative;
  return (
    isFraction(metric) ||
    metric.unit === 'ms' ||
    metric.kind === 'proportion' ||
    metric.kind === 'count'
  );
}
