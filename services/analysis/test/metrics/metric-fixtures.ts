import type { MetricDefinition } from '@tripwire/schema';

/**
 * The catalog metrics the tests, the e2e suite, the dashboard test and the bench define: one
 * function per metric, `overrides` replacing top-level fields.
 */
type Overrides = Partial<MetricDefinition>;

/** Revenue per user: the per-unit sum of a numeric span attribute on `POST /pay` spans. */
export function makeRevenueMetric(overrides: Overrides = {}): MetricDefinition {
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

/** Error log records per user (severity ≥ error; the unit from the record's trace): a count. */
export function makeErrorLogsMetric(overrides: Overrides = {}): MetricDefinition {
  return {
    id: 'log_errors',
    name: 'Error logs per user',
    source: 'logs',
    filters: { severityAtLeast: 'error' },
    value: { type: 'count' },
    kind: 'count',
    direction: 'lower_is_better',
    ...overrides,
  };
}

/** Share of `cache.get` spans with `cache.hit = true`: a ratio with its own denominator. */
export function makeCacheHitRatioMetric(overrides: Overrides = {}): MetricDefinition {
  return {
    id: 'cache_hit_ratio',
    name: 'Cache hit ratio',
    source: 'spans',
    filters: {
      spanName: 'cache.get',
      attributes: [{ attribute: 'cache.hit', op: 'equals', values: ['true'] }],
    },
    value: { type: 'count' },
    denominator: { filters: { spanName: 'cache.get' }, value: { type: 'count' } },
    kind: 'ratio',
    direction: 'higher_is_better',
    unit: 'fraction',
    ...overrides,
  };
}

/** Basket value per user: the Σ of the OTel histogram `shop.basket.value` per unit. */
export function makeBasketValueMetric(overrides: Overrides = {}): MetricDefinition {
  return {
    id: 'basket_value',
    name: 'Basket value per user',
    source: 'metric_points',
    filters: { metricName: 'shop.basket.value', pointType: 'histogram' },
    value: { type: 'point_value' },
    kind: 'mean',
    direction: 'higher_is_better',
    unit: 'EUR',
    ...overrides,
  };
}

/** Purchase value per user: the values of tracked `purchase` events after exposure, summed. */
export function makePurchaseValueMetric(overrides: Overrides = {}): MetricDefinition {
  return {
    id: 'purchase_value',
    name: 'Purchase value per user',
    source: 'events',
    filters: { event: 'purchase' },
    value: { type: 'event_value' },
    kind: 'mean',
    direction: 'higher_is_better',
    ...overrides,
  };
}

/** Failed `GET /api` calls ÷ calls per unit: a ratio of errors to spans (lower is better). */
export function makeApiErrorsMetric(overrides: Overrides = {}): MetricDefinition {
  return {
    id: 'api_errors',
    name: 'API error rate',
    source: 'spans',
    filters: { spanName: 'GET /api' },
    value: { type: 'error' },
    denominator: { value: { type: 'count' } },
    kind: 'ratio',
    direction: 'lower_is_better',
    unit: 'fraction',
    ...overrides,
  };
}
