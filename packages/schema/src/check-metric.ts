import {
  METRIC_SOURCE_FIELDS,
  METRIC_SOURCE_VALUES,
  type MetricDefinition,
  type MetricFilters,
  type MetricValue,
} from './metric.js';
import type { ValidationIssue } from './validation-issue.js';

/** Value types with one number per record that a quantile can be taken of. */
const CONTINUOUS_VALUES = new Set<MetricValue['type']>([
  'duration',
  'attribute',
  'event_value',
  'point_value',
]);
const NO_VALUE_OPERATORS = new Set(['exists', 'not_exists']);
const COMPARISONS = new Set(['gt', 'gte', 'lt', 'lte']);
const ONE_VALUE_OPERATORS = new Set(['equals', 'not_equals', 'gt', 'gte', 'lt', 'lte']);

/**
 * Semantic checks of a metric definition that passed its JSON Schema: filters and values the
 * source has, the fields each kind needs (ratio: `denominator`; quantile: `quantile` and a
 * per-record number), and the options the kind's statistics allow (capping, CUPED).
 */
export function checkMetric(metric: MetricDefinition): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (instancePath: string, message: string) => issues.push({ instancePath, message });
  checkFilters(metric, metric.filters, '/filters', add);
  checkValue(metric, metric.value, '/value', add);
  if (metric.kind === 'ratio') {
    if (metric.denominator === undefined) add('/denominator', 'a ratio metric needs a denominator');
    else {
      checkFilters(metric, metric.denominator.filters, '/denominator/filters', add);
      checkValue(metric, metric.denominator.value, '/denominator/value', add);
    }
  } else if (metric.denominator !== undefined) {
    add('/denominator', `only ratio metrics have a denominator, this one is '${metric.kind}'`);
  }
  checkKind(metric, add);
  const cupedLimit = metric.cuped === true ? explainCupedLimit(metric) : undefined;
  if (cupedLimit !== undefined) add('/cuped', cupedLimit);
  if (metric.source === 'metric_points' && metric.filters?.metricName === undefined)
    add('/filters/metricName', "a metric_points metric needs 'metricName'");
  return issues;
}

/**
 * Why CUPED cannot adjust this metric, or undefined when it can. CUPED needs a linear estimator
 * (a mean of per-unit values — proportion, mean, count per unit — or a ratio of two such means)
 * and the same values from the unit's records before its first exposure, which every source
 * has: tracked events carry the unit before exposure too, and so do spans, the traces of log
 * records and metric data points that the SDK stamped with the unit's id under its other
 * assignments.
 */
export function explainCupedLimit(metric: Pick<MetricDefinition, 'kind'>): string | undefined {
  return metric.kind === 'quantile'
    ? 'CUPED does not apply to quantiles: a quantile is not a mean (or a ratio of means) of per-unit values, so no linear estimator adjusts it by a covariate'
    : undefined;
}

type Add = (instancePath: string, message: string) => void;

function checkKind(metric: MetricDefinition, add: Add): void {
  const { kind } = metric;
  if (kind === 'quantile') {
    if (metric.quantile === undefined) add('/quantile', 'a quantile metric needs its level');
    if (!CONTINUOUS_VALUES.has(metric.value.type))
      add('/value/type', `a quantile needs a numeric value per record, not '${metric.value.type}'`);
    if (metric.source === 'metric_points')
      add('/kind', 'metric points are aggregated per export: a quantile needs per-record values');
    if (metric.unitAggregation !== undefined)
      add('/unitAggregation', 'a quantile pools records; it has no per-unit aggregation');
  } else if (metric.quantile !== undefined) {
    add('/quantile', `only quantile metrics have a level, this one is '${kind}'`);
  }
  if (kind === 'count' && metric.value.type !== 'count')
    add('/value/type', `a count metric counts records: value must be 'count'`);
  if ((kind === 'proportion' || kind === 'count') && metric.unitAggregation !== undefined)
    add('/unitAggregation', `a ${kind} metric has a fixed per-unit aggregation`);
  if (kind === 'proportion' && metric.capping !== undefined)
    add('/capping', 'a proportion is 0 or 1 per unit: nothing to cap');
  if (kind === 'quantile' && metric.capping !== undefined)
    add('/capping', 'capping applies to per-unit values, not to a quantile');
}

function checkFilters(
  metric: MetricDefinition,
  filters: MetricFilters | undefined,
  path: string,
  add: Add,
): void {
  if (filters === undefined) return;
  const allowed = METRIC_SOURCE_FIELDS[metric.source];
  for (const field of Object.keys(filters) as (keyof MetricFilters)[]) {
    if (!allowed.includes(field))
      add(
        `${path}/${field}`,
        `source '${metric.source}' has no field '${field}' (it has ${allowed.join(', ')})`,
      );
  }
  (filters.attributes ?? []).forEach((predicate, i) => {
    const count = predicate.values?.length ?? 0;
    const at = `${path}/attributes/${i}/values`;
    if (NO_VALUE_OPERATORS.has(predicate.op) && count > 0)
      add(at, `'${predicate.op}' takes no values`);
    else if (ONE_VALUE_OPERATORS.has(predicate.op) && count !== 1)
      add(at, `'${predicate.op}' takes exactly one value`);
    else if (!NO_VALUE_OPERATORS.has(predicate.op) && count === 0)
      add(at, `'${predicate.op}' takes at least one value`);
    else if (COMPARISONS.has(predicate.op) && typeof predicate.values?.[0] !== 'number')
      add(`${at}/0`, `'${predicate.op}' compares with a number`);
  });
}

function checkValue(metric: MetricDefinition, value: MetricValue, path: string, add: Add): void {
  const allowed = METRIC_SOURCE_VALUES[metric.source];
  if (!allowed.includes(value.type))
    add(
      `${path}/type`,
      `source '${metric.source}' has no value '${value.type}' (it has ${allowed.join(', ')})`,
    );
  if (value.type === 'attribute' && value.attribute === undefined)
    add(`${path}/attribute`, "an 'attribute' value names its attribute");
  if (value.type !== 'attribute' && value.attribute !== undefined)
    add(`${path}/attribute`, `only 'attribute' values name an attribute, not '${value.type}'`);
}
