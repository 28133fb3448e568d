import { checkCondition } from './check-condition.js';
import type { EnvironmentState, Flag, FlagValueType, JsonValue, Serve } from './flag.js';
import { escapePointer, type ValidationIssue } from './validation-issue.js';

/** Callback for each segment a flag's conditions reference (for referential checks). */
export type SegmentReferenceVisitor = (segmentKey: string, path: string) => void;

function describeValueMismatch(value: JsonValue, type: FlagValueType): string | undefined {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be a boolean for a boolean flag';
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string for a string flag';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? undefined
        : 'must be a finite number for a number flag';
    case 'json':
      return value === undefined ? 'must be a JSON value' : undefined;
  }
}

function checkServe(
  serve: Serve,
  path: string,
  variantKeys: Set<string>,
  issues: ValidationIssue[],
): void {
  if ('variant' in serve) {
    if (!variantKeys.has(serve.variant))
      issues.push({
        instancePath: `${path}/variant`,
        message: `unknown variant '${serve.variant}'`,
      });
    return;
  }
  const seen = new Set<string>();
  let total = 0;
  serve.rollout.weights.forEach((w, i) => {
    const at = `${path}/rollout/weights/${i}/variant`;
    if (!variantKeys.has(w.variant))
      issues.push({ instancePath: at, message: `unknown variant '${w.variant}'` });
    if (seen.has(w.variant))
      issues.push({ instancePath: at, message: `variant '${w.variant}' is weighted twice` });
    seen.add(w.variant);
    total += w.weight;
  });
  if (total <= 0)
    issues.push({
      instancePath: `${path}/rollout/weights`,
      message: 'weights must sum to more than 0',
    });
}

function checkEnvironment(
  state: EnvironmentState,
  path: string,
  variantKeys: Set<string>,
  issues: ValidationIssue[],
  onSegment?: SegmentReferenceVisitor,
): void {
  if (state.offVariant !== undefined && !variantKeys.has(state.offVariant))
    issues.push({
      instancePath: `${path}/offVariant`,
      message: `unknown variant '${state.offVariant}'`,
    });
  const ruleIds = new Set<string>();
  state.rules.forEach((rule, i) => {
    const at = `${path}/rules/${i}`;
    if (ruleIds.has(rule.id))
      issues.push({ instancePath: `${at}/id`, message: `duplicate rule id '${rule.id}'` });
    ruleIds.add(rule.id);
    checkCondition(rule.when, `${at}/when`, issues, onSegment);
    checkServe(rule.serve, `${at}/serve`, variantKeys, issues);
  });
  checkServe(state.fallthrough, `${path}/fallthrough`, variantKeys, issues);
}

function checkVariants(flag: Flag, issues: ValidationIssue[]): Set<string> {
  const keys = new Set<string>();
  flag.variants.forEach((variant, i) => {
    if (keys.has(variant.key))
      issues.push({
        instancePath: `/variants/${i}/key`,
        message: `duplicate variant key '${variant.key}'`,
      });
    keys.add(variant.key);
    const problem = describeValueMismatch(variant.value, flag.type);
    if (problem) issues.push({ instancePath: `/variants/${i}/value`, message: `value ${problem}` });
  });
  if (!keys.has(flag.defaultVariant))
    issues.push({
      instancePath: '/defaultVariant',
      message: `unknown variant '${flag.defaultVariant}'`,
    });
  return keys;
}

function checkGuardrails(flag: Flag, issues: ValidationIssue[]): void {
  const ids = new Set<string>();
  (flag.guardrails ?? []).forEach((g, i) => {
    if (ids.has(g.id))
      issues.push({
        instancePath: `/guardrails/${i}/id`,
        message: `duplicate guardrail id '${g.id}'`,
      });
    ids.add(g.id);
    if (g.metric === 'conversion' && g.conversionEvent === undefined)
      issues.push({
        instancePath: `/guardrails/${i}/conversionEvent`,
        message: "a 'conversion' guardrail needs conversionEvent",
      });
  });
}

/**
 * Semantic checks on a schema-valid flag: unique variant keys, values of the flag's type, every
 * referenced variant exists, weights sum > 0, condition values fit their operators, no
 * self-prerequisite, unique rule/guardrail ids, expiry after creation. Paths are JSON pointers
 * relative to the flag.
 */
export function checkFlag(flag: Flag, onSegment?: SegmentReferenceVisitor): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const variantKeys = checkVariants(flag, issues);
  for (const [env, state] of Object.entries(flag.environments))
    checkEnvironment(state, `/environments/${escapePointer(env)}`, variantKeys, issues, onSegment);
  (flag.prerequisites ?? []).forEach((p, i) => {
    if (p.flag === flag.key)
      issues.push({
        instancePath: `/prerequisites/${i}/flag`,
        message: 'a flag cannot be its own prerequisite',
      });
  });
  checkGuardrails(flag, issues);
  const { createdAt, expiresAt } = flag.metadata;
  if (expiresAt !== undefined && Date.parse(expiresAt) <= Date.parse(createdAt))
    issues.push({
      instancePath: '/metadata/expiresAt',
      message: 'expiresAt must be after createdAt',
    });
  return issues;
}
