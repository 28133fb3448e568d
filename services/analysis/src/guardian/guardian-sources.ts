import { isBuiltinMetricId } from '@tripwire/schema';
import type { AppContext } from '../context.js';
import { createMetricStore } from '../control-plane/metric-store.js';
import { createError } from '../errors.js';
import { openStatsQueries } from '../repositories/stats-queries.js';
import { fetchArmStatistics } from '../analysis/fetch-arm-statistics.js';
import type { FlagStore } from '../control-plane/flag-store.js';
import { evaluateGuardrail } from './evaluate-guardrail.js';
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
 * requested variant). An unknown metric is an error.
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
    const result = await queries.metricArms({
      definition: found.definition,
      version: found.version,
      variants: request.variants,
    });
    return {
      arms: result.arms,
      exemplarTraceIds: new Map(),
      query: result.sql,
      metricVersion: found.version,
    };
  };
}

/** The live sources: flags from the control plane, facts from ClickHouse, decisions from stats. */
export function createGuardianSources(
  context: Pick<AppContext, 'clickhouse' | 'tables' | 'flags' | 'config'>,
): GuardianSources {
  const targetUnits = context.config.guardianTargetUnits;
  return {
    flags: adaptFlagStore(context.flags),
    fetchFacts: createFactsReader(context),
    decide: (input) => evaluateGuardrail({ ...input, targetUnits }),
  };
}
