import Type from 'typebox';
import { ConditionRef, describeRoot } from './condition.js';
import { BuiltinMetricIds } from './builtin-metrics.js';
import { METRIC_ID_PATTERN, MetricDirections } from './metric.js';
import { FLAG_KEY_PATTERN } from './keys.js';

const Key = (description: string) => Type.String({ pattern: FLAG_KEY_PATTERN, description });

export const FlagKinds = ['release', 'experiment', 'permission', 'operational'] as const;
export type FlagKind = (typeof FlagKinds)[number];

export const FlagValueTypes = ['boolean', 'string', 'number', 'json'] as const;
export type FlagValueType = (typeof FlagValueTypes)[number];

/** Any JSON value. The schema accepts anything; `validateFlag` checks it matches the flag `type`. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
const JsonValueSchema = Type.Unsafe<JsonValue>({ description: 'any JSON value' });

/** The attribute that identifies the randomization unit unless a flag says otherwise. */
export const DEFAULT_UNIT_ATTRIBUTE = 'targetingKey';
/** Coverage and bucket resolution: basis points, 10,000 = everyone. */
export const COVERAGE_FULL = 10_000;

export const VariantSchema = Type.Object(
  {
    key: Key('variant key, unique within the flag'),
    value: JsonValueSchema,
    name: Type.Optional(Type.String({ maxLength: 256 })),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);
export type Variant = Type.Static<typeof VariantSchema>;

export const RolloutSchema = Type.Object(
  {
    coverage: Type.Integer({
      minimum: 0,
      maximum: COVERAGE_FULL,
      description:
        'basis points of units in the rollout; the rest get defaultVariant (reason default)',
    }),
    weights: Type.Array(
      Type.Object(
        {
          variant: Key('variant key'),
          weight: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100 },
    ),
    bucketBy: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'attribute to bucket by; default the flag unit',
      }),
    ),
    seed: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2_147_483_647,
        description: 're-salt: change to reshuffle; default 0',
      }),
    ),
  },
  { additionalProperties: false },
);
export type Rollout = Type.Static<typeof RolloutSchema>;

/** What a rule or the fallthrough serves: one variant, or a bucketed rollout. */
export const ServeSchema = Type.Union([
  Type.Object({ variant: Key('variant key') }, { additionalProperties: false }),
  Type.Object({ rollout: RolloutSchema }, { additionalProperties: false }),
]);
export type Serve = Type.Static<typeof ServeSchema>;

const RuleBody = Type.Object(
  {
    id: Key('rule id, unique within the environment'),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    when: ConditionRef,
    serve: ServeSchema,
  },
  { additionalProperties: false },
);
export const RuleSchema = Type.Object(RuleBody.properties, {
  additionalProperties: false,
  ...describeRoot('rule'),
});
export type Rule = Type.Static<typeof RuleBody>;

const EnvironmentStateBody = Type.Object(
  {
    enabled: Type.Boolean(),
    rules: Type.Array(RuleBody, { maxItems: 1000 }),
    fallthrough: ServeSchema,
    offVariant: Type.Optional(Key('served when disabled; default the flag defaultVariant')),
  },
  { additionalProperties: false },
);
export const EnvironmentStateSchema = Type.Object(EnvironmentStateBody.properties, {
  additionalProperties: false,
  ...describeRoot('environment-state'),
});
export type EnvironmentState = Type.Static<typeof EnvironmentStateBody>;

/** The built-in metrics (`builtin-metrics.ts`); a guardrail may also watch any catalog metric. */
export const GuardrailMetrics = BuiltinMetricIds;
/** A metric id: a built-in one or a catalog metric's (checked against the catalog by the service). */
export type GuardrailMetric = string;
/**
 * Which way of the metric is good: the metric registry's vocabulary (`MetricDirections`), the
 * one direction vocabulary of Tripwire. Stored flags and input may still say `increase_is_bad`
 * / `decrease_is_bad` (before 0.2): `migrateLegacyDirections` rewrites them.
 */
export const GuardrailDirections = MetricDirections;
export type GuardrailDirection = (typeof GuardrailDirections)[number];
export const GuardrailActions = ['kill', 'pause', 'alert'] as const;
export type GuardrailAction = (typeof GuardrailActions)[number];
export const DEFAULT_GUARDRAIL_ALPHA = 0.05;

const MetricId = (description: string) => Type.String({ pattern: METRIC_ID_PATTERN, description });
/** The metrics an experiment is judged on; its guardrails name theirs in `guardrails`. */
export const ExperimentMetricsSchema = Type.Object(
  {
    goal: Type.Optional(MetricId('the metric the decision is made on (built-in or catalog)')),
    secondary: Type.Optional(
      Type.Array(MetricId('a metric watched alongside the goal'), {
        maxItems: 32,
        uniqueItems: true,
      }),
    ),
  },
  { additionalProperties: false },
);
export type ExperimentMetrics = Type.Static<typeof ExperimentMetricsSchema>;
/**
 * Statistical conventions of an experiment's fixed-horizon results: Tripwire's own, or
 * GrowthBook's gbstats (Bernoulli variance, relative CUPED over the unadjusted control mean,
 * sequential tuning 5000) for teams reproducing GrowthBook numbers.
 */
export const StatsEngines = ['tripwire', 'gbstats'] as const;
export type StatsEngine = (typeof StatsEngines)[number];

export const GuardrailSchema = Type.Object(
  {
    id: Key('guardrail id, unique within the flag'),
    metric: Type.String({
      pattern: METRIC_ID_PATTERN,
      description: 'metric id: built-in (error_rate, latency_p95, …) or from the metric catalog',
    }),
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    spanName: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    conversionEvent: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    direction: Type.Enum(GuardrailDirections),
    margin: Type.Number({ minimum: 0, maximum: 10, description: 'relative, e.g. 0.05 = 5%' }),
    alpha: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: DEFAULT_GUARDRAIL_ALPHA }),
    ),
    minSample: Type.Integer({ minimum: 1, description: 'units per arm before any decision' }),
    action: Type.Enum(GuardrailActions),
  },
  { additionalProperties: false },
);
export type Guardrail = Type.Static<typeof GuardrailSchema>;

export const PrerequisiteSchema = Type.Object(
  {
    flag: Key('prerequisite flag key'),
    variants: Type.Array(Key('variant key'), { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type Prerequisite = Type.Static<typeof PrerequisiteSchema>;

export const FlagMetadataSchema = Type.Object(
  {
    owner: Type.String({ minLength: 1, maxLength: 256 }),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 64 }),
    ),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type FlagMetadata = Type.Static<typeof FlagMetadataSchema>;

/** The flag body without `$id`/`$defs`, for embedding in other roots of this package. */
export const FlagBody = Type.Object(
  {
    key: Key('flag key'),
    kind: Type.Enum(FlagKinds),
    type: Type.Enum(FlagValueTypes),
    variants: Type.Array(VariantSchema, { minItems: 1, maxItems: 100 }),
    defaultVariant: Key('served when off/killed; for experiments the control'),
    salt: Type.String({ minLength: 1, maxLength: 256 }),
    unit: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: `randomization unit attribute; default ${DEFAULT_UNIT_ATTRIBUTE}`,
      }),
    ),
    recordExposures: Type.Optional(
      Type.Boolean({
        description:
          "true: a rule-served variant (targeting_match) records exposures as a split does; false: this flag records none; absent: the SDK client's exposureReasons (default split only)",
      }),
    ),
    metadata: FlagMetadataSchema,
    prerequisites: Type.Optional(Type.Array(PrerequisiteSchema, { maxItems: 32 })),
    // `propertyNames`: an environment name that is not a key is an error at its own pointer
    // (a Record's key pattern alone only selects which properties the value schema checks).
    environments: Type.Record(Type.String({ pattern: FLAG_KEY_PATTERN }), EnvironmentStateBody, {
      propertyNames: { pattern: FLAG_KEY_PATTERN },
    }),
    guardrails: Type.Optional(Type.Array(GuardrailSchema, { maxItems: 64 })),
    metrics: Type.Optional(ExperimentMetricsSchema),
    statsEngine: Type.Optional(
      Type.Enum(StatsEngines, {
        description: "results' statistical conventions; default tripwire",
      }),
    ),
    version: Type.Integer({ minimum: 0, description: 'set by the control plane' }),
    archived: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const FlagSchema = Type.Object(FlagBody.properties, {
  additionalProperties: false,
  ...describeRoot('flag'),
});
export type Flag = Type.Static<typeof FlagBody>;
