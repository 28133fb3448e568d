/**
 * The one query path for the built-in request and conversion statistics and the catalog
 * metrics: one interface, two implementations — the per-unit tables of migrations 0200–0202 and
 * the raw signal (`createRawStatsQueries`, any scope) and the rollups of 0203 and the
 * materialized metric records of 0260 (`createRollupStatsQueries`) — and the one place that
 * chooses between them (`openStatsQueries`). Both answer in the same types.
 */
import type { MetricDefinition } from '@tripwire/schema';
import type { QuantileStats } from '@tripwire/stats';
import type { MetricArms } from './metrics/fetch-metric-arms.js';
import { buildScopeParams, type ArmScope, type ScopeParams } from './arm-queries.js';
import type { LatencyHistogram } from './latency-histogram.js';
import { queryRows, type AnalysisContext } from './query-rows.js';
import { createRawStatsQueries } from './raw-stats-queries.js';
import { createRollupStatsQueries } from './rollup-stats-queries.js';
import { buildRollupTimeRangeSql } from './rollup-queries.js';
import type { SeriesQuantiles } from './series-quantile-stats.js';
import type {
  ArmUnits,
  BreakdownCell,
  ConversionArm,
  Fetched,
  RequestMoments,
  SeriesConversions,
  SeriesMoments,
  SeriesRow,
  StatsSource,
  TimeRange,
} from './stats-rows.js';

export interface StatsQueries {
  /** Which family answers. */
  readonly source: StatsSource;
  /** The scope parameters its queries take (the rollup's carry its merge choice). */
  readonly params: ScopeParams;
  /** Valid units per arm (SRM), multi-variant units, and the arms' request moments. */
  armUnits(): Promise<ArmUnits>;
  /** Error-rate and mean-latency statistics per arm with requests. */
  requestMoments(): Promise<Fetched<Map<string, RequestMoments>>>;
  /** Merged latency histogram per arm. */
  latencyHistograms(): Promise<Fetched<Map<string, LatencyHistogram>>>;
  /** Clustered-quantile statistics per arm, one map per probability (in the order given). */
  quantileStats(input: {
    histograms: ReadonlyMap<string, LatencyHistogram>;
    probabilities: readonly number[];
  }): Promise<Fetched<Map<string, QuantileStats>[]>>;
  /** Conversion statistics per arm of one event ('' = any event). */
  conversionStats(input: {
    event: string;
    windowSeconds: number;
  }): Promise<Fetched<Map<string, ConversionArm>>>;
  /** Conversion statistics of the flag's most frequent events (`MAX_CONVERSION_EVENTS`). */
  conversionsByEvent(
    windowSeconds: number,
  ): Promise<{ event: string; byVariant: Map<string, ConversionArm> }[]>;
  /** Request moments per dimension, segment and arm. */
  breakdown(): Promise<BreakdownCell[]>;
  /** First and last request minute of the flag. */
  timeRange(): Promise<TimeRange>;
  /** Requests, errors and latency per arm and bucket. */
  requestSeries(bucketSeconds: number): Promise<SeriesRow[]>;
  /** Valid units first exposed per arm and bucket. */
  exposureSeries(bucketSeconds: number): Promise<SeriesRow[]>;
  /** Each arm's request moments up to the end of each bucket with requests. */
  seriesMoments(bucketSeconds: number): Promise<SeriesMoments[]>;
  /** Each arm's quantile statistics per probability at up to 12 checkpoints (`fetchSeriesQuantiles`). */
  seriesQuantiles(input: {
    bucketSeconds: number;
    probabilities: readonly number[];
  }): Promise<SeriesQuantiles[]>;
  /** Per event (of `events`), arm and minute: valid units whose first counted conversion is in it. */
  seriesConversions(input: {
    events: readonly string[];
    windowSeconds: number;
  }): Promise<SeriesConversions[]>;
  /** Trace ids of the newest failing ('error') or slowest ('duration') requests per arm. */
  exemplars(input: {
    value: 'error' | 'duration';
    limit: number;
  }): Promise<Fetched<Map<string, string[]>>>;
  /**
   * A catalog metric's statistics per variant: the raw family from the raw signal, the rollup
   * family from the records materialized for that version (`metric-records.ts`) once complete,
   * the raw signal before. Either answers any window (records keep their time).
   */
  metricArms(input: MetricArmsInput): Promise<MetricArms>;
}

export interface MetricArmsInput {
  definition: MetricDefinition;
  /** The definition's version (materialized records are per version; absent: raw signal). */
  version?: number | undefined;
  /** Arms to return even without data (zero statistics). */
  variants?: readonly string[] | undefined;
  /** Also each arm's CUPED input (`fetchMetricArms`; read from the raw signal). */
  covariate?: boolean | undefined;
}

export interface OpenStatsQueriesOptions {
  scope: ArmScope;
  /** 'auto' (default): the rollup when the scope allows it (`chooseStatsSource`). */
  source?: 'auto' | StatsSource | undefined;
  /** True when the statistic is over conversion events (the rollup always answers those). */
  events?: boolean | undefined;
  /**
   * True for catalog metrics (`metricArms`): the rollup family answers any scope, and its handle
   * skips the by-unit merge choice (see `createRollupStatsQueries`).
   */
  catalog?: boolean | undefined;
}

/** The statistics queries of one scope, from the family `chooseStatsSource` picks. */
export async function openStatsQueries(
  context: AnalysisContext,
  options: OpenStatsQueriesOptions,
): Promise<StatsQueries> {
  const params = buildScopeParams(options.scope);
  const source = await chooseStatsSource(context, options, params);
  return source === 'rollup'
    ? createRollupStatsQueries(context, params, { chooseMerge: options.catalog !== true })
    : createRawStatsQueries(context, params);
}

/**
 * The rollup answers exactly when the scope is unfiltered: no service or span-name filter, no
 * `until`, and `since` filters nothing (no request of the flag is older than its minute: the
 * usual case for the guardian, whose `since` is the rollout's start). Conversions always can
 * (their window is on the unit's first exposure, which the rollup keeps), and so can catalog
 * metrics (their materialized records keep each record's time).
 */
export async function chooseStatsSource(
  context: AnalysisContext,
  options: OpenStatsQueriesOptions,
  params: ScopeParams,
): Promise<StatsSource> {
  if (options.source === 'raw' || options.source === 'rollup') return options.source;
  if (options.events === true || options.catalog === true) return 'rollup';
  if (params.service !== '' || params.spanName !== '' || options.scope.until !== undefined) {
    return 'raw';
  }
  const since = options.scope.since;
  if (since === undefined) return 'rollup';
  const [range] = await queryRows<{ first_minute: number; rows: string | number }>(
    context,
    buildRollupTimeRangeSql(context.tables),
    params,
  );
  if (range === undefined || Number(range.rows) === 0) return 'rollup';
  const sinceMinuteSeconds = Math.floor(since.getTime() / 60_000) * 60;
  return range.first_minute >= sinceMinuteSeconds ? 'rollup' : 'raw';
}
