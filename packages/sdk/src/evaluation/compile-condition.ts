import {
  compileMatchPattern,
  type AttributeCondition,
  type Condition,
  type ConditionValue,
  type EvaluationContext,
} from '@tripwire/schema';
import { compareSemver, parseSemver, type SemverCache } from './semver.js';

/** A compiled condition. Built once per config; called per evaluation without allocating. */
export type Matcher = (context: EvaluationContext) => boolean;
type ValueTest = (value: unknown) => boolean;

/** Thrown only while compiling a config (never while evaluating); makes the flag unusable. */
export class ConditionCompileError extends Error {}

/** What condition compilation needs from the rest of the config. */
export interface ConditionScope {
  readonly semver: SemverCache;
  /** Returns the membership matcher of a segment; throws ConditionCompileError if unusable. */
  resolveSegment(key: string): Matcher;
}

function compileEquality(values: readonly ConditionValue[]): ValueTest {
  if (values.length === 1) {
    const only = values[0];
    return (v) => v === only;
  }
  const set = new Set<unknown>(values);
  return (v) => set.has(v);
}

function compileStringTest(
  values: readonly ConditionValue[],
  test: (value: string, operand: string) => boolean,
): ValueTest {
  const operands = values.map(String);
  return (v) => {
    if (typeof v !== 'string') return false;
    for (let i = 0; i < operands.length; i++) if (test(v, operands[i]!)) return true;
    return false;
  };
}

function compileRegexTest(values: readonly ConditionValue[]): ValueTest {
  const patterns = values.map((source) => {
    const compiled = compileMatchPattern(String(source));
    if ('error' in compiled)
      throw new ConditionCompileError(
        `regular expression ${JSON.stringify(source)} is not accepted: ${compiled.error}`,
      );
    return compiled.pattern;
  });
  return (v) => {
    if (typeof v !== 'string') return false;
    for (let i = 0; i < patterns.length; i++) if (patterns[i]!.test(v)) return true;
    return false;
  };
}

function compileNumberTest(
  op: 'lt' | 'lte' | 'gt' | 'gte',
  operand: ConditionValue | undefined,
): ValueTest {
  if (typeof operand !== 'number' || !Number.isFinite(operand))
    throw new ConditionCompileError(`op '${op}' needs one finite number`);
  switch (op) {
    case 'lt':
      return (v) => typeof v === 'number' && v < operand;
    case 'lte':
      return (v) => typeof v === 'number' && v <= operand;
    case 'gt':
      return (v) => typeof v === 'number' && v > operand;
    case 'gte':
      return (v) => typeof v === 'number' && v >= operand;
  }
}

type SemverOp = 'semver_eq' | 'semver_lt' | 'semver_lte' | 'semver_gt' | 'semver_gte';
const SEMVER_ACCEPTS: Record<SemverOp, (order: number) => boolean> = {
  semver_eq: (o) => o === 0,
  semver_lt: (o) => o < 0,
  semver_lte: (o) => o <= 0,
  semver_gt: (o) => o > 0,
  semver_gte: (o) => o >= 0,
};

function compileSemverTest(
  op: SemverOp,
  operand: ConditionValue | undefined,
  cache: SemverCache,
): ValueTest {
  const target = typeof operand === 'string' ? parseSemver(operand) : undefined;
  if (!target)
    throw new ConditionCompileError(
      `op '${op}' needs one SemVer 2.0.0 version, got ${JSON.stringify(operand)}`,
    );
  const accepts = SEMVER_ACCEPTS[op];
  return (v) => {
    if (typeof v !== 'string') return false;
    const parsed = cache.parse(v);
    return parsed !== undefined && accepts(compareSemver(parsed, target));
  };
}

function compileValueTest(condition: AttributeCondition, scope: ConditionScope): ValueTest {
  const values = condition.values ?? [];
  const op = condition.op;
  switch (op) {
    case 'equals':
    case 'not_equals':
    case 'in':
    case 'not_in':
      if (values.length === 0)
        throw new ConditionCompileError(`op '${op}' needs at least one value`);
      return compileEquality(values);
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return compileNumberTest(op, values[0]);
    case 'semver_eq':
    case 'semver_lt':
    case 'semver_lte':
    case 'semver_gt':
    case 'semver_gte':
      return compileSemverTest(op, values[0], scope.semver);
    case 'starts_with':
      return compileStringTest(values, (v, s) => v.startsWith(s));
    case 'ends_with':
      return compileStringTest(values, (v, s) => v.endsWith(s));
    case 'contains':
      return compileStringTest(values, (v, s) => v.includes(s));
    case 'matches':
      return compileRegexTest(values);
    case 'exists':
    case 'not_exists':
      return () => true;
  }
}

/** An array attribute matches a positive op when any element does. */
function testAttribute(test: ValueTest, value: unknown): boolean {
  if (!Array.isArray(value)) return test(value);
  for (let i = 0; i < value.length; i++) if (test(value[i])) return true;
  return false;
}

/**
 * A missing attribute (undefined or null) fails every op except `not_exists`, including the
 * negated ones (`not_equals`, `not_in`): rules never match a context that lacks the data.
 */
function compileAttribute(condition: AttributeCondition, scope: ConditionScope): Matcher {
  const attribute = condition.attribute;
  if (condition.op === 'exists')
    return (ctx) => ctx[attribute] !== undefined && ctx[attribute] !== null;
  if (condition.op === 'not_exists')
    return (ctx) => ctx[attribute] === undefined || ctx[attribute] === null;
  const test = compileValueTest(condition, scope);
  if (condition.op === 'not_equals' || condition.op === 'not_in') {
    return (ctx) => {
      const value = ctx[attribute];
      return value !== undefined && value !== null && !testAttribute(test, value);
    };
  }
  return (ctx) => {
    const value = ctx[attribute];
    return value !== undefined && value !== null && testAttribute(test, value);
  };
}

function compileAll(matchers: Matcher[]): Matcher {
  if (matchers.length === 1) return matchers[0]!;
  return (ctx) => {
    for (let i = 0; i < matchers.length; i++) if (!matchers[i]!(ctx)) return false;
    return true;
  };
}

function compileAny(matchers: Matcher[]): Matcher {
  if (matchers.length === 1) return matchers[0]!;
  return (ctx) => {
    for (let i = 0; i < matchers.length; i++) if (matchers[i]!(ctx)) return true;
    return false;
  };
}

/** Compiles a condition tree into one matcher. Throws ConditionCompileError on unusable input. */
export function compileCondition(condition: Condition, scope: ConditionScope): Matcher {
  if (typeof condition !== 'object' || condition === null)
    throw new ConditionCompileError('a condition must be an object');
  if ('attribute' in condition) return compileAttribute(condition, scope);
  if ('all' in condition) return compileAll(condition.all.map((c) => compileCondition(c, scope)));
  if ('any' in condition) return compileAny(condition.any.map((c) => compileCondition(c, scope)));
  if ('not' in condition) {
    const inner = compileCondition(condition.not, scope);
    return (ctx) => !inner(ctx);
  }
  if ('segment' in condition) return scope.resolveSegment(condition.segment);
  throw new ConditionCompileError('unknown condition shape');
}
