/**
 * The telemetry contract between the SDK (which writes) and the analysis service (which reads).
 * Feature-flag names are copied from the OpenTelemetry semantic conventions v1.44
 * (model/feature-flags/registry.yaml); we keep our own copy instead of importing
 * `@opentelemetry/semantic-conventions/incubating` at runtime.
 */
export const FlagAttributes = {
  key: 'feature_flag.key',
  variant: 'feature_flag.result.variant',
  value: 'feature_flag.result.value',
  reason: 'feature_flag.result.reason',
  providerName: 'feature_flag.provider.name',
  contextId: 'feature_flag.context.id',
  setId: 'feature_flag.set.id',
  version: 'feature_flag.version',
  errorType: 'error.type',
  errorMessage: 'feature_flag.error.message',
} as const;

/** Older spellings: accepted on ingest, never emitted. Maps old name to current name. */
export const DeprecatedFlagAttributes = {
  'feature_flag.variant': FlagAttributes.variant,
  'feature_flag.provider_name': FlagAttributes.providerName,
  'feature_flag.system': FlagAttributes.providerName,
  'feature_flag.evaluation.reason': FlagAttributes.reason,
  'feature_flag.evaluation.error.message': FlagAttributes.errorMessage,
} as const;

/** The semconv log event name (and its pre-v1.29 spelling, accepted on ingest). */
export const FLAG_EVALUATION_EVENT = 'feature_flag.evaluation';
export const FLAG_EVALUATION_EVENT_LEGACY = 'feature_flag';

/** Reasons, lowercase as semconv writes them (OpenFeature's uppercase reasons lower-cased). */
export const EvaluationReasons = [
  'static',
  'default',
  'targeting_match',
  'split',
  'cached',
  'disabled',
  'unknown',
  'stale',
  'error',
] as const;
export type EvaluationReason = (typeof EvaluationReasons)[number];

/** `error.type` values (OpenFeature error codes lower-cased). */
export const EvaluationErrorCodes = [
  'flag_not_found',
  'invalid_context',
  'parse_error',
  'provider_fatal',
  'provider_not_ready',
  'targeting_key_missing',
  'type_mismatch',
  'general',
] as const;
export type EvaluationErrorCode = (typeof EvaluationErrorCodes)[number];

/** Tripwire's own keys: one prefix, `tripwire.`. */
export const TripwireAttributes = {
  /** Keyed hash (HMAC-SHA256, hex, truncated to 32 chars) of the unit key; raw unit keys never leave the process. */
  unitId: 'tripwire.unit.id',
  /** The unit kind (`user`, `account`, …) the flag randomizes on. */
  unitKind: 'tripwire.unit.kind',
  /** Prefix of the per-flag attribution attribute stamped on spans: `tripwire.variant.<flagKey>` = variant key. */
  variantPrefix: 'tripwire.variant.',
  /** Environment the SDK evaluates (`production`, …). */
  environment: 'tripwire.environment',
  /** Conversion event name and optional numeric value, on a conversion span. */
  conversionEvent: 'tripwire.conversion.event',
  conversionValue: 'tripwire.conversion.value',
} as const;

/** Span names the SDK emits. */
export const SpanNames = {
  exposure: 'tripwire.exposure',
  conversion: 'tripwire.conversion',
} as const;

/**
 * W3C baggage entries carrying assignments across services.
 * `tripwire.unit` = hashed unit id; `tripwire.assignments` = `flagKey:variant` pairs joined by `,`
 * (flag and variant keys are restricted to `[A-Za-z0-9_.-]`, so no escaping is needed).
 */
export const BaggageKeys = {
  unit: 'tripwire.unit',
  assignments: 'tripwire.assignments',
} as const;

/** Metric instrument names the SDK registers (never with unit ids as attributes). */
export const MetricNames = {
  evaluations: 'tripwire.sdk.evaluations',
  exposures: 'tripwire.sdk.exposures',
  configVersion: 'tripwire.sdk.config.version',
  configAge: 'tripwire.sdk.config.age',
} as const;
