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
