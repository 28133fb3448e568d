import type { GuardianFlags, RunningRollout } from './guardian-types.js';

/** Actions after which a rollout starts afresh: telemetry from before them is not evidence. */
const RESTART_ACTIONS = new Set(['create', 'enable', 'restore', 'rollback']);

/**
 * When the current run of a rollout began: the latest create/enable/restore/rollback of its
 * environment. A restored flag is judged on new telemetry only, so the breach that killed it
 * does not kill it again at once. Undefined = no such change (all telemetry counts). The
 * optional cache skips the history read while the flag version is unchanged.
 */
export async function findRolloutStart(
  flags: Pick<GuardianFlags, 'history'>,
  rollout: RunningRollout,
  cache?: Map<string, { version: number; start: Date | undefined }>,
): Promise<Date | undefined> {
  const cacheKey = `${rollout.flagKey}\u0000${rollout.environment}`;
  const cached = cache?.get(cacheKey);
  if (cached !== undefined && cached.version === rollout.flagVersion) return cached.start;
  const history = await flags.history(rollout.flagKey);
  let start: string | undefined;
  for (const change of history) {
    const scoped = change.environment === null || change.environment === rollout.environment;
    if (scoped && RESTART_ACTIONS.has(change.action)) start = change.createdAt;
  }
  const result = start === undefined ? undefined : new Date(start);
  cache?.set(cacheKey, { version: rollout.flagVersion, start: result });
  return result;
}
