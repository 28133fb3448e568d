export const SCHEMA_VERSION = 1;
export {
  FlagAttributes,
  DeprecatedFlagAttributes,
  FLAG_EVALUATION_EVENT,
  FLAG_EVALUATION_EVENT_LEGACY,
  EvaluationReasons,
  EvaluationErrorCodes,
  TripwireAttributes,
  SpanNames,
  BaggageKeys,
  MetricNames,
} from './telemetry.js';
export type { EvaluationReason, EvaluationErrorCode } from './telemetry.js';
export { CollectorTables, TripwireTables } from './tables.js';
