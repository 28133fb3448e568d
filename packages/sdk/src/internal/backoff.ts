export interface BackoffOptions {
  /** Failed attempts so far (0 for the first retry). */
  readonly attempt: number;
  readonly baseMs: number;
  readonly maxMs: number;
  /** A number in [0, 1); passed in so the delay is reproducible in tests. */
  readonly random: number;
}

/**
 * Exponential backoff with "equal jitter": half of min(max, base·2^attempt) fixed, half random,
 * so reconnecting clients spread out but never retry immediately.
 */
export function computeBackoffDelay({ attempt, baseMs, maxMs, random }: BackoffOptions): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
