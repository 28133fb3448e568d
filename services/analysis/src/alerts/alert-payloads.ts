import { describeNotice, type AlertNotice } from './alert-notice.js';

/** How long an Alertmanager alert stays firing without a re-send (a kill is an event, not a state). */
const ALERT_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * Alertmanager v2 `POST /api/v2/alerts` body: an array; labels are the alert's identity, so the
 * resolved notice of a restored kill carries the same labels with `endsAt` = the restore.
 */
export function buildAlertmanagerAlerts(notice: AlertNotice): unknown[] {
  const summary = describeNotice(notice);
  const endsAt =
    notice.resolvedAt ?? new Date(Date.parse(notice.breachedAt) + ALERT_LIFETIME_MS).toISOString();
  return [
    {
      labels: {
        alertname: 'TripwireGuardrailBreached',
        flag: notice.flagKey,
        environment: notice.environment,
        guardrail: notice.guardrailId,
        metric: notice.metric,
        variant: notice.variant,
        action: notice.action,
        severity: notice.action === 'alert' ? 'warning' : 'critical',
      },
      annotations: {
        summary,
        breach_id: notice.breachId,
        kill_report: notice.reportUrl,
        estimate: String(notice.estimate),
        interval: `[${notice.interval[0]}, ${notice.interval[1]}]`,
      },
      startsAt: notice.breachedAt,
      endsAt,
      generatorURL: notice.reportUrl,
    },
  ];
}

/** Generic JSON webhook body; `text` makes it a valid Slack incoming-webhook message as is. */
export function buildWebhookPayload(notice: AlertNotice): Record<string, unknown> {
  return {
    text: describeNotice(notice),
    event: `tripwire.guardrail.${notice.outcome}`,
    alertId: notice.alertId,
    breachId: notice.breachId,
    flag: notice.flagKey,
    environment: notice.environment,
    guardrail: notice.guardrailId,
    metric: notice.metric,
    action: notice.action,
    outcome: notice.outcome,
    variant: notice.variant,
    control: notice.control,
    estimate: notice.estimate,
    relativeEstimate: notice.relativeEstimate,
    interval: notice.interval.map((end) => (Number.isFinite(end) ? end : null)),
    scale: notice.scale,
    test: notice.test,
    alpha: notice.alpha,
    margin: notice.margin,
    n: { control: notice.nControl, treatment: notice.nTreatment },
    breachedAt: notice.breachedAt,
    resolvedAt: notice.resolvedAt,
    killVersion: notice.killVersion,
    reportUrl: notice.reportUrl,
  };
}

/** Grafana `POST /api/annotations` body: an organisation-wide annotation at the breach (or restore) time. */
export function buildGrafanaAnnotation(notice: AlertNotice): Record<string, unknown> {
  return {
    time: Date.parse(notice.resolvedAt ?? notice.breachedAt),
    tags: [
      'tripwire',
      `tripwire-${notice.outcome}`,
      `flag:${notice.flagKey}`,
      `environment:${notice.environment}`,
      `metric:${notice.metric}`,
    ],
    text: `${describeNotice(notice)}`,
  };
}
