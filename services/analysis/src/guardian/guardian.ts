import { randomUUID } from 'node:crypto';
import { StatsError } from '@tripwire/stats';
import type { AlertNotice } from '../alerts/alert-notice.js';
import type { AlertDispatcher } from '../alerts/alert-dispatcher.js';
import { checkRollout } from './check-rollout.js';
import { toDecisionRecord, toKillRecord } from './decision-record.js';
import type { DecisionRecord, DecisionRepository } from './decision-repository.js';
import type { GuardianMetrics } from './guardian-metrics.js';
import type { CheckOutcome, GuardianSources, RunningRollout } from './guardian-types.js';
import { describeKillReason, killOnce } from './kill-once.js';
import { createPassLoop } from './pass-loop.js';
import {
  planChecks,
  planPendingKills,
  shouldStepRamps,
  type GuardrailStates,
} from './plan-checks.js';
import type { PassTrigger } from './plan-next-pass.js';
import { findRunningRollouts } from './running-rollouts.js';
import { findRolloutStart } from './rollout-start.js';

/** Exemplar trace ids a breach keeps for its kill report. */
const EXEMPLAR_LIMIT = 5;
/** Default shortest gap between pass starts when fresh telemetry brings a pass forward. */
export const DEFAULT_MIN_RECHECK_MS = 1000;

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
  /** Upper bound between two passes (the regular check). */
  intervalMs: number;
  /** Shortest gap between pass starts when fresh telemetry brings a pass forward (default 1000). */
  minRecheckMs?: number;
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
  /**
   * One pass over every running rollout (finishing any kill a restart interrupted first).
   * `interval` (default) records every check and steps ramps; `telemetry` (an early re-check)
   * records only state changes and breaches.
   */
  runOnce(options?: { trigger?: PassTrigger }): Promise<TickSummary>;
  /** Checks every `intervalMs` at most, never overlapping passes. */
  start(): void;
  /** Telemetry was committed: re-check early, `minRecheckMs` after the last pass at the soonest. */
  notifyFreshTelemetry(): void;
  /** Stops the loop, waits for the pass in flight and for alert deliveries. */
  stop(): Promise<void>;
}

/**
 * The guardian's effects around the pure planner (`plan-checks.ts`): it reads facts, asks the
 * planner what each outcome means, and performs that (decision rows, kills, pauses, alerts,
 * ramp steps). No transition is decided here.
 */
export function createGuardian(options: GuardianOptions): Guardian {
  const { sources, decisions, alerts, metrics, log } = options;
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? randomUUID;
  /** Last state per flag/environment/guardrail/variant: `pause` and `alert` act on transitions. */
  let states: GuardrailStates = new Map();
  const rolloutStarts = new Map<string, { version: number; start: Date | undefined }>();
  /** Pending kills are looked for on the first pass (a restart) and after a failed kill. */
  let shouldReconcile = true;

  const reportUrl = (breachId: string) =>
    `${options.publicUrl.replace(/\/+$/, '')}/api/v1/kill-reports/${breachId}`;

  /** Failing or slow trace ids of the breaching variant, for its report; none if the query fails. */
  const fetchExemplars = async (outcome: CheckOutcome, since: Date | undefined) => {
    try {
      const facts = await sources.fetchFacts({
        flagKey: outcome.rollout.flagKey,
        environment: outcome.rollout.environment,
        guardrail: outcome.guardrail,
        variants: [outcome.variant],
        ...(since === undefined ? {} : { since }),
        exemplarLimit: EXEMPLAR_LIMIT,
      });
      return facts.exemplarTraceIds.get(outcome.variant) ?? [];
    } catch (err) {
      metrics.recordError('exemplars');
      log.warn({ err, flag: outcome.rollout.flagKey }, 'fetching exemplar traces failed');
      return [];
    }
  };

  const finishKill = async (
    breach: DecisionRecord,
    how: { isRunning: boolean; isNewBreach: boolean; exemplars?: () => Promise<string[]> },
  ): Promise<boolean> => {
    try {
      const reason = describeKillReason(breach);
      const kill = how.isRunning
        ? await killOnce(sources.flags, { ...breach, reason, isNewBreach: how.isNewBreach })
        : await findEarlierKill(sources, breach);
      const killedAt = now();
      // Fetched after the kill, so the query never delays it; kept on the kill row.
      const exemplarTraceIds =
        kill === undefined || how.exemplars === undefined ? undefined : await how.exemplars();
      await decisions.insert([
        toKillRecord(breach, {
          checkId: newId(),
          at: killedAt,
          killVersion: kill?.version ?? null,
          detail: kill === undefined ? 'rollout stopped by someone else before the kill' : reason,
          ...(exemplarTraceIds === undefined ? {} : { exemplarTraceIds }),
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

  /** Performs a `pause` or `alert` step: a new breach, acted on once. */
  const actOnBreach = async (
    outcome: CheckOutcome,
    action: 'pause' | 'alert',
    since: Date | undefined,
  ): Promise<DecisionRecord> => {
    const breachId = newId();
    if (action === 'pause' && options.ramps !== undefined) {
      const { flagKey, environment } = outcome.rollout;
      const reason = `guardrail ${outcome.guardrail.id} breached (breach ${breachId})`;
      await options.ramps.pause({ flagKey, environment, reason, now: now() });
    }
    const outcomeName = action === 'pause' ? 'paused' : 'alerted';
    const exemplarTraceIds = await fetchExemplars(outcome, since);
    const record = toDecisionRecord(outcome, {
      actionTaken: outcomeName,
      breachId,
      exemplarTraceIds,
    });
    void alerts.dispatch(toNotice(record, outcomeName, null, reportUrl(breachId)));
    return record;
  };

  /** Performs a `kill` step; true when the rollout was killed. */
  const killForBreach = async (outcome: CheckOutcome, since: Date | undefined) => {
    const breach = toDecisionRecord(outcome, { actionTaken: 'kill_pending', breachId: newId() });
    // Written before the kill: a restart from here on finishes this kill instead of re-deciding.
    await decisions.insert([breach]);
    const exemplars = () => fetchExemplars(outcome, since);
    return finishKill(breach, { isRunning: true, isNewBreach: true, exemplars });
  };

  const checkOne = async (
    rollout: RunningRollout,
    trigger: PassTrigger,
  ): Promise<{ outcomes: CheckOutcome[]; killed: boolean }> => {
    const since = await findRolloutStart(sources.flags, rollout, rolloutStarts);
    const outcomes = await checkRollout(rollout, sources, {
      now,
      newId,
      ...(since === undefined ? {} : { since }),
      onError: (guardrail, err) => {
        const isDataFault = err instanceof StatsError;
        metrics.recordError(isDataFault ? 'data' : 'facts');
        log.error(
          { err, flag: rollout.flagKey, guardrail: guardrail.id },
          isDataFault
            ? 'guardrail statistics are impossible (data fault)'
            : 'guardrail check failed',
        );
      },
    });
    for (const { decision, guardrail } of outcomes) {
      metrics.recordCheck({
        state: decision.state,
        metric: guardrail.metric,
        action: guardrail.action,
      });
    }
    const plan = planChecks({ outcomes, states, trigger });
    states = plan.states;
    const rows: DecisionRecord[] = [];
    let killed = false;
    for (const step of plan.steps) {
      if (step.kind === 'kill') killed = await killForBreach(step.outcome, since);
      else if (step.kind === 'record')
        rows.push(toDecisionRecord(step.outcome, { actionTaken: 'none', breachId: '' }));
      else rows.push(await actOnBreach(step.outcome, step.kind, since));
    }
    await decisions.insert(rows);
    return { outcomes, killed };
  };

  const reconcile = async (running: RunningRollout[]): Promise<number> => {
    if (!shouldReconcile) return 0;
    shouldReconcile = false;
    let kills = 0;
    for (const step of planPendingKills(await decisions.listPendingKills(), running)) {
      if (await finishKill(step.breach, { isRunning: step.isRunning, isNewBreach: false })) kills++;
    }
    return kills;
  };

  const runOnce = async ({ trigger = 'interval' }: { trigger?: PassTrigger } = {}) => {
    const started = performance.now();
    const rollouts = findRunningRollouts(await sources.flags.list());
    let kills = await reconcile(rollouts);
    const stillRunning = kills > 0 ? findRunningRollouts(await sources.flags.list()) : rollouts;
    const all: CheckOutcome[] = [];
    for (const rollout of stillRunning) {
      const { outcomes, killed } = await checkOne(rollout, trigger);
      all.push(...outcomes);
      if (killed) kills++;
    }
    if (options.ramps !== undefined && shouldStepRamps(trigger)) {
      await options.ramps
        .onTick({ rollouts: stillRunning, outcomes: all, now: now() })
        .catch((err: unknown) => {
          metrics.recordError('ramp');
          log.error({ err }, 'ramp step failed');
        });
    }
    metrics.recordTick((performance.now() - started) / 1000, stillRunning.length, trigger);
    return { rollouts: stillRunning.length, checks: all.length, kills };
  };

  const loop = createPassLoop({
    intervalMs: options.intervalMs,
    minRecheckMs: options.minRecheckMs ?? DEFAULT_MIN_RECHECK_MS,
    runPass: (trigger) =>
      runOnce({ trigger }).catch((err: unknown) => {
        metrics.recordError('tick');
        log.error({ err }, 'guardian pass failed');
      }),
  });

  return {
    runOnce,
    start: () => loop.start(),
    notifyFreshTelemetry: () => loop.notifyFreshTelemetry(),
    async stop() {
      await loop.stop();
      await alerts.drain();
    },
  };
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
    metric: record.metric,
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
    resolvedAt: null,
    killVersion,
    reportUrl,
  };
}
