import type { Alternative, Interval } from '../types.js';

export const ALTERNATIVES: readonly Alternative[] = ['two-sided', 'greater', 'less'];

/** p-value of `statistic` for `alternative`, given the upper-tail function of its null law. */
export function computePValue(
  statistic: number,
  alternative: Alternative,
  survival: (x: number) => number,
): number {
  switch (alternative) {
    case 'greater':
      return survival(statistic);
    case 'less':
      return survival(-statistic);
    case 'two-sided':
      return Math.min(1, 2 * survival(Math.abs(statistic)));
  }
}

/**
 * Wald interval `estimate ± q·se` at level 1 − alpha, given the quantile function of the
 * symmetric pivot; one-sided alternatives give one infinite end.
 */
export function computeInterval(
  estimate: number,
  standardError: number,
  options: { alternative: Alternative; alpha: number; quantile: (p: number) => number },
): Interval {
  const { alternative, alpha, quantile } = options;
  switch (alternative) {
    case 'greater':
      return [estimate - quantile(1 - alpha) * standardError, Infinity];
    case 'less':
      return [-Infinity, estimate + quantile(1 - alpha) * standardError];
    case 'two-sided': {
      const half = quantile(1 - alpha / 2) * standardError;
      return [estimate - half, estimate + half];
    }
  }
}
