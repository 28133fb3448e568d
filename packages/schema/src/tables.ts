/**
 * ClickHouse table names. The `otel_*` names are the OpenTelemetry Collector contrib
 * `clickhouseexporter` defaults; all of them can be overridden by configuration in the service.
 */
export const CollectorTables = {
  traces: 'otel_traces',
  traceIdTs: 'otel_traces_trace_id_ts',
  traceIdTsView: 'otel_traces_trace_id_ts_mv',
  logs: 'otel_logs',
  metricsGauge: 'otel_metrics_gauge',
  metricsSum: 'otel_metrics_sum',
  metricsHistogram: 'otel_metrics_histogram',
  metricsExpHistogram: 'otel_metrics_exponential_histogram',
  metricsSummary: 'otel_metrics_summary',
} as const;

/** Tripwire's own tables. */
export const TripwireTables = {
  migrations: 'tripwire_migrations',
  exposures: 'tripwire_exposures',
  variantRequests: 'tripwire_variant_requests',
  conversions: 'tripwire_conversions',
  flagChangelog: 'tripwire_flag_changelog',
  tokens: 'tripwire_tokens',
  guardrailDecisions: 'tripwire_guardrail_decisions',
  alertDeliveries: 'tripwire_alert_deliveries',
} as const;
