/** Every way an input to `@tripwire/stats` can be rejected. */
export type StatsErrorCode =
  | 'invalid_count'
  | 'non_finite'
  | 'invalid_probability'
  | 'invalid_option'
  | 'length_mismatch'
  | 'metric_mismatch'
  | 'insufficient_data'
  | 'impossible_moments';

/** The one error class of this package; `message` names the offending field (e.g. `treatment.units`). */
export class StatsError extends Error {
  readonly code: StatsErrorCode;

  constructor(code: StatsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StatsError';
    this.code = code;
  }
}
