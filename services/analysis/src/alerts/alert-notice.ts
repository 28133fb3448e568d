import type { GuardrailAction, GuardrailMetric } from '@tripwire/schema';

/** What every alert target is told about one breach; built by the guardian, rendered per target. */
export interface AlertNotice {
  /** Stable id of the alert: one per breach, so retries and restarts never send it twice. */
  alertId: string;
  breachId: string;
  flagKey: string;
  environment: string;
  guardrailId: string;
  metric: GuardrailMetric;
  /**
   * The guardrail's action and whether it was carried out (`killed` = a new flag version);
   * `resolved` = a person restored the killed flag (the alert ends at `resolvedAt`).
   */
  action: GuardrailAction;
  outcome: 'killed' | 'paused' | 'alerted' | 'resolved';
  variant: string;
  control: string;
  /** treatment − control on `scale`, its always-valid interval, and the test that made it. */
  estimate: number;
  relativeEstimate: number | null;
  interval: readonly [number, number];
  scale: string;
  test: string;
  alpha: number;
  margin: number;
  nControl: number;
  nTreatment: number;
  /** ISO 8601 instant of the breach. */
  breachedAt: string;
  /** ISO 8601 instant the kill ended (outcome `resolved`), else null. */
  resolvedAt: string | null;
  /** Flag version the kill wrote (absent unless killed). */
  killVersion: number | null;
  /** Link to the kill report in the API. */
  reportUrl: string;
}

/** One line a human can read in Slack or a pager: what happened, how sure, where to look. */
export function describeNotice(notice: AlertNotice): string {
  if (notice.outcome === 'resolved') {
    return (
      `Tripwire: flag "${notice.flagKey}" in ${notice.environment} was restored after the ` +
      `guardian's kill (version ${notice.killVersion ?? '?'}) for ${notice.metric} of ` +
      `"${notice.variant}"; resolved. Report: ${notice.reportUrl}`
    );
  }
  const verb =
    notice.outcome === 'killed'
      ? `killed (version ${notice.killVersion ?? '?'}, now serving "${notice.control}")`
      : notice.outcome === 'paused'
        ? 'paused'
        : 'breached its guardrail';
  const lift =
    notice.relativeEstimate === null
      ? `${formatNumber(notice.estimate)} vs control`
      : `${formatPercent(notice.relativeEstimate)} vs control`;
  const [lower, upper] = notice.interval;
  const onScale = notice.scale === 'relative' ? formatPercent : formatNumber;
  return (
    `Tripwire: flag "${notice.flagKey}" in ${notice.environment} ${verb}: ` +
    `${notice.metric} of "${notice.variant}" ${lift}, ` +
    `${Math.round((1 - notice.alpha) * 100)}% always-valid interval [${onScale(lower)}, ${onScale(upper)}] ` +
    `(margin ${formatPercent(notice.margin)}, n=${notice.nTreatment}/${notice.nControl}). ` +
    `Report: ${notice.reportUrl}`
  );
}

function formatPercent(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+∞' : '−∞';
  return `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}%`;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+∞' : '−∞';
  return Number(value.toPrecision(4)).toString();
}
