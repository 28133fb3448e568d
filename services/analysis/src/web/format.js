// How numbers read on the page. Rates are percentages with two decimals, latencies are
// milliseconds with one decimal, lifts are signed; a missing value is an em dash.

export const DASH = '—';

const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);

/** Metrics whose increase is bad for users (a rise in them is a regression). */
const INCREASE_IS_BAD = new Set([
  'error_rate',
  'latency_mean',
  'latency_p50',
  'latency_p95',
  'latency_p99',
]);

export const METRIC_LABELS = {
  conversion: 'Conversion',
  error_rate: 'Error rate',
  latency_mean: 'Mean latency',
  latency_p50: 'p50 latency',
  latency_p95: 'p95 latency',
  latency_p99: 'p99 latency',
};

export function isRate(metric) {
  return metric === 'error_rate' || metric === 'conversion';
}

export function formatPercent(value, digits = 2) {
  return isNumber(value) ? `${(value * 100).toFixed(digits)}%` : DASH;
}

export function formatSignedPercent(value, digits = 1) {
  if (!isNumber(value)) return DASH;
  const text = (value * 100).toFixed(digits);
  return `${value > 0 && Number(text) !== 0 ? '+' : ''}${text}%`;
}

export function formatMs(value) {
  return isNumber(value) ? `${value.toFixed(1)} ms` : DASH;
}

export function formatCount(value) {
  return isNumber(value) ? Math.round(value).toLocaleString('en-US') : DASH;
}

/** A metric's own value: a rate as a percentage, a latency in ms. */
export function formatMetricValue(metric, value) {
  return isRate(metric) ? formatPercent(value) : formatMs(value);
}

/** An absolute difference on the metric's scale: percentage points for rates, ms for latency. */
export function formatAbsoluteLift(metric, value) {
  if (!isNumber(value)) return DASH;
  const sign = value > 0 ? '+' : '';
  return isRate(metric) ? `${sign}${(value * 100).toFixed(2)} pp` : `${sign}${value.toFixed(1)} ms`;
}

export function formatInterval([lower, upper], format) {
  return `[${isNumber(lower) ? format(lower) : '−∞'}, ${isNumber(upper) ? format(upper) : '+∞'}]`;
}

export function formatPValue(value) {
  if (!isNumber(value)) return DASH;
  return value < 0.0001 ? '< 0.0001' : value.toFixed(4);
}

/**
 * Whether a lift is significant: the always-valid interval (safe to look at any time) excludes
 * zero. Returns 'better', 'worse' or 'none' (not significant), from the metric's direction.
 */
export function judgeLift(metric, lift) {
  const [lower, upper] = lift?.alwaysValidInterval ?? [null, null];
  const above = isNumber(lower) && lower > 0;
  const below = isNumber(upper) && upper < 0;
  if (!above && !below) return 'none';
  const bad = INCREASE_IS_BAD.has(metric) ? above : below;
  return bad ? 'worse' : 'better';
}

export function formatAge(iso, now = Date.now()) {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return DASH;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return DASH;
  return date.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}
