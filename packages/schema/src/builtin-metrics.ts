import type { MetricDefinition } from './metric.js';

/** Ids of the metrics every experiment has without defining any (the only place they are listed). */
export const BuiltinMetricIds = [
  'error_rate',
  'latency_mean',
  'latency_p50',
  'latency_p95',
  'latency_p99',
  'conversion',
] as const;
export type BuiltinMetricId = (typeof BuiltinMetricIds)[number];

const serverSpans = { spanKind: 'server' } as const;
const owner = 'tripwire';
const tags = ['builtin'];

function latencyQuantile(id: BuiltinMetricId, level: number): MetricDefinition {
  return {
    id,
    name: `p${Math.round(level * 100)} latency`,
    description: `The ${level} quantile of server span duration, requests clustered in units.`,
    owner,
    source: 'spans',
    filters: serverSpans,
    value: { type: 'duration' },
    kind: 'quantile',
    quantile: level,
    direction: 'lower_is_better',
    unit: 'ms',
    tags,
  };
}

/**
 * The built-in metrics as ordinary definitions. A guardrail's or the results' `service` and
 * `spanName` narrow the span metrics; `conversion` has no event filter: a guardrail names its
 * `conversionEvent`, and the results show one row per tracked event.
 */
export const BUILTIN_METRICS: Readonly<Record<BuiltinMetricId, MetricDefinition>> = {
  error_rate: {
    id: 'error_rate',
    name: 'Error rate',
    description:
      'Server spans with status error ÷ server spans, per unit then pooled (delta method).',
    owner,
    source: 'spans',
    filters: serverSpans,
    value: { type: 'error' },
    denominator: { value: { type: 'count' } },
    kind: 'ratio',
    direction: 'lower_is_better',
    unit: 'fraction',
    tags,
  },
  latency_mean: {
    id: 'latency_mean',
    name: 'Mean latency',
    description: 'Total server span duration ÷ server spans (delta method).',
    owner,
    source: 'spans',
    filters: serverSpans,
    value: { type: 'duration' },
    denominator: { value: { type: 'count' } },
    kind: 'ratio',
    direction: 'lower_is_better',
    unit: 'ms',
    tags,
  },
  latency_p50: latencyQuantile('latency_p50', 0.5),
  latency_p95: latencyQuantile('latency_p95', 0.95),
  latency_p99: latencyQuantile('latency_p99', 0.99),
  conversion: {
    id: 'conversion',
    name: 'Conversion',
    description: 'Units that tracked the event within the conversion window after exposure.',
    owner,
    source: 'events',
    value: { type: 'count' },
    kind: 'proportion',
    direction: 'higher_is_better',
    unit: 'fraction',
    cuped: true,
    tags,
  },
};

/** Whether `id` names a built-in metric. */
export function isBuiltinMetricId(id: string): id is BuiltinMetricId {
  return (BuiltinMetricIds as readonly string[]).includes(id);
}

/** The built-in definition of `id`, if it is one. */
export function findBuiltinMetric(id: string): MetricDefinition | undefined {
  return isBuiltinMetricId(id) ? BUILTIN_METRICS[id] : undefined;
}
