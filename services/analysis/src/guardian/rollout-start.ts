import type { GuardianFlags, RunningRollout } from './guardian-types.js';

/** Actions after which a rollout starts afresh: telemetry from before them is not evidence. */
const RESTART_ACTIONS = new Set(['create', 'enable', 'restore', 'rollback']);

/**
 * When the current run of a rollout began: the latest create/enable/restore/rollback of its
 * environment. A restored flag is judged on new telemetry only, so the breach that killed it
 * does not kill it again at once. Undefined = no such change (all telemetry counts).
 */
export async function findRolloutStart(
  flags: Pick<GuardianFlags, 'history'>,
  rollout: RunningRollout,
): Promise<Date | undefined> {
  const history = await flags.history(rollout.flagKey);
  let start: string | undefined;
  for (const change of history) {
    const scoped = change.environment === null || change.environment === rollout.environment;
    if (scoped && RESTART_ACTIONS.has(change.action)) start = change.createdAt;
  }
  return start === undefined ? undefined : new Date(start);
}
