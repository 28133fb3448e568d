import type { GuardrailAdjustment } from '@tripwire/stats';
import type { DeliveryRecord } from '../alerts/delivery-repository.js';
import type { DecisionRecord } from './decision-repository.js';
import type { FlagChange } from './guardian-types.js';

export interface TimelineEvent {
  at: string;
  /** `check` (a guardrail state change), `flag` (a flag version), `breach`, `kill`, `alert`. */
  event: 'check' | 'flag' | 'breach' | 'kill' | 'alert';
  detail: string;
}

/** Why the guardian acted: the evidence a person needs to trust (or dispute) a kill. */
export interface KillReport {
  breachId: string;
  flagKey: string;
  environment: string;
  guardrail: unknown;
  metric: string;
  variant: string;
  control: string;
  action: string;
  outcome: string;
  decision: {
    state: string;
    test: string;
    scale: string;
    estimate: number | null;
    relativeEstimate: number | null;
    /** Always-valid one-sided interval on `scale`; null = unbounded end. */
    interval: [number | null, number | null];
    pValue: number | null;
    alpha: number;
    margin: number;
    /**
     * How the estimates were adjusted: CUPED (`status` `applied`: the interval is of the
     * CUPED-adjusted estimates; else why they stayed unadjusted), or null when not asked for.
     */
    adjustment: GuardrailAdjustment | null;
  };
  n: { control: number; treatment: number };
  means: { control: number | null; treatment: number | null };
  query: string;
  exemplarTraceIds: string[];
  kill: { version: number | null; at: string; detail: string } | null;
  alerts: { target: string; attempt: number; outcome: string; status: number; at: string }[];
  timeline: TimelineEvent[];
}

const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);

/**
 * Assembles a kill report from the breach row, the kill row, the checks before the breach of the
 * same guardrail and variant (compressed to state changes), the flag's versions and the alert
 * deliveries (pure).
 */
export function buildKillReport(input: {
  breach: DecisionRecord;
  kill: DecisionRecord | undefined;
  checks: readonly DecisionRecord[];
  history: readonly FlagChange[];
  deliveries: readonly DeliveryRecord[];
}): KillReport {
  const { breach, kill } = input;
  const timeline: TimelineEvent[] = [];
  let lastState = '';
  for (const check of input.checks) {
    if (check.guardrailId !== breach.guardrailId || check.variant !== breach.variant) continue;
    if (check.kind !== 'check' || check.state === lastState || check.checkedAt > breach.checkedAt)
      continue;
    lastState = check.state;
    if (check.checkId === breach.checkId) continue;
    timeline.push({ at: check.checkedAt, event: 'check', detail: describeCheck(check) });
  }
  timeline.push({ at: breach.checkedAt, event: 'breach', detail: describeCheck(breach) });
  if (kill !== undefined) {
    timeline.push({
      at: kill.checkedAt,
      event: 'kill',
      detail:
        kill.killVersion === null
          ? kill.detail
          : `flag version ${kill.killVersion}: ${kill.detail}`,
    });
  }
  for (const change of input.history) {
    if (change.environment !== null && change.environment !== breach.environment) continue;
    timeline.push({
      at: change.createdAt,
      event: 'flag',
      detail: `v${change.version} ${change.action} by ${change.actor}: ${change.reason}`,
    });
  }
  for (const delivery of input.deliveries) {
    timeline.push({
      at: delivery.attemptedAt,
      event: 'alert',
      detail: `${delivery.target} attempt ${delivery.attempt}: ${delivery.outcome}${delivery.status ? ` (HTTP ${delivery.status})` : ''}`,
    });
  }
  timeline.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return {
    breachId: breach.breachId,
    flagKey: breach.flagKey,
    environment: breach.environment,
    guardrail: JSON.parse(breach.guardrail) as unknown,
    metric: breach.metric,
    variant: breach.variant,
    control: breach.controlVariant,
    action: breach.action,
    outcome: kill?.killVersion != null ? 'killed' : breach.actionTaken,
    decision: {
      state: breach.state,
      test: breach.test,
      scale: breach.scale,
      estimate: finite(breach.estimate),
      relativeEstimate: breach.relativeEstimate,
      interval: [finite(breach.intervalLower), finite(breach.intervalUpper)],
      pValue: breach.pValue,
      alpha: breach.alpha,
      margin: breach.margin,
      adjustment: readAdjustment(breach),
    },
    n: { control: breach.nControl, treatment: breach.nTreatment },
    means: { control: finite(breach.controlMean), treatment: finite(breach.treatmentMean) },
    query: breach.query,
    // A kill fetches its exemplars after the kill and keeps them on the kill row.
    exemplarTraceIds:
      breach.exemplarTraceIds.length > 0 ? breach.exemplarTraceIds : (kill?.exemplarTraceIds ?? []),
    kill:
      kill === undefined
        ? null
        : { version: kill.killVersion, at: kill.checkedAt, detail: kill.detail },
    alerts: input.deliveries.map((d) => ({
      target: d.target,
      attempt: d.attempt,
      outcome: d.outcome,
      status: d.status,
      at: d.attemptedAt,
    })),
    timeline,
  };
}

function readAdjustment(check: DecisionRecord): GuardrailAdjustment | null {
  return check.adjustment === '' ? null : (JSON.parse(check.adjustment) as GuardrailAdjustment);
}

/** ", CUPED-adjusted (variance −37%)", or why CUPED left it unadjusted; '' without CUPED. */
function describeAdjustment(check: DecisionRecord): string {
  const adjustment = readAdjustment(check);
  if (adjustment === null) return '';
  if (adjustment.status !== 'applied') return `, CUPED not applied (${adjustment.status})`;
  return `, CUPED-adjusted (variance −${(adjustment.varianceReduction * 100).toFixed(0)}%)`;
}

function describeCheck(check: DecisionRecord): string {
  const onScale = (value: number) =>
    !Number.isFinite(value)
      ? value > 0
        ? '+inf'
        : '-inf'
      : check.scale === 'relative'
        ? `${(value * 100).toFixed(1)}%`
        : value.toPrecision(4);
  return `${check.metric} ${check.state}: interval [${onScale(check.intervalLower)}, ${onScale(check.intervalUpper)}], margin ${onScale(check.margin)}, n=${check.nTreatment}/${check.nControl}${describeAdjustment(check)}`;
}
