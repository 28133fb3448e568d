// How numbers read on the page. Rates are percentages, latencies milliseconds, lifts are signed;
// a missing value is an em dash.

export const DASH = '—';

/** @param {unknown} value @returns {value is number} */
export const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);

/** @param {number | null | undefined} value @param {number} [digits] */
export function formatPercent(value, digits = 2) {
  return isNumber(value) ? `${(value * 100).toFixed(digits)}%` : DASH;
}

/** A signed percentage; the minus is a real minus sign (U+2212). */
export function formatSignedPercent(/** @type {number | null | undefined} */ value, digits = 1) {
  if (!isNumber(value)) return DASH;
  const text = Math.abs(value * 100).toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  if (Number(text.replace(/,/g, '')) === 0) return `${text}%`;
  return `${value > 0 ? '+' : '−'}${text}%`;
}

/** @param {number | null | undefined} value */
export function formatMs(value) {
  return isNumber(value) ? `${value.toFixed(1)} ms` : DASH;
}

/** @param {number | null | undefined} value */
export function formatCount(value) {
  return isNumber(value) ? Math.round(value).toLocaleString('en-US') : DASH;
}

/** @param {number | null | undefined} value */
export function formatPValue(value) {
  if (!isNumber(value)) return DASH;
  return value < 0.0001 ? '< 0.0001' : value.toFixed(4);
}

/** `[lower, upper]` with a formatter; an open end reads −∞ / +∞. */
export function formatInterval(
  /** @type {readonly (number | null | undefined)[]} */ [lower, upper],
  /** @type {(value: number) => string} */ format,
) {
  return `[${isNumber(lower) ? format(lower) : '−∞'}, ${isNumber(upper) ? format(upper) : '+∞'}]`;
}

/** @param {string} iso @param {number} [now] */
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

/** @param {string | number | null | undefined} iso */
export function formatTime(iso) {
  if (iso === null || iso === undefined) return DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return DASH;
  return date.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/** "2.8×" for a ratio of two means (null when either is missing or the base is 0). */
export function formatRatio(
  /** @type {number | null | undefined} */ numerator,
  /** @type {number | null | undefined} */ denominator,
) {
  if (!isNumber(numerator) || !isNumber(denominator) || denominator === 0) return null;
  const ratio = numerator / denominator;
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}×`;
}
