import type { MetricDefinition } from '@tripwire/schema';

/**
 * The catalog metric the tests define most: revenue per user, the per-unit sum of a numeric
 * span attribute on `POST /pay` spans. `overrides` replace top-level fields.
 */
export function makeRevenueMetric(overrides: Partial<MetricDefinition> = {}): MetricDefinition {
  return {
    id: 'revenue',
    name: 'Revenue per user',
    owner: 'payments',
    source: 'spans',
    filters: { spanName: 'POST /pay' },
    value: { type: 'attribute', attribute: 'payment.amount' },
    kind: 'mean',
    direction: 'higher_is_better',
    unit: 'EUR',
    ...overrides,
  };
}
