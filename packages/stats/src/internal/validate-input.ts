import { StatsError } from '../stats-error.js';

/** `where.field`, formatted only when an error is thrown (validation runs on every check). */
function name(where: string, field: string | undefined): string {
  return field === undefined ? where : `${where}.${field}`;
}

/** Throws `non_finite` unless `value` is a finite number; returns it. */
export function requireFinite(value: number, where: string, field?: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new StatsError(
      'non_finite',
      `${name(where, field)} must be a finite number, got ${String(value)}`,
    );
  }
  return value;
}

/** Throws `invalid_count` unless `value` is a finite number ≥ 0. */
export function requireNonNegative(value: number, where: string, field?: string): number {
  requireFinite(value, where, field);
  if (value < 0) {
    throw new StatsError('invalid_count', `${name(where, field)} must be ≥ 0, got ${value}`);
  }
  return value;
}

/** Throws `invalid_count` unless `value` is a non-negative integer. */
export function requireCount(value: number, where: string, field?: string): number {
  requireNonNegative(value, where, field);
  if (!Number.isInteger(value)) {
    throw new StatsError(
      'invalid_count',
      `${name(where, field)} must be an integer count, got ${value}`,
    );
  }
  return value;
}

/** Throws `invalid_probability` unless 0 < value < 1. */
export function requireOpenProbability(value: number, where: string, field?: string): number {
  requireFinite(value, where, field);
  if (!(value > 0 && value < 1)) {
    throw new StatsError(
      'invalid_probability',
      `${name(where, field)} must be in (0, 1), got ${value}`,
    );
  }
  return value;
}

/** Throws `invalid_option` unless `value` is one of `allowed`. */
export function requireOneOf<T extends string>(value: T, allowed: readonly T[], where: string): T {
  if (!allowed.includes(value)) {
    throw new StatsError(
      'invalid_option',
      `${where} must be one of ${allowed.join(', ')}, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Relative slack on Σx² − (Σx)²/n for float cancellation: sums of squares formed in a database
 * in double precision are off by a few ulps of Σx², never by 1e-9 of it.
 */
const MOMENT_TOLERANCE = 1e-9;

/**
 * Centred sum of squares Σ(x − x̄)² = Σx² − (Σx)²/n (≥ 0). Throws `impossible_moments` naming
 * `where.field` when it is negative beyond float tolerance (no real data produce that).
 */
export function computeCentredSquares(
  moments: { units: number; sum: number; sumSquares: number },
  where: string,
  field: string,
): number {
  const { units, sum, sumSquares } = moments;
  const squaredSum = (sum * sum) / units;
  const centred = sumSquares - squaredSum;
  if (centred >= 0) return centred;
  if (-centred > MOMENT_TOLERANCE * Math.max(sumSquares, squaredSum)) {
    throw new StatsError(
      'impossible_moments',
      `${name(where, field)} = ${sumSquares} is below (Σ)²/units = ${squaredSum}: impossible moments`,
    );
  }
  return 0;
}

/**
 * Centred cross product Σ(x − x̄)(y − ȳ); throws `impossible_moments` naming `where.field`
 * when it breaks Cauchy–Schwarz (|c_xy| ≤ √(c_xx·c_yy)) beyond float tolerance.
 */
export function computeCentredCrossProduct(
  input: { units: number; sumX: number; sumY: number; sumXY: number; cxx: number; cyy: number },
  where: string,
  field: string,
): number {
  const { units, sumX, sumY, sumXY, cxx, cyy } = input;
  const centred = sumXY - (sumX * sumY) / units;
  const bound = Math.sqrt(cxx * cyy);
  const slack = MOMENT_TOLERANCE * (Math.abs(sumXY) + Math.abs((sumX * sumY) / units));
  if (Math.abs(centred) > bound + slack) {
    throw new StatsError(
      'impossible_moments',
      `${name(where, field)} = ${sumXY} gives |Σ(x − x̄)(y − ȳ)| = ${Math.abs(centred)} above √(Σ(x − x̄)²·Σ(y − ȳ)²) = ${bound}: impossible moments`,
    );
  }
  return Math.max(-bound, Math.min(bound, centred));
}
