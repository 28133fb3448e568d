import type { AppContext } from '../context.js';
import { fetchArmStatistics } from '../analysis/fetch-arm-statistics.js';
import type { FlagStore } from '../control-plane/flag-store.js';
import { evaluateGuardrail } from './evaluate-guardrail.js';
import type { GuardianFlags, GuardianSources, GuardrailFacts } from './guardian-types.js';

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

/** The live sources: flags from the control plane, facts from ClickHouse, decisions from stats. */
export function createGuardianSources(
  context: Pick<AppContext, 'clickhouse' | 'tables' | 'flags' | 'config'>,
): GuardianSources {
  const targetUnits = context.config.guardianTargetUnits;
  return {
    flags: adaptFlagStore(context.flags),
    async fetchFacts(request): Promise<GuardrailFacts> {
      const result = await fetchArmStatistics(context, {
        flagKey: request.flagKey,
        environment: request.environment,
        guardrail: request.guardrail,
        variants: request.variants,
        since: request.since,
        exemplarLimit: request.exemplarLimit,
      });
      return {
        arms: new Map(result.arms.map((arm) => [arm.variant, arm.stats])),
        exemplarTraceIds: new Map(result.arms.map((arm) => [arm.variant, arm.exemplarTraceIds])),
        query: result.sql,
      };
    },
    decide: (input) => evaluateGuardrail({ ...input, targetUnits }),
  };
}
