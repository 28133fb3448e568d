/** Every way an input to `@tripwire/stats` can be rejected. */
export const StatsErrorCodes = [
  'invalid_count',
  'non_finite',
  'invalid_probability',
  'invalid_option',
  'length_mismatch',
  'metric_mismatch',
  'insufficient_data',
  'impossible_moments',
] as const;
export type StatsErrorCode = (typeof StatsErrorCodes)[number];

/** The one error class of this package; `message` names the offending field (e.g. `treatment.units`). */
export class StatsError extends Error {
  readonly code: StatsErrorCode;

  constructor(code: StatsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StatsError';
    this.code = code;
  }
}
