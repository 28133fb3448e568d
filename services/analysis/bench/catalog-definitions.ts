/**
 * The ten catalog metrics the catalog-metrics benches judge the bench experiment on (every
 * source, every kind, filters and an attribute predicate), over `bench-telemetry.ts`'s data.
 */
import type { Guardrail, MetricDefinition } from '@tripwire/schema';
import {
  makeBasketValueMetric,
  makeErrorLogsMetric,
  makePurchaseValueMetric,
} from '../test/metrics/metric-fixtures.js';

const span = (
  id: string,
  rest: Omit<MetricDefinition, 'id' | 'name' | 'source' | 'direction'>,
): MetricDefinition => ({ id, name: id, source: 'spans', direction: 'lower_is_better', ...rest });

/** Ten catalog metrics: every source, every kind, filters and an attribute predicate. */
export const CATALOG: MetricDefinition[] = [
  span('payments_error_ratio', {
    filters: { service: 'payments' },
    value: { type: 'error' },
    denominator: { value: { type: 'count' } },
    kind: 'ratio',
  }),
  span('search_latency', {
    filters: { spanName: 'GET /search' },
    value: { type: 'duration' },
    unitAggregation: 'mean',
    kind: 'mean',
  }),
  span('search_p95', {
    filters: { spanName: 'GET /search' },
    value: { type: 'duration' },
    kind: 'quantile',
    quantile: 0.95,
  }),
  span('api_requests', { filters: { service: 'api' }, value: { type: 'count' }, kind: 'count' }),
  span('any_server_error', {
    filters: { status: 'error' },
    value: { type: 'count' },
    kind: 'proportion',
  }),
  span('ok_payments_latency', {
    filters: {
      spanName: 'GET /payments',
      attributes: [{ attribute: 'http.response.status_code', op: 'equals', values: ['200'] }],
    },
    value: { type: 'duration' },
    denominator: { value: { type: 'count' } },
    kind: 'ratio',
  }),
  makePurchaseValueMetric(),
  {
    id: 'purchasers',
    name: 'purchasers',
    source: 'events',
    filters: { event: 'purchase' },
    value: { type: 'count' },
    kind: 'proportion',
    direction: 'higher_is_better',
  },
  makeErrorLogsMetric(),
  makeBasketValueMetric(),
];

/** The benches' guardrail on `metric` (alert only, so a pass never kills the bench's flag). */
export const guardrail = (metric: string): Guardrail => ({
  id: `guard-${metric}`,
  metric,
  direction: 'lower_is_better',
  margin: 0.5,
  alpha: 0.05,
  minSample: 100,
  action: 'alert',
  ...(metric === 'conversion' ? { conversionEvent: 'purchase' } : {}),
});
