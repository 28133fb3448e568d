import type { Condition, ConditionOperator, ConditionValue } from './condition.js';
import { compileMatchPattern } from './match-pattern.js';
import { SEMVER_PATTERN } from './semver-pattern.js';
import type { ValidationIssue } from './validation-issue.js';

/** Deepest allowed nesting of all/any/not, so evaluators never recurse without bound. */
export const MAX_CONDITION_DEPTH = 16;

type ValueRule = {
  count: 'none' | 'one' | 'many';
  kind: 'scalar' | 'number' | 'string' | 'semver' | 'regex';
};

const VALUE_RULES: Record<ConditionOperator, ValueRule> = {
  equals: { count: 'one', kind: 'scalar' },
  not_equals: { count: 'one', kind: 'scalar' },
  in: { count: 'many', kind: 'scalar' },
  not_in: { count: 'many', kind: 'scalar' },
  lt: { count: 'one', kind: 'number' },
  lte: { count: 'one', kind: 'number' },
  gt: { count: 'one', kind: 'number' },
  gte: { count: 'one', kind: 'number' },
  semver_eq: { count: 'one', kind: 'semver' },
  semver_lt: { count: 'one', kind: 'semver' },
  semver_lte: { count: 'one', kind: 'semver' },
  semver_gt: { count: 'one', kind: 'semver' },
  semver_gte: { count: 'one', kind: 'semver' },
  starts_with: { count: 'many', kind: 'string' },
  ends_with: { count: 'many', kind: 'string' },
  contains: { count: 'many', kind: 'string' },
  matches: { count: 'many', kind: 'regex' },
  exists: { count: 'none', kind: 'scalar' },
  not_exists: { count: 'none', kind: 'scalar' },
};

function describeBadPattern(source: string): string | undefined {
  const compiled = compileMatchPattern(source);
  if (!('error' in compiled)) return undefined;
  return `is not a valid regular expression: ${compiled.error}`;
}

/** Returns why `value` is not usable with an operator of this kind, or undefined. */
function describeBadValue(value: ConditionValue, kind: ValueRule['kind']): string | undefined {
  switch (kind) {
    case 'scalar':
      return typeof value === 'number' && !Number.isFinite(value) ? 'must be finite' : undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? undefined
        : 'must be a finite number';
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'semver':
      return typeof value === 'string' && SEMVER_PATTERN.test(value)
        ? undefined
        : 'must be a SemVer 2.0.0 version such as 1.4.0 or 2.0.0-rc.1';
    case 'regex':
      return typeof value === 'string'
        ? describeBadPattern(value)
        : 'must be a regular expression string';
  }
}

function checkValues(
  condition: { op: ConditionOperator; values?: ConditionValue[] },
  path: string,
  issues: ValidationIssue[],
): void {
  const rule = VALUE_RULES[condition.op];
  const values = condition.values ?? [];
  if (rule.count === 'none' && values.length > 0) {
    issues.push({
      instancePath: `${path}/values`,
      message: `op '${condition.op}' takes no values`,
    });
  } else if (rule.count === 'one' && values.length !== 1) {
    issues.push({
      instancePath: `${path}/values`,
      message: `op '${condition.op}' takes exactly one value`,
    });
  } else if (rule.count === 'many' && values.length === 0) {
    issues.push({
      instancePath: `${path}/values`,
      message: `op '${condition.op}' needs at least one value`,
    });
  }
  values.forEach((value, i) => {
    const problem = describeBadValue(value, rule.kind);
    if (problem)
      issues.push({
        instancePath: `${path}/values/${i}`,
        message: `value for '${condition.op}' ${problem}`,
      });
  });
}

/**
 * Checks what the JSON Schema cannot: values fit the operator (count, type, SemVer, regex) and
 * nesting stays within {@link MAX_CONDITION_DEPTH}. Calls `onSegment` for each segment reference.
 */
export function checkCondition(
  condition: Condition,
  path: string,
  issues: ValidationIssue[],
  onSegment?: (segmentKey: string, path: string) => void,
  depth = 0,
): void {
  if (depth > MAX_CONDITION_DEPTH) {
    issues.push({
      instancePath: path,
      message: `conditions nest deeper than ${MAX_CONDITION_DEPTH} levels`,
    });
    return;
  }
  if ('attribute' in condition) checkValues(condition, path, issues);
  else if ('all' in condition)
    condition.all.forEach((c, i) =>
      checkCondition(c, `${path}/all/${i}`, issues, onSegment, depth + 1),
    );
  else if ('any' in condition)
    condition.any.forEach((c, i) =>
      checkCondition(c, `${path}/any/${i}`, issues, onSegment, depth + 1),
    );
  else if ('not' in condition)
    checkCondition(condition.not, `${path}/not`, issues, onSegment, depth + 1);
  else onSegment?.(condition.segment, `${path}/segment`);
}
