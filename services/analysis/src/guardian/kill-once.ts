import type { GuardianFlags } from './guardian-types.js';

/** The actor of every flag version the guardian writes. */
export const GUARDIAN_ACTOR = 'guardian';

/** The kill reason carries the breach id: that is how a restarted guardian recognises its kill. */
export function describeKillReason(input: {
  breachId: string;
  guardrailId: string;
  metric: string;
  variant: string;
}): string {
  return `guardrail ${input.guardrailId} breached: ${input.metric} of variant ${input.variant} (breach ${input.breachId})`;
}

/** The breach id a guardian kill reason names, if any. */
export function readBreachId(reason: string): string | undefined {
  return /\(breach ([0-9a-zA-Z-]+)\)$/.exec(reason)?.[1];
}

/**
 * Kills the flag in one environment exactly once per breach: if the flag history already holds
 * a guardian kill naming this breach (a restart after the kill, before it was recorded), that
 * version is returned instead of writing another. `isNewBreach` (a breach id made in this pass,
 * which no earlier kill can name) skips that history read, so a fresh kill waits for nothing.
 */
export async function killOnce(
  flags: GuardianFlags,
  request: {
    flagKey: string;
    environment: string;
    breachId: string;
    reason: string;
    isNewBreach?: boolean;
  },
): Promise<{ version: number; alreadyKilled: boolean }> {
  const history = request.isNewBreach === true ? [] : await flags.history(request.flagKey);
  const earlier = history.find(
    (change) =>
      change.actor === GUARDIAN_ACTOR &&
      change.action === 'kill' &&
      change.reason.includes(`(breach ${request.breachId})`),
  );
  if (earlier !== undefined) return { version: earlier.version, alreadyKilled: true };
  const version = await flags.kill(request.flagKey, {
    environment: request.environment,
    actor: GUARDIAN_ACTOR,
    reason: request.reason,
  });
  return { version, alreadyKilled: false };
}
