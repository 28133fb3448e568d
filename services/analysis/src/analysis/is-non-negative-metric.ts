import type { MetricDefinition, MetricValue, MetricValueType } from '@tripwire/schema';

/**
 * Value types no record can take below zero. A numeric attribute, a tracked event's value and a
 * data point's value can (a refund, a profit, a gauge).
 */
const NON_NEGATIVE_VALUES: readonly MetricValueType[] = [
  'count',
  'duration',
  'error',
  'point_count',
];

const isNonNegativeValue = (value: MetricValue) => NON_NEGATIVE_VALUES.includes(value.type);

/**
 * Whether every per-unit value of the definition is ≥ 0, so a relative lift (treatment ÷ control
 * − 1) cannot fall below −100 %: proportions, counts, and means, ratios and quantiles of
 * non-negative values (absolute capping at a lower bound ≥ 0 makes any value so; at an upper
 * bound < 0, none is). A metric that can be negative gets no −100 % floor on its intervals.
 */
export function isNonNegativeMetric(definition: MetricDefinition): boolean {
  const capping = definition.capping?.type === 'absolute' ? definition.capping : undefined;
  const isCapped = definition.kind !== 'quantile' && definition.kind !== 'proportion';
  if (isCapped && capping?.upper !== undefined && capping.upper < 0) return false;
  const isFloored = isCapped && capping?.lower !== undefined && capping.lower >= 0;
  switch (definition.kind) {
    case 'proportion':
    case 'count':
      return true;
    case 'mean':
    case 'quantile':
      return isFloored || isNonNegativeValue(definition.value);
    case 'ratio':
      return (
        (isFloored || isNonNegativeValue(definition.value)) &&
        (definition.denominator === undefined || isNonNegativeValue(definition.denominator.value))
      );
  }
}
