import type { ActionTaken, DecisionRecord } from './decision-repository.js';
import type { CheckOutcome } from './guardian-types.js';

/**
 * The row a check writes: the decision, its evidence and, for a breach, the query behind it and
 * the exemplar trace ids fetched for it (`exemplarTraceIds`, default none).
 */
export function toDecisionRecord(
  outcome: CheckOutcome,
  taken: { actionTaken: ActionTaken; breachId: string; exemplarTraceIds?: string[] },
): DecisionRecord {
  const { decision, guardrail, rollout, facts } = outcome;
  const { evidence } = decision;
  return {
    checkId: outcome.checkId,
    kind: 'check',
    checkedAt: outcome.checkedAt.toISOString(),
    flagKey: rollout.flagKey,
    environment: rollout.environment,
    flagVersion: rollout.flagVersion,
    guardrailId: guardrail.id,
    guardrail: JSON.stringify(guardrail),
    metric: guardrail.metric,
    metricVersion: facts.metricVersion ?? 0,
    controlVariant: rollout.control,
    variant: outcome.variant,
    state: decision.state,
    action: guardrail.action,
    actionTaken: taken.actionTaken,
    breachId: taken.breachId,
    test: evidence.test,
    scale: evidence.scale,
    estimate: evidence.estimate,
    relativeEstimate: evidence.relativeEstimate ?? null,
    intervalLower: evidence.interval[0],
    intervalUpper: evidence.interval[1],
    pValue: evidence.pValue ?? null,
    adjustment: evidence.adjustment === undefined ? '' : JSON.stringify(evidence.adjustment),
    alpha: evidence.alpha,
    margin: evidence.margin,
    nControl: evidence.nPerArm.control,
    nTreatment: evidence.nPerArm.treatment,
    controlMean: evidence.control.mean,
    treatmentMean: evidence.treatment.mean,
    // Only breaches keep the SQL: it is what a kill report shows.
    query: decision.state === 'breached' ? facts.query : '',
    exemplarTraceIds: decision.state === 'breached' ? (taken.exemplarTraceIds ?? []) : [],
    killVersion: null,
    detail: outcome.detail ?? '',
  };
}

/**
 * The row that records a kill made for a breach (or found already made, after a restart). The
 * exemplars are fetched after the kill (so they never delay it) and kept on this row.
 */
export function toKillRecord(
  breach: DecisionRecord,
  kill: {
    checkId: string;
    at: Date;
    killVersion: number | null;
    detail: string;
    exemplarTraceIds?: string[];
  },
): DecisionRecord {
  return {
    ...breach,
    exemplarTraceIds: kill.exemplarTraceIds ?? breach.exemplarTraceIds,
    checkId: kill.checkId,
    kind: 'kill',
    checkedAt: kill.at.toISOString(),
    actionTaken: kill.killVersion === null ? 'none' : 'killed',
    killVersion: kill.killVersion,
    detail: kill.detail,
  };
}
