import { MetricDirections, MetricKinds, StatsEngines } from '@tripwire/schema';
import { StatsErrorCodes } from '@tripwire/stats';
import Type from 'typebox';

/**
 * The response of `GET /api/v1/experiments/{key}/results` (and `/api/v1/flags/{key}/results`).
 * Every number is finite or `null` (JSON has no Infinity/NaN): `null` means "not estimable
 * with the data so far" (e.g. one unit in an arm, no requests, control value 0).
 */
const Num = Type.Union([Type.Number(), Type.Null()]);
const IntervalSchema = Type.Array(Num, { minItems: 2, maxItems: 2, description: '[lower, upper]' });

/** One scale (absolute or relative) of a treatment-vs-control comparison. */
export const LiftSchema = Type.Object({
  /**
   * `not_enough_information` when an arm has zero variance (no conversion, no error, a constant
   * metric): the test declines, interval [null, null] and p-value 1, instead of a zero width.
   */
  status: Type.Union([Type.Literal('ok'), Type.Literal('not_enough_information')]),
  estimate: Num,
  standardError: Num,
  /** Wald statistic (estimate − 0) / standardError. */
  statistic: Num,
  /** Welch–Satterthwaite ν of the Student t reference (null: normal reference). */
  degreesOfFreedom: Num,
  /** Fixed-horizon (Wald, Student t) two-sided 1 − alpha interval. */
  interval: IntervalSchema,
  /** Fixed-horizon two-sided p-value of H0: lift = 0. */
  pValue: Num,
  /** Always-valid two-sided 1 − alpha interval (confidence sequence): safe to peek at. */
  alwaysValidInterval: IntervalSchema,
  /** Always-valid two-sided p-value of H0: lift = 0. */
  alwaysValidPValue: Num,
});
export type Lift = Type.Static<typeof LiftSchema>;

/** Sequential state of a comparison, from the always-valid interval (`describe-sequential-state.ts`). */
export const SequentialStateSchema = Type.Object({
  /** decided: the always-valid interval excludes 0; keep_running: not yet. */
  state: Type.Union([Type.Literal('decided'), Type.Literal('keep_running')]),
  /** Scale of the effect sizes: relative when the comparison has a relative lift. */
  scale: Type.Union([Type.Literal('absolute'), Type.Literal('relative')]),
  /** Smallest true lift detected with `power` at the units so far. */
  minimumDetectableEffect: Num,
  /** More units (both arms) until the current estimate, if true, is detected with `power`; 0 once decided. */
  additionalUnits: Num,
  power: Type.Number(),
});

/** Fixed-horizon power of a comparison at the units so far (`describePower`, compare-arms.ts). */
export const PowerSchema = Type.Object({
  /** The power the minimum detectable effects are stated at (0.8). */
  level: Type.Number(),
  /** Two-sided significance level of the test. */
  alpha: Type.Number(),
  /** Smallest true absolute lift detected with probability `level`. */
  minimumDetectableEffect: Num,
  /** The same on the relative scale (fraction of control); null without a relative lift. */
  relativeMinimumDetectableEffect: Num,
  /** Power against a true lift equal to the current estimate (planning only, not evidence). */
  estimatePower: Num,
});

export const ComparisonSchema = Type.Object({
  absolute: LiftSchema,
  /** Absent when the control value is 0. */
  relative: Type.Optional(LiftSchema),
  /**
   * CUPED-adjusted lift, when a pre-exposure covariate exists (conversions, catalog metrics
   * with `cuped`); relative is
   * adjusted T / adjusted C − 1 (tripwire) or (adjusted T − adjusted C) / unadjusted C (gbstats).
   */
  cuped: Type.Optional(
    Type.Object({
      absolute: LiftSchema,
      relative: Type.Optional(LiftSchema),
      theta: Num,
      varianceReduction: Num,
    }),
  ),
  /** Absent when the lift has no standard error yet. */
  sequential: Type.Optional(SequentialStateSchema),
  /** Fixed-horizon power at the units so far; absent when the lift has no standard error yet. */
  power: Type.Optional(PowerSchema),
});
export type Comparison = Type.Static<typeof ComparisonSchema>;

/**
 * One metric of the experiment as the results show it: its definition's id, name, kind,
 * direction and unit (from the metric registry), and `key`, unique in the response: the id, or
 * `<id>:<event>` for a metric computed per tracked event (the built-in `conversion`).
 */
/** The parts an experiment gives its metrics. */
export const MetricRoles = ['goal', 'secondary', 'guardrail'] as const;
export type MetricRole = (typeof MetricRoles)[number];

export const ResultMetricSchema = Type.Object({
  key: Type.String(),
  id: Type.String(),
  name: Type.String(),
  kind: Type.Enum(MetricKinds),
  direction: Type.Enum(MetricDirections),
  /** Display unit of `value`: `fraction` (shown as %), `ms`, `USD`, …; null = a plain number. */
  unit: Type.Union([Type.String(), Type.Null()]),
  /** Quantile metrics: the level, e.g. 0.95. */
  quantile: Type.Optional(Type.Number()),
  /** Per-event metrics: the event name. */
  event: Type.Optional(Type.String()),
  /**
   * No per-unit value can be negative (rates, counts, durations): a relative lift cannot pass
   * −100 %, and the series' intervals are cut there. False for a value that can (a refund).
   */
  nonNegative: Type.Optional(Type.Boolean()),
  /** What the experiment names it as: flag.metrics goal/secondary, a guardrail's metric. */
  roles: Type.Optional(Type.Array(Type.Enum(MetricRoles))),
  /** Catalog metrics: the definition's current version and its last change. */
  version: Type.Optional(Type.Integer()),
  updatedAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  updatedBy: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  /** Catalog metrics: the definition changed after the experiment's first exposure. */
  changedDuringExperiment: Type.Optional(Type.Boolean()),
  /**
   * Catalog metrics whose definition asks for CUPED: applied (each treatment's
   * `comparison.cuped` has the adjusted lift and its variance reduction; the covariate is the
   * unit's value over its records in the `lookbackDays` before its first exposure), or not and why.
   */
  cuped: Type.Optional(
    Type.Union([
      Type.Object({ applied: Type.Literal(true), lookbackDays: Type.Integer() }),
      Type.Object({ applied: Type.Literal(false), reason: Type.String() }),
    ]),
  ),
});
export type ResultMetric = Type.Static<typeof ResultMetricSchema>;

/**
 * Why a metric result has no value or no comparison, or why its test declined; the rest of the
 * response is unaffected. `code`: a `StatsError` code of @tripwire/stats (`insufficient_data`:
 * no units, an empty denominator, no standard error yet; `impossible_moments`: statistics no
 * data produce, the arm and field named in `message`), or `not_enough_information` (an arm with
 * zero variance: the comparison is there, declined).
 */
export const MetricErrorSchema = Type.Object({
  code: Type.Enum([...StatsErrorCodes, 'not_enough_information']),
  message: Type.String(),
});
export type MetricError = Type.Static<typeof MetricErrorSchema>;

/** One metric of one variant, with the comparison against control (absent for the control). */
export const MetricResultSchema = Type.Object({
  /** The `key` of this metric in the response's `metrics`. */
  key: Type.String(),
  /** The metric definition's id. */
  metric: Type.String(),
  /** Conversion event name (conversion metrics only). */
  event: Type.Optional(Type.String()),
  /** In the metric's `unit` (error rate and conversion as fractions, latency in milliseconds). */
  value: Num,
  standardError: Num,
  /** Units behind the value (for request metrics: units with at least one request). */
  units: Type.Integer(),
  /** Requests (request metrics) or conversions (conversion metrics) behind the value. */
  count: Type.Number(),
  comparison: Type.Optional(ComparisonSchema),
  error: Type.Optional(MetricErrorSchema),
});
export type MetricResult = Type.Static<typeof MetricResultSchema>;

export const VariantResultSchema = Type.Object({
  variant: Type.String(),
  isControl: Type.Boolean(),
  /** Exposed units assigned to this variant only (multi-variant units excluded). */
  units: Type.Integer(),
  /** Configured allocation weight in the rollout (null when the flag has no rollout). */
  weight: Num,
  firstExposure: Type.Union([Type.String(), Type.Null()]),
  metrics: Type.Array(MetricResultSchema),
});
export type VariantResult = Type.Static<typeof VariantResultSchema>;

export const SrmSchema = Type.Object({
  /** Pearson χ² of observed units per variant against the rollout weights. */
  statistic: Type.Number(),
  degreesOfFreedom: Type.Integer(),
  pValue: Type.Number(),
  /** p-value below the SRM threshold (0.001): the split is broken, results are suspect. */
  mismatch: Type.Boolean(),
  threshold: Type.Number(),
  observed: Type.Record(Type.String(), Type.Integer()),
  expected: Type.Record(Type.String(), Type.Number()),
});
export type Srm = Type.Static<typeof SrmSchema>;

/** A treatment's cumulative lift at one point of the series, computed as the results compute it. */
export const PointLiftSchema = Type.Object({
  scale: Type.Union([Type.Literal('relative'), Type.Literal('absolute')]),
  estimate: Num,
  /** The always-valid interval at this point (safe to read at every point, unlike a fixed-horizon CI). */
  interval: IntervalSchema,
  units: Type.Integer(),
});
export type PointLift = Type.Static<typeof PointLiftSchema>;

/** Cumulative per-variant values at the end of each bucket. */
export const TimeseriesPointSchema = Type.Object({
  time: Type.String({ description: 'end of the bucket, ISO 8601' }),
  units: Type.Integer(),
  requests: Type.Number(),
  errorRate: Num,
  latencyMeanMs: Num,
  /** Treatments only: lift vs control by metric key up to this point, with its always-valid interval. */
  lifts: Type.Optional(Type.Record(Type.String(), PointLiftSchema)),
});
export const TimeseriesSchema = Type.Object({
  bucketSeconds: Type.Integer(),
  variants: Type.Record(Type.String(), Type.Array(TimeseriesPointSchema)),
});
export type Timeseries = Type.Static<typeof TimeseriesSchema>;

export const BreakdownDimensions = ['service', 'span_name', 'region', 'service_version'] as const;
export type BreakdownDimension = (typeof BreakdownDimensions)[number];

/** One segment (e.g. service = checkout) of one metric for one treatment variant vs control. */
export const BreakdownRowSchema = Type.Object({
  dimension: Type.Union([
    Type.Literal('service'),
    Type.Literal('span_name'),
    Type.Literal('region'),
    Type.Literal('service_version'),
  ]),
  segment: Type.String(),
  metric: Type.Union([Type.Literal('error_rate'), Type.Literal('latency_mean')]),
  variant: Type.String(),
  controlValue: Num,
  treatmentValue: Num,
  controlUnits: Type.Integer(),
  treatmentUnits: Type.Integer(),
  absoluteLift: Num,
  relativeLift: Num,
  pValue: Num,
  /** Benjamini–Hochberg adjusted over every row of the breakdown (one family). */
  adjustedPValue: Num,
  /** adjustedPValue < alpha. */
  significant: Type.Boolean(),
  /** The treatment arm's requests in this segment over its requests in every segment of the dimension. */
  trafficShare: Num,
  /** absoluteLift × trafficShare: what this segment adds to the arm's overall difference. */
  contribution: Num,
  /** contribution over the arm's overall absolute lift (1 = the whole change is here). */
  contributionShare: Num,
});
export type BreakdownRow = Type.Static<typeof BreakdownRowSchema>;

export const ResultsResponseSchema = Type.Object({
  flagKey: Type.String(),
  environment: Type.Union([Type.String(), Type.Null()]),
  control: Type.String(),
  alpha: Type.Number(),
  /** The flag's statistical conventions (`statsEngine`, default tripwire). */
  statsEngine: Type.Enum(StatsEngines),
  generatedAt: Type.String(),
  conversionWindowSeconds: Type.Integer(),
  /** Exposed units (all variants, valid only) and units excluded for seeing more than one variant. */
  units: Type.Object({ total: Type.Integer(), excludedMultiVariant: Type.Integer() }),
  srm: Type.Union([SrmSchema, Type.Null()]),
  /** Every metric of the experiment, in display order; each variant has one result per metric. */
  metrics: Type.Array(ResultMetricSchema),
  /** Metric ids the flag names that neither the built-ins nor the catalog define. */
  unknownMetrics: Type.Optional(Type.Array(Type.String())),
  variants: Type.Array(VariantResultSchema),
  timeseries: TimeseriesSchema,
  /**
   * Dimensions with one segment left out; sorted by contributionShare (largest first), then
   * adjusted p-value, then dimension, segment, metric, variant.
   */
  breakdowns: Type.Array(BreakdownRowSchema),
  /**
   * When the data was read from ClickHouse (the statistics are computed per request from it):
   * 'live' = for this request; 'snapshot' = a background-refreshed snapshot (see the README).
   * It covers every metric, the named catalog metrics and their series included.
   */
  freshness: Type.Optional(
    Type.Object(
      {
        source: Type.Union([Type.Literal('live'), Type.Literal('snapshot')]),
        computedAt: Type.String({ description: 'when the read began, ISO 8601' }),
        ageSeconds: Type.Number(),
        computeSeconds: Type.Number({ description: 'how long the read took' }),
      },
      {
        description:
          "Where every metric's data (built-in and catalog, with their series) came from: 'live' (read for this request) or 'snapshot' (the background one, computed with the catalog versions current now)",
      },
    ),
  ),
});
export type ResultsResponse = Type.Static<typeof ResultsResponseSchema>;

/** Query string of the results endpoint. */
export const ResultsQuerySchema = Type.Object(
  {
    environment: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' })),
    alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 0.5 })),
    conversionWindowSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
    /**
     * Oldest data accepted (seconds): 0 = read ClickHouse now. Absent: live, except for
     * experiments slow to compute, which answer from a snapshot at most 120 s old.
     */
    maxAgeSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
  },
  { additionalProperties: false },
);
export type ResultsQuery = Type.Static<typeof ResultsQuerySchema>;
