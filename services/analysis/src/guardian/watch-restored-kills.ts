import type { AlertDispatcher } from '../alerts/alert-dispatcher.js';
import type { FlagStore } from '../control-plane/flag-store.js';
import type { KillMarker } from '../control-plane/flag-transitions.js';
import type { DecisionRepository } from './decision-repository.js';
import { toNotice, type GuardianLog } from './guardian.js';
import { GUARDIAN_ACTOR, readBreachId } from './kill-once.js';

/** An Alertmanager alert lives this long (see alert-payloads.ts): older kills need no resolve. */
const ALERT_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Guardian kills looked at on start for restores the service did not see. */
const RECENT_KILLS = 200;

export interface EndedKill {
  environment: string;
  breachId: string;
}

/** Guardian kills in `before` that are gone (or replaced by another kill) in `after` (pure). */
export function findEndedGuardianKills(
  before: readonly KillMarker[],
  after: readonly KillMarker[],
): EndedKill[] {
  const ended: EndedKill[] = [];
  for (const marker of before) {
    if (marker.actor !== GUARDIAN_ACTOR) continue;
    const breachId = readBreachId(marker.reason);
    if (breachId === undefined) continue;
    const still = after.some(
      (m) => m.environment === marker.environment && m.reason === marker.reason,
    );
    if (!still) ended.push({ environment: marker.environment, breachId });
  }
  return ended;
}

export interface WatchRestoredKillsOptions {
  store: Pick<FlagStore, 'list' | 'killsOf' | 'onChange' | 'environmentChangedAt'>;
  decisions: Pick<DecisionRepository, 'listForBreach' | 'listKills'>;
  alerts: Pick<AlertDispatcher, 'dispatch'>;
  publicUrl: string;
  log: GuardianLog;
  now?: () => Date;
}

/**
 * Resolves the alert of a guardian kill once the kill ends (a restore, or any change that serves
 * something other than the control again): the same alert sent again with `outcome: resolved`
 * and `resolvedAt`, which Alertmanager reads as `endsAt`. Also, once on start, resolves recent
 * kills that ended while the service was not watching (targets that already acknowledged a
 * resolve are skipped by the dispatcher). Returns the unsubscribe function.
 */
export function watchRestoredKills(options: WatchRestoredKillsOptions): () => void {
  const { store, decisions, alerts, log } = options;
  const now = options.now ?? (() => new Date());
  const known = new Map<string, KillMarker[]>();
  for (const flag of store.list()) known.set(flag.key, store.killsOf(flag.key));

  const resolve = async (flagKey: string, ended: EndedKill, resolvedAt: string) => {
    const rows = await decisions.listForBreach(ended.breachId);
    const breach = rows.find((row) => row.kind === 'check');
    const kill = rows.find((row) => row.kind === 'kill' && row.killVersion !== null);
    if (breach === undefined || kill === undefined) {
      log.warn({ flag: flagKey, breachId: ended.breachId }, 'no recorded kill to resolve');
      return;
    }
    const reportUrl = `${options.publicUrl.replace(/\/+$/, '')}/api/v1/kill-reports/${ended.breachId}`;
    const notice = toNotice(breach, 'resolved', kill.killVersion, reportUrl);
    await alerts.dispatch({ ...notice, alertId: `${ended.breachId}:resolved`, resolvedAt });
  };
  const resolveAll = (flagKey: string, ended: EndedKill[], resolvedAt: string) => {
    for (const kill of ended) {
      void resolve(flagKey, kill, resolvedAt).catch((err: unknown) => {
        log.error({ err, flag: flagKey, breachId: kill.breachId }, 'resolving a kill alert failed');
      });
    }
  };

  const unsubscribe = store.onChange(({ entry }) => {
    if (entry.entity !== 'flag') return;
    const after = store.killsOf(entry.key);
    const ended = findEndedGuardianKills(known.get(entry.key) ?? [], after);
    known.set(entry.key, after);
    resolveAll(entry.key, ended, entry.createdAt);
  });

  void resolveMissed(options, now()).then(
    (missed) => missed.forEach((m) => resolveAll(m.flagKey, [m], m.resolvedAt)),
    (err: unknown) => log.error({ err }, 'looking for restored kills on start failed'),
  );
  return unsubscribe;
}

/** Recent guardian kills (within an alert's lifetime) whose environment is no longer killed by them. */
async function resolveMissed(
  options: WatchRestoredKillsOptions,
  at: Date,
): Promise<(EndedKill & { flagKey: string; resolvedAt: string })[]> {
  const { store, decisions } = options;
  const kills = await decisions.listKills({ limit: RECENT_KILLS });
  const missed: (EndedKill & { flagKey: string; resolvedAt: string })[] = [];
  for (const kill of kills) {
    if (kill.killVersion === null) continue;
    if (at.getTime() - Date.parse(kill.checkedAt) > ALERT_LIFETIME_MS) continue;
    const current = store.killsOf(kill.flagKey);
    const isKilledByIt = current.some((m) => readBreachId(m.reason) === kill.breachId);
    if (isKilledByIt) continue;
    const resolvedAt =
      store.environmentChangedAt(kill.flagKey, kill.environment) ?? at.toISOString();
    missed.push({
      flagKey: kill.flagKey,
      environment: kill.environment,
      breachId: kill.breachId,
      resolvedAt,
    });
  }
  return missed;
}
