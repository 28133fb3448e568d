import { randomUUID } from 'node:crypto';
import type { AlertNotice } from '../alerts/alert-notice.js';
import type { AlertDispatcher } from '../alerts/alert-dispatcher.js';
import { checkRollout } from './check-rollout.js';
import { toDecisionRecord, toKillRecord } from './decision-record.js';
import type { DecisionRecord, DecisionRepository } from './decision-repository.js';
import type { GuardianMetrics } from './guardian-metrics.js';
import type { CheckOutcome, GuardianSources, RunningRollout } from './guardian-types.js';
import { describeKillReason, killOnce } from './kill-once.js';
import { findRunningRollouts } from './running-rollouts.js';
import { findRolloutStart } from './rollout-start.js';

/** Called by the guardian each tick and on a `pause` breach; implemented by the ramp controller. */
export interface RampHook {
  onTick(input: { rollouts: RunningRollout[]; outcomes: CheckOutcome[]; now: Date }): Promise<void>;
  pause(input: { flagKey: string; environment: string; reason: string; now: Date }): Promise<void>;
}

export interface GuardianLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface GuardianOptions {
  sources: GuardianSources;
  decisions: DecisionRepository;
  alerts: AlertDispatcher;
  metrics: GuardianMetrics;
  log: GuardianLog;
  /** Base of the kill-report links in alerts. */
  publicUrl: string;
  intervalMs: number;
  ramps?: RampHook;
  now?: () => Date;
  newId?: () => string;
}

export interface TickSummary {
  rollouts: number;
  checks: number;
  kills: number;
}

export interface Guardian {
  /** One pass over every running rollout (finishing any kill a restart interrupted first). */
  runOnce(): Promise<TickSummary>;
  /** Checks every `intervalMs`, never overlapping passes. */
  start(): void;
  /** Stops the loop, waits for the pass in flight and for alert deliveries. */
  stop(): Promise<void>;
}

export function createGuardian(options: GuardianOptions): Guardian {
  const { sources, decisions, alerts, metrics, log } = options;
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? randomUUID;
  /** Last state per flag/environment/guardrail/variant: `pause` and `alert` act on transitions. */
  const lastStates = new Map<string, string>();
  const rolloutStarts = new Map<string, { version: number; start: Date | undefined }>();
  /** Pending kills are looked for on the first pass (a restart) and after a failed kill. */
  let shouldReconcile = true;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  const reportUrl = (breachId: string) =>
    `${options.publicUrl.replace(/\/+$/, '')}/api/v1/kill-reports/${breachId}`;

  const finishKill = async (breach: DecisionRecord, stillRunning: boolean): Promise<boolean> => {
    try {
      const reason = describeKillReason(breach);
      const request = { ...breach, reason };
      const kill = stillRunning
        ? await killOnce(sources.flags, request)
        : await findEarlierKill(sources, breach);
      await decisions.insert([
        toKillRecord(breach, {
          checkId: newId(),
          at: now(),
          killVersion: kill?.version ?? null,
          detail: kill === undefined ? 'rollout stopped by someone else before the kill' : reason,
        }),
      ]);
      if (kill === undefined) return false;
      if (!kill.alreadyKilled) {
        metrics.recordKill({
          metric: breach.metric,
          flag: breach.flagKey,
          environment: breach.environment,
        });
        log.warn(
          { flag: breach.flagKey, environment: breach.environment, breachId: breach.breachId },
          reason,
        );
      }
      void alerts.dispatch(toNotice(breach, 'killed', kill.version, reportUrl(breach.breachId)));
      return true;
    } catch (err) {
      shouldReconcile = true;
      metrics.recordError('kill');
      log.error({ err, breachId: breach.breachId }, 'guardian kill failed; retrying next pass');
      return false;
    }
  };

  /** `record` is the row still to write (undefined when already written before a kill). */
  const actOnBreach = async (
    outcome: CheckOutcome,
  ): Promise<{ record?: DecisionRecord; attemptedKill: boolean; killed: boolean }> => {
    const key = stateKey(outcome);
    const isNew = lastStates.get(key) !== 'breached';
    const { action } = outcome.guardrail;
    if (action === 'kill') {
      const breach = toDecisionRecord(outcome, { actionTaken: 'kill_pending', breachId: newId() });
      // Written before the kill: a restart from here on finishes this kill instead of re-deciding.
      await decisions.insert([breach]);
      return { attemptedKill: true, killed: await finishKill(breach, true) };
    }
    if (!isNew) {
      const record = toDecisionRecord(outcome, { actionTaken: 'none', breachId: '' });
      return { record, attemptedKill: false, killed: false };
    }
    const breachId = newId();
    if (action === 'pause' && options.ramps !== undefined) {
      const { flagKey, environment } = outcome.rollout;
      const reason = `guardrail ${outcome.guardrail.id} breached (breach ${breachId})`;
      await options.ramps.pause({ flagKey, environment, reason, now: now() });
    }
    const outcomeName = action === 'pause' ? 'paused' : 'alerted';
    const record = toDecisionRecord(outcome, { actionTaken: outcomeName, breachId });
    void alerts.dispatch(toNotice(record, outcomeName, null, reportUrl(breachId)));
    return { record, attemptedKill: false, killed: false };
  };

  const checkOne = async (
    rollout: RunningRollout,
  ): Promise<{ outcomes: CheckOutcome[]; killed: boolean }> => {
    const since = await findRolloutStart(sources.flags, rollout, rolloutStarts);
    const outcomes = await checkRollout(rollout, sources, {
      now,
      newId,
      ...(since === undefined ? {} : { since }),
      onError: (guardrail, err) => {
        metrics.recordError('facts');
        log.error(
          { err, flag: rollout.flagKey, guardrail: guardrail.id },
          'guardrail check failed',
        );
      },
    });
    const rows: DecisionRecord[] = [];
    let attemptedKill = false;
    let killed = false;
    for (const outcome of outcomes) {
      metrics.recordCheck({
        state: outcome.decision.state,
        metric: outcome.guardrail.metric,
        action: outcome.guardrail.action,
      });
      // One kill per rollout per pass: later breaches of the same pass are recorded only.
      if (outcome.decision.state === 'breached' && !attemptedKill) {
        const acted = await actOnBreach(outcome);
        attemptedKill = acted.attemptedKill;
        killed = acted.killed;
        if (acted.record !== undefined) rows.push(acted.record);
      } else {
        rows.push(toDecisionRecord(outcome, { actionTaken: 'none', breachId: '' }));
      }
      lastStates.set(stateKey(outcome), outcome.decision.state);
    }
    await decisions.insert(rows);
    return { outcomes, killed };
  };

  const reconcile = async (running: RunningRollout[]): Promise<number> => {
    if (!shouldReconcile) return 0;
    shouldReconcile = false;
    let kills = 0;
    for (const breach of await decisions.listPendingKills()) {
      const isRunning = running.some(
        (r) => r.flagKey === breach.flagKey && r.environment === breach.environment,
      );
      if (await finishKill(breach, isRunning)) kills++;
    }
    return kills;
  };

  const runOnce = async (): Promise<TickSummary> => {
    const started = performance.now();
    const rollouts = findRunningRollouts(await sources.flags.list());
    let kills = await reconcile(rollouts);
    const stillRunning = kills > 0 ? findRunningRollouts(await sources.flags.list()) : rollouts;
    const all: CheckOutcome[] = [];
    for (const rollout of stillRunning) {
      const { outcomes, killed } = await checkOne(rollout);
      all.push(...outcomes);
      if (killed) kills++;
    }
    if (options.ramps !== undefined) {
      await options.ramps
        .onTick({ rollouts: stillRunning, outcomes: all, now: now() })
        .catch((err: unknown) => {
          metrics.recordError('ramp');
          log.error({ err }, 'ramp step failed');
        });
    }
    metrics.recordTick((performance.now() - started) / 1000, stillRunning.length);
    return { rollouts: stillRunning.length, checks: all.length, kills };
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce()
        .catch((err: unknown) => {
          metrics.recordError('tick');
          log.error({ err }, 'guardian pass failed');
        })
        .finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };

  return {
    runOnce,
    start() {
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
      await alerts.drain();
    },
  };
}

function stateKey(outcome: CheckOutcome): string {
  const { rollout, guardrail, variant } = outcome;
  return `${rollout.flagKey}\u0000${rollout.environment}\u0000${guardrail.id}\u0000${variant}`;
}

async function findEarlierKill(
  sources: GuardianSources,
  breach: DecisionRecord,
): Promise<{ version: number; alreadyKilled: boolean } | undefined> {
  const history = await sources.flags.history(breach.flagKey);
  const mine = history.find((change) => change.reason.includes(`(breach ${breach.breachId})`));
  return mine === undefined ? undefined : { version: mine.version, alreadyKilled: true };
}

/** The alert for a breach row. */
export function toNotice(
  record: DecisionRecord,
  outcome: AlertNotice['outcome'],
  killVersion: number | null,
  reportUrl: string,
): AlertNotice {
  return {
    alertId: record.breachId,
    breachId: record.breachId,
    flagKey: record.flagKey,
    environment: record.environment,
    guardrailId: record.guardrailId,
    metric: record.metric as AlertNotice['metric'],
    action: record.action as AlertNotice['action'],
    outcome,
    variant: record.variant,
    control: record.controlVariant,
    estimate: record.estimate,
    relativeEstimate: record.relativeEstimate,
    interval: [record.intervalLower, record.intervalUpper],
    scale: record.scale,
    test: record.test,
    alpha: record.alpha,
    margin: record.margin,
    nControl: record.nControl,
    nTreatment: record.nTreatment,
    breachedAt: record.checkedAt,
    killVersion,
    reportUrl,
  };
}
