import type { EvaluationErrorCode, EvaluationReason } from './telemetry.js';

/**
 * The outcome of evaluating one flag, shaped like OpenFeature's resolution details with the
 * semconv (lowercase) reasons and error codes.
 */
export interface EvaluationResult<T> {
  value: T;
  variant?: string;
  reason: EvaluationReason;
  errorCode?: EvaluationErrorCode;
  errorMessage?: string;
  flagVersion?: number;
}

/** Attributes of the evaluated subject; `targetingKey` is the default randomization unit. */
export interface EvaluationContext {
  targetingKey?: string;
  [attribute: string]: unknown;
}
