import { describe, expect, it } from 'vitest';
import {
  BUILTIN_METRICS,
  BuiltinMetricIds,
  explainCupedLimit,
  findBuiltinMetric,
  GuardrailMetrics,
  validateMetricDefinition,
  type MetricDefinition,
} from '../src/index.js';

const revenue: MetricDefinition = {
  id: 'revenue_per_user',
  name: 'Revenue per user',
  owner: 'payments',
  source: 'spans',
  filters: {
    service: 'checkout',
    spanName: 'POST /pay',
    status: 'ok',
    attributes: [{ attribute: 'payment.currency', op: 'equals', values: ['EUR'] }],
  },
  value: { type: 'attribute', attribute: 'payment.amount' },
  kind: 'mean',
  unitAggregation: 'sum',
  direction: 'higher_is_better',
  unit: 'EUR',
  capping: { type: 'quantile', upper: 0.99 },
  cuped: true,
  tags: ['revenue'],
};

/** The issues of `revenue` changed by `change` (undefined fields removed). */
function issuesOf(change: Record<string, unknown>) {
  const definition = JSON.parse(JSON.stringify({ ...revenue, ...change })) as unknown;
  const result = validateMetricDefinition(definition);
  return result.ok ? [] : result.errors;
}

describe('validateMetricDefinition', () => {
  it('accepts a span-attribute revenue metric and every built-in definition', () => {
    expect(validateMetricDefinition(revenue)).toEqual({ ok: true, value: revenue });
    for (const id of BuiltinMetricIds) {
      expect(validateMetricDefinition(BUILTIN_METRICS[id])).toMatchObject({ ok: true });
      expect(BUILTIN_METRICS[id].id).toBe(id);
    }
  });

  it('names a filter field the source does not have', () => {
    const issues = issuesOf({
      source: 'logs',
      value: { type: 'count' },
      kind: 'count',
      unitAggregation: undefined,
      cuped: undefined,
    });
    expect(issues.map((i) => i.instancePath)).toEqual(['/filters/spanName', '/filters/status']);
    expect(issues[0]!.message).toContain("source 'logs' has no field 'spanName'");
  });

  it('names an unknown property anywhere in the definition', () => {
    const issues = issuesOf({ filters: { sevice: 'checkout' } });
    expect(issues).toEqual([
      { instancePath: '/filters/sevice', message: "unknown property 'sevice'" },
    ]);
  });

  it('requires a denominator for a ratio, and only for a ratio', () => {
    const ratio = issuesOf({ kind: 'ratio', unitAggregation: undefined, cuped: undefined });
    expect(ratio).toEqual([
      { instancePath: '/denominator', message: 'a ratio metric needs a denominator' },
    ]);
    const mean = issuesOf({ denominator: { value: { type: 'count' } } });
    expect(mean.map((i) => i.instancePath)).toEqual(['/denominator']);
  });

  it('refuses a quantile of a count, and a quantile without its level', () => {
    const issues = issuesOf({
      kind: 'quantile',
      value: { type: 'count' },
      unitAggregation: undefined,
      capping: undefined,
      cuped: undefined,
    });
    expect(issues.map((i) => i.instancePath)).toEqual(['/quantile', '/value/type']);
    expect(issues[1]!.message).toContain("not 'count'");
  });

  it('refuses CUPED where no linear estimator exists (quantiles), naming /cuped', () => {
    const paths = (change: Record<string, unknown>) =>
      issuesOf({ capping: undefined, unitAggregation: undefined, ...change });
    const points = paths({
      source: 'metric_points',
      filters: { metricName: 'basket' },
      value: { type: 'point_value' },
    });
    // Metric points: the unit's series before exposure (its id under other assignments).
    expect(points).toEqual([]);
    const quantile = paths({ kind: 'quantile', quantile: 0.9 });
    expect(quantile.map((i) => i.instancePath)).toEqual(['/cuped']);
    expect(quantile[0]!.message).toContain('no linear estimator');
    // Ratios: numerator and denominator before exposure. Logs: the records of the unit's traces.
    expect(paths({ kind: 'ratio', denominator: { value: { type: 'count' } } })).toEqual([]);
    expect(
      paths({
        source: 'logs',
        filters: { service: 'checkout' },
        value: { type: 'count' },
        kind: 'count',
      }),
    ).toEqual([]);
    // Spans and events have one: the unit's records before its first exposure.
    expect(paths({ kind: 'count', value: { type: 'count' } })).toEqual([]);
    expect(
      paths({ source: 'events', filters: { event: 'purchase' }, value: { type: 'event_value' } }),
    ).toEqual([]);
    expect(explainCupedLimit({ kind: 'proportion' })).toBeUndefined();
    expect(explainCupedLimit({ kind: 'quantile' })).toContain('no linear estimator');
  });

  it('checks values against the source and the kind', () => {
    expect(issuesOf({ value: { type: 'point_value' } }).map((i) => i.instancePath)).toEqual([
      '/value/type',
    ]);
    expect(issuesOf({ value: { type: 'attribute' } }).map((i) => i.instancePath)).toEqual([
      '/value/attribute',
    ]);
    const count = issuesOf({ kind: 'count', unitAggregation: undefined });
    expect(count.map((i) => i.instancePath)).toEqual(['/value/type']);
    const proportion = issuesOf({ kind: 'proportion', unitAggregation: undefined });
    expect(proportion.map((i) => i.instancePath)).toEqual(['/capping']);
  });

  it('needs the metric name of a metric-points metric and refuses quantiles of points', () => {
    const issues = issuesOf({
      source: 'metric_points',
      filters: { pointType: 'histogram' },
      value: { type: 'point_value' },
      kind: 'quantile',
      quantile: 0.9,
      unitAggregation: undefined,
      capping: undefined,
      cuped: undefined,
    });
    expect(issues.map((i) => i.instancePath)).toEqual(['/kind', '/filters/metricName']);
  });

  it('checks the number of values of attribute predicates', () => {
    const filters = { attributes: [{ attribute: 'tier', op: 'exists', values: ['x'] }] };
    expect(issuesOf({ filters }).map((i) => i.instancePath)).toEqual([
      '/filters/attributes/0/values',
    ]);
    const compare = { attributes: [{ attribute: 'amount', op: 'gt', values: ['10'] }] };
    expect(issuesOf({ filters: compare }).map((i) => i.instancePath)).toEqual([
      '/filters/attributes/0/values/0',
    ]);
  });
});

describe('built-in metrics', () => {
  it('are the metrics guardrails accept, looked up by id', () => {
    expect([...GuardrailMetrics]).toEqual([...BuiltinMetricIds]);
    expect(findBuiltinMetric('latency_p95')).toMatchObject({ kind: 'quantile', quantile: 0.95 });
    expect(findBuiltinMetric('revenue')).toBeUndefined();
  });
});
