import Type from 'typebox';
import { describeRoot } from './condition.js';

/** Metric ids: lowercase, safe in URLs, SQL identifiers of results and Prometheus labels. */
export const METRIC_ID_PATTERN = '^[a-z][a-z0-9_.-]{0,63}$';

/** The OpenTelemetry signal a metric reads. */
export const MetricSources = ['spans', 'events', 'logs', 'metric_points'] as const;
export type MetricSource = (typeof MetricSources)[number];

/**
 * The statistic: `proportion` (per unit: did any matching record occur, 0/1), `mean` (per-unit
 * aggregate of the value, averaged over units), `ratio` (Σ numerator / Σ denominator across
 * units, delta method), `quantile` (of the per-record value, records clustered in units),
 * `count` (matching records per unit).
 */
export const MetricKinds = ['proportion', 'mean', 'ratio', 'quantile', 'count'] as const;
export type MetricKind = (typeof MetricKinds)[number];

export const MetricDirections = ['higher_is_better', 'lower_is_better'] as const;
export type MetricDirection = (typeof MetricDirections)[number];

/**
 * What one matching record contributes: `count` (1), `duration` (span duration, ms), `error`
 * (1 when the span's status is error), `attribute` (a numeric attribute, named by
 * `attribute`), `event_value` (a tracked event's value), `point_value` (a sum or gauge point's
 * value; a histogram, exponential histogram or summary point's sum), `point_count` (their count).
 */
export const MetricValueTypes = [
  'count',
  'duration',
  'error',
  'attribute',
  'event_value',
  'point_value',
  'point_count',
] as const;
export type MetricValueType = (typeof MetricValueTypes)[number];

/** How a unit's records become its value (mean and ratio kinds; default `sum`). */
export const UnitAggregations = ['sum', 'max', 'min', 'mean'] as const;
export type UnitAggregation = (typeof UnitAggregations)[number];

export const MetricPredicateOperators = [
  'equals',
  'not_equals',
  'in',
  'not_in',
  'contains',
  'exists',
  'not_exists',
  'gt',
  'gte',
  'lt',
  'lte',
] as const;
export type MetricPredicateOperator = (typeof MetricPredicateOperators)[number];

export const SpanKinds = ['server', 'client', 'internal', 'producer', 'consumer'] as const;
export const SpanStatuses = ['ok', 'error', 'unset'] as const;
export const LogSeverities = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
/** OTLP metric data point types (`exponential_histogram` and `summary` read as a histogram: Σ, count). */
export const MetricPointTypes = [
  'sum',
  'gauge',
  'histogram',
  'exponential_histogram',
  'summary',
] as const;

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

export const MetricPredicateSchema = Type.Object(
  {
    attribute: Text(256),
    op: Type.Enum(MetricPredicateOperators),
    values: Type.Optional(
      Type.Array(Type.Union([Type.String({ maxLength: 1024 }), Type.Number()]), { maxItems: 100 }),
    ),
  },
  { additionalProperties: false },
);
export type MetricPredicate = Type.Static<typeof MetricPredicateSchema>;

/** Record filters; which apply depends on the source (`METRIC_SOURCE_FIELDS`). */
export const MetricFiltersSchema = Type.Object(
  {
    service: Type.Optional(Text(256)),
    spanName: Type.Optional(Text(1024)),
    spanKind: Type.Optional(Type.Enum(SpanKinds)),
    status: Type.Optional(Type.Enum(SpanStatuses)),
    event: Type.Optional(Text(256)),
    severityAtLeast: Type.Optional(Type.Enum(LogSeverities)),
    bodyContains: Type.Optional(Text(1024)),
    metricName: Type.Optional(Text(256)),
    pointType: Type.Optional(Type.Enum(MetricPointTypes)),
    attributes: Type.Optional(Type.Array(MetricPredicateSchema, { maxItems: 32 })),
  },
  { additionalProperties: false },
);
export type MetricFilters = Type.Static<typeof MetricFiltersSchema>;
export type MetricFilterField = keyof MetricFilters;

export const MetricValueSchema = Type.Object(
  {
    type: Type.Enum(MetricValueTypes),
    attribute: Type.Optional(Text(256)),
  },
  { additionalProperties: false },
);
export type MetricValue = Type.Static<typeof MetricValueSchema>;

/** Winsorization of the per-unit value: at fixed bounds, or at a quantile of the pooled units. */
export const MetricCappingSchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal('absolute'),
      lower: Type.Optional(Type.Number()),
      upper: Type.Optional(Type.Number()),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('quantile'),
      upper: Type.Number({ exclusiveMinimum: 0.5, exclusiveMaximum: 1 }),
    },
    { additionalProperties: false },
  ),
]);
export type MetricCapping = Type.Static<typeof MetricCappingSchema>;

const MetricDefinitionBody = Type.Object(
  {
    id: Type.String({ pattern: METRIC_ID_PATTERN, description: 'unique metric id' }),
    name: Text(256),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    owner: Type.Optional(Text(256)),
    source: Type.Enum(MetricSources),
    filters: Type.Optional(MetricFiltersSchema),
    value: MetricValueSchema,
    /** Ratio kind only: the per-unit denominator (same source; its own filters, default none). */
    denominator: Type.Optional(
      Type.Object(
        { filters: Type.Optional(MetricFiltersSchema), value: MetricValueSchema },
        { additionalProperties: false },
      ),
    ),
    unitAggregation: Type.Optional(Type.Enum(UnitAggregations)),
    kind: Type.Enum(MetricKinds),
    /** Quantile kind only: the level in (0, 1), e.g. 0.95. */
    quantile: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
    direction: Type.Enum(MetricDirections),
    /** Display unit of the value: `ms`, `fraction`, `USD`, `requests`, … */
    unit: Type.Optional(Text(32)),
    capping: Type.Optional(MetricCappingSchema),
    cuped: Type.Optional(Type.Boolean()),
    tags: Type.Optional(Type.Array(Text(64), { maxItems: 32 })),
  },
  { additionalProperties: false },
);
export const MetricDefinitionSchema = Type.Object(MetricDefinitionBody.properties, {
  additionalProperties: false,
  ...describeRoot('metric-definition'),
});
export type MetricDefinition = Type.Static<typeof MetricDefinitionBody>;

/** The filter fields each source understands; any other is an error naming the field. */
export const METRIC_SOURCE_FIELDS: Record<MetricSource, readonly MetricFilterField[]> = {
  spans: ['service', 'spanName', 'spanKind', 'status', 'attributes'],
  events: ['event', 'service', 'attributes'],
  logs: ['service', 'severityAtLeast', 'bodyContains', 'attributes'],
  metric_points: ['metricName', 'pointType', 'service', 'attributes'],
};

/** The value types each source can produce. */
export const METRIC_SOURCE_VALUES: Record<MetricSource, readonly MetricValueType[]> = {
  spans: ['count', 'duration', 'error', 'attribute'],
  events: ['count', 'event_value', 'attribute'],
  logs: ['count', 'attribute'],
  metric_points: ['point_value', 'point_count'],
};
