import { isBuiltinMetricId } from '@tripwire/schema';
import type { AppContext } from '../context.js';
import { createMetricStore } from '../control-plane/metric-store.js';
import { createError } from '../errors.js';
import { fetchMetricTotalsArms } from '../repositories/metrics/metric-totals.js';
import { openStatsQueries } from '../repositories/stats-queries.js';
import { fetchArmStatistics } from '../analysis/fetch-arm-statistics.js';
import { readTableVersions } from '../storage/table-versions.js';
import type { FlagStore } from '../control-plane/flag-store.js';
import { appliesCuped, evaluateGuardrail } from './evaluate-guardrail.js';
import { createIncrementalFacts } from './incremental-facts.js';
import type {
  FactsRequest,
  GuardianFlags,
  GuardianSources,
  GuardrailFacts,
} from './guardian-types.js';

/** The control plane's flag store as the guardian uses it. */
export function adaptFlagStore(store: FlagStore): GuardianFlags {
  return {
    list: async () => store.list(),
    get: async (key) => store.get(key),
    history: async (key) =>
      (await store.history(key)).map((entry) => ({
        version: entry.version,
        action: entry.action,
        environment: entry.environment,
        actor: entry.actor,
        reason: entry.reason,
        createdAt: entry.createdAt,
      })),
    kill: async (key, { environment, actor, reason }) =>
      (await store.kill({ key, environment, actor, reason })).version,
    update: async (flag, { actor, reason, expectedVersion }) =>
      (await store.update({ key: flag.key, flag, actor, reason, expectedVersion })).version,
  };
}

/**
 * Facts from ClickHouse for any guardrail: a built-in metric through `fetchArmStatistics` (the
 * per-variant views and rollups, with exemplars), a catalog metric through its definition and
 * `StatsQueries.metricArms` (its materialized records when complete, else the raw signal; every
 * requested variant), with each arm's CUPED covariate when the definition has `cuped` and CUPED
 * applies to it (`appliesCuped`). An unknown metric is an error.
 */
export function createFactsReader(
  context: Pick<AppContext, 'clickhouse' | 'tables'>,
): (request: FactsRequest) => Promise<GuardrailFacts> {
  const catalog = createMetricStore(context);
  return async (request) => {
    const { guardrail } = request;
    const { metric } = guardrail;
    if (isBuiltinMetricId(metric)) {
      const result = await fetchArmStatistics(context, {
        flagKey: request.flagKey,
        environment: request.environment,
        guardrail: { ...guardrail, metric },
        variants: request.variants,
        since: request.since,
        exemplarLimit: request.exemplarLimit,
      });
      return {
        arms: new Map(result.arms.map((arm) => [arm.variant, arm.stats])),
        exemplarTraceIds: new Map(result.arms.map((arm) => [arm.variant, arm.exemplarTraceIds])),
        query: result.sql,
      };
    }
    const found = await catalog.get(metric);
    if (found === undefined)
      throw createError(
        'TRIPWIRE_ERR_NOT_FOUND',
        `guardrail ${guardrail.id}: no metric "${metric}"`,
      );
    const queries = await openStatsQueries(context, {
      scope: { flagKey: request.flagKey, environment: request.environment, since: request.since },
      catalog: true,
    });
    const { definition } = found;
    const result = await queries.metricArms({
      definition,
      version: found.version,
      variants: request.variants,
      covariate: appliesCuped(definition),
    });
    return {
      arms: result.arms,
      exemplarTraceIds: new Map(),
      query: result.sql,
      metricVersion: found.version,
      ...(result.covariates === undefined ? {} : { covariates: result.covariates }),
    };
  };
}

/** What a prefetched answer is kept under: the request's scope and metric. */
const prefetchKey = (request: FactsRequest) =>
  JSON.stringify([
    request.flagKey,
    request.environment,
    request.since?.getTime() ?? null,
    request.variants,
    request.guardrail.metric,
    request.exemplarLimit,
  ]);

/**
 * `createFactsReader` with `prefetchFacts`: the catalog guardrails of one rollout's check whose
 * materialized records are complete are read in one query (`fetchMetricTotalsArms`: the flag's
 * valid units once); each answer is kept for its request and handed out once, the rest read one
 * by one as before. A failed prefetch leaves every request to the reader (which reports it).
 */
export function createFactsSources(
  context: Pick<AppContext, 'clickhouse' | 'tables'>,
): Pick<GuardianSources, 'fetchFacts' | 'prefetchFacts'> {
  const read = createFactsReader(context);
  const catalog = createMetricStore(context);
  let prefetched = new Map<string, GuardrailFacts>();
  const prefetchFacts = async (requests: readonly FactsRequest[]) => {
    prefetched = new Map();
    const wanted = requests.filter(
      (r) => !isBuiltinMetricId(r.guardrail.metric) && r.exemplarLimit === 0,
    );
    // One rollout's requests: the same flag, environment, variants and start.
    const [first] = wanted;
    if (first === undefined) return;
    try {
      const found = await Promise.all(wanted.map((r) => catalog.get(r.guardrail.metric)));
      const metrics = found.flatMap((m) =>
        m === undefined || m.definition.cuped === true
          ? []
          : [{ definition: m.definition, version: m.version }],
      );
      const { flagKey, environment, since, variants } = first;
      const answers = await fetchMetricTotalsArms(context, {
        metrics,
        flagKey,
        environment,
        since,
        variants,
      });
      for (const request of wanted) {
        const metric = metrics.find((m) => m.definition.id === request.guardrail.metric);
        const answer = answers.get(request.guardrail.metric);
        if (metric === undefined || answer === undefined) continue;
        prefetched.set(prefetchKey(request), {
          arms: answer.arms,
          exemplarTraceIds: new Map(),
          query: answer.sql,
          metricVersion: metric.version,
        });
      }
    } catch {
      prefetched = new Map();
    }
  };
  const fetchFacts = async (request: FactsRequest) => {
    const key = prefetchKey(request);
    const hit = prefetched.get(key);
    if (hit === undefined) return read(request);
    prefetched.delete(key);
    return hit;
  };
  return { fetchFacts, prefetchFacts };
}

/**
 * `createFactsSources` as an incremental pass (`createIncrementalFacts`): facts are read again
 * only when a table they come from changed. Beyond the tables their SQL names they depend on the
 * metric catalog (a guardrail's definition and version) and the records' readiness.
 */
export function createIncrementalFactsSources(context: Pick<AppContext, 'clickhouse' | 'tables'>) {
  const { tables } = context;
  return createIncrementalFacts({
    sources: createFactsSources(context),
    readVersions: () => readTableVersions(context.clickhouse),
    dependsOn: [tables.metricChangelog, tables.metricRollups],
  });
}

/** The live sources: flags from the control plane, facts from ClickHouse, decisions from stats. */
export function createGuardianSources(
  context: Pick<AppContext, 'clickhouse' | 'tables' | 'flags' | 'config'>,
): GuardianSources {
  const targetUnits = context.config.guardianTargetUnits;
  const { fetchFacts, prefetchFacts } = createIncrementalFactsSources(context);
  return {
    flags: adaptFlagStore(context.flags),
    fetchFacts,
    prefetchFacts,
    decide: (input) => evaluateGuardrail({ ...input, targetUnits }),
  };
}
