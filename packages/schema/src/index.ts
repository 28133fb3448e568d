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

export { FLAG_KEY_PATTERN } from './keys.js';
export { SEMVER_PATTERN } from './semver-pattern.js';
export {
  MAX_MATCH_INPUT_LENGTH,
  MAX_PATTERN_LENGTH,
  MAX_PATTERN_NESTING,
  compileMatchPattern,
} from './match-pattern.js';
export type { MatchPattern, MatchPatternCompilation } from './match-pattern.js';
export {
  ConditionOperators,
  ConditionSchema,
  ConditionDefinition,
  SCHEMA_ID_BASE,
} from './condition.js';
export type {
  Condition,
  ConditionOperator,
  ConditionValue,
  AttributeCondition,
  AllCondition,
  AnyCondition,
  NotCondition,
  SegmentCondition,
} from './condition.js';
export {
  FlagKinds,
  FlagValueTypes,
  DEFAULT_UNIT_ATTRIBUTE,
  COVERAGE_FULL,
  DEFAULT_GUARDRAIL_ALPHA,
  GuardrailMetrics,
  GuardrailDirections,
  GuardrailActions,
  StatsEngines,
  VariantSchema,
  RolloutSchema,
  ServeSchema,
  RuleSchema,
  EnvironmentStateSchema,
  GuardrailSchema,
  ExperimentMetricsSchema,
  PrerequisiteSchema,
  FlagMetadataSchema,
  FlagSchema,
} from './flag.js';
export type {
  FlagKind,
  FlagValueType,
  JsonValue,
  Variant,
  Rollout,
  Serve,
  Rule,
  EnvironmentState,
  GuardrailMetric,
  GuardrailDirection,
  GuardrailAction,
  StatsEngine,
  Guardrail,
  ExperimentMetrics,
  Prerequisite,
  FlagMetadata,
  Flag,
} from './flag.js';
export { SegmentSchema } from './segment.js';
export type { Segment } from './segment.js';
export {
  SCHEMA_VERSION,
  ConfigSnapshotSchema,
  ConfigPatchSchema,
  SdkPaths,
  SdkStreamEvents,
  SDK_STREAM_HEARTBEAT_MS,
  applyConfigPatch,
} from './config.js';
export type { ConfigSnapshot, ConfigPatch, SdkStreamEvent } from './config.js';
export type { EvaluationResult, EvaluationContext } from './evaluation-result.js';
export { MAX_CONDITION_DEPTH } from './check-condition.js';
export {
  validateFlag,
  validateSegment,
  validateConfigSnapshot,
  validateConfigPatch,
} from './validate.js';
export type { ValidationIssue, ValidationResult } from './validation-issue.js';
export { validateMetricDefinition } from './validate.js';
export {
  METRIC_ID_PATTERN,
  MetricSources,
  MetricKinds,
  MetricDirections,
  MetricValueTypes,
  UnitAggregations,
  MetricPredicateOperators,
  SpanKinds,
  SpanStatuses,
  LogSeverities,
  MetricPointTypes,
  MetricPredicateSchema,
  MetricFiltersSchema,
  MetricValueSchema,
  MetricCappingSchema,
  MetricDefinitionSchema,
  METRIC_SOURCE_FIELDS,
  METRIC_SOURCE_VALUES,
} from './metric.js';
export type {
  MetricSource,
  MetricKind,
  MetricDirection,
  MetricValueType,
  UnitAggregation,
  MetricPredicateOperator,
  MetricPredicate,
  MetricFilters,
  MetricFilterField,
  MetricValue,
  MetricCapping,
  MetricDefinition,
} from './metric.js';
export { explainCupedLimit } from './check-metric.js';
export {
  BuiltinMetricIds,
  BUILTIN_METRICS,
  findBuiltinMetric,
  isBuiltinMetricId,
} from './builtin-metrics.js';
export type { BuiltinMetricId } from './builtin-metrics.js';
export { expandFlagsFile, isFlagsFile } from './flags-file.js';
export type { FlagsFile, FlagShorthand, RuleShorthand } from './flags-file.js';
export { migrateLegacyDirections, migrateLegacyConfig } from './migrate-legacy-directions.js';
