import { Compile } from 'typebox/compile';
import { migrateLegacyConfig, migrateLegacyDirections } from './migrate-legacy-directions.js';
import { checkCondition } from './check-condition.js';
import { checkFlag } from './check-flag.js';
import { checkMetric } from './check-metric.js';
import type { ConfigPatch, ConfigSnapshot } from './config.js';
import { ConfigPatchSchema, ConfigSnapshotSchema } from './config.js';
import type { Flag } from './flag.js';
import type { MetricDefinition } from './metric.js';
import { MetricDefinitionSchema } from './metric.js';
import { FlagSchema } from './flag.js';
import type { Segment } from './segment.js';
import { SegmentSchema } from './segment.js';
import { escapePointer, type ValidationIssue, type ValidationResult } from './validation-issue.js';

interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  message: string;
  params?: object;
}
type Validator = { Check(value: unknown): boolean; Errors(value: unknown): SchemaError[] };

const depthOf = (path: string) => (path === '' ? 0 : path.split('/').length - 1);

/** How many instance path segments a schema path descends (properties, items, …). */
function countInstanceSteps(schemaPath: string): number {
  const parts = schemaPath.split('/');
  let steps = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === 'properties' || part === 'patternProperties') {
      steps++;
      i++; // skip the property name or pattern
    } else if (part === 'items' || part === 'additionalProperties') steps++;
  }
  return steps;
}

/**
 * A failed union (anyOf) reports every branch's errors. For each union and value, keep only the
 * branch that got furthest into the value (deepest error path; then fewest errors), so a
 * condition `{ attribute, op: 'bogus' }` reports the bad `op`, not that `all` is missing.
 */
function pruneUnionErrors(errors: SchemaError[]): SchemaError[] {
  const groups = new Map<string, Map<string, SchemaError[]>>();
  for (const error of errors) {
    let at = error.schemaPath.indexOf('/anyOf/');
    while (at >= 0) {
      const union = error.schemaPath.slice(0, at);
      const branch = error.schemaPath.slice(at + 7).split('/')[0]!;
      const base = error.instancePath
        .split('/')
        .slice(0, countInstanceSteps(union) + 1)
        .join('/');
      const key = `${union}|${base}`;
      const branches = groups.get(key) ?? new Map<string, SchemaError[]>();
      branches.set(branch, [...(branches.get(branch) ?? []), error]);
      groups.set(key, branches);
      at = error.schemaPath.indexOf('/anyOf/', at + 7);
    }
  }
  const score = (list: SchemaError[]) =>
    Math.max(...list.map((e) => depthOf(e.instancePath))) * 1000 - list.length;
  const losers = new Set<SchemaError>();
  for (const branches of groups.values()) {
    const lists = [...branches.values()];
    const best = lists.reduce((a, b) => (score(a) >= score(b) ? a : b));
    for (const list of lists) if (list !== best) for (const error of list) losers.add(error);
  }
  return errors.filter((e) => !losers.has(e));
}

const validators = new Map<object, Validator>();
/** Validators are JIT-compiled on first use and kept. */
function getValidator(schema: object): Validator {
  let validator = validators.get(schema);
  if (!validator) {
    validator = Compile(schema as Parameters<typeof Compile>[0]);
    validators.set(schema, validator);
  }
  return validator;
}

/** An unknown property is reported at its own pointer, by name; other errors as they come. */
function describeError(error: SchemaError): ValidationIssue[] {
  const params = error.params as { additionalProperties?: string[] } | undefined;
  const extra = error.keyword === 'additionalProperties' ? params?.additionalProperties : [];
  if (extra === undefined || extra.length === 0)
    return [{ instancePath: error.instancePath, message: error.message }];
  return extra.map((name) => ({
    instancePath: `${error.instancePath}/${escapePointer(name)}`,
    message: `unknown property '${name}'`,
  }));
}

/** Schema errors, minus the union bookkeeping that repeats what the specific errors already say. */
function checkSchema(
  schema: object,
  value: unknown,
  options: { namesUnknownProperties?: boolean } = {},
): ValidationIssue[] {
  const validator = getValidator(schema);
  if (validator.Check(value)) return [];
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const error of pruneUnionErrors(validator.Errors(value))) {
    // The bad name itself is reported at its own pointer; the summary at the parent repeats it.
    if (error.message === 'schema is false' || error.keyword === 'propertyNames') continue;
    const described = options.namesUnknownProperties
      ? describeError(error)
      : [{ instancePath: error.instancePath, message: error.message }];
    for (const issue of described) {
      const id = `${issue.instancePath}\u0000${issue.message}`;
      if (seen.has(id)) continue;
      seen.add(id);
      issues.push(issue);
    }
  }
  return issues.length > 0 ? issues : [{ instancePath: '', message: 'does not match the schema' }];
}

function toResult<T>(value: unknown, issues: ValidationIssue[]): ValidationResult<T> {
  return issues.length === 0 ? { ok: true, value: value as T } : { ok: false, errors: issues };
}

function prefix(issues: ValidationIssue[], path: string): ValidationIssue[] {
  return issues.map((i) => ({ instancePath: path + i.instancePath, message: i.message }));
}

/** Validates one flag: JSON Schema, then semantic checks (see `checkFlag`). */
export function validateFlag(input: unknown): ValidationResult<Flag> {
  const value = migrateLegacyDirections(input);
  const schemaIssues = checkSchema(FlagSchema, value);
  if (schemaIssues.length > 0) return { ok: false, errors: schemaIssues };
  return toResult(value, checkFlag(value as Flag));
}

/**
 * Validates one metric definition: JSON Schema (unknown properties rejected), then the source,
 * value and kind checks of `checkMetric`; every issue's pointer names the field.
 */
export function validateMetricDefinition(value: unknown): ValidationResult<MetricDefinition> {
  const schemaIssues = checkSchema(MetricDefinitionSchema, value, { namesUnknownProperties: true });
  if (schemaIssues.length > 0) return { ok: false, errors: schemaIssues };
  return toResult(value, checkMetric(value as MetricDefinition));
}

function checkSegment(
  segment: Segment,
  onSegment?: (key: string, path: string) => void,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (segment.when !== undefined) checkCondition(segment.when, '/when', issues, onSegment);
  return issues;
}

/** Validates one segment: JSON Schema, then condition values. */
export function validateSegment(value: unknown): ValidationResult<Segment> {
  const schemaIssues = checkSchema(SegmentSchema, value);
  if (schemaIssues.length > 0) return { ok: false, errors: schemaIssues };
  return toResult(value, checkSegment(value as Segment));
}

/** Finds a cycle in a directed graph given as adjacency lists; returns one cycle's nodes or undefined. */
function findCycle(edges: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Semantic and referential checks across the flags and segments of one delivery. */
function checkDelivery(
  flags: Flag[],
  segments: Segment[],
  knownFlags: Map<string, Flag>,
  knownSegments: Set<string>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const segmentEdges = new Map<string, string[]>();
  segments.forEach((segment, i) => {
    const refs: string[] = [];
    segmentEdges.set(segment.key, refs);
    const onSegment = (key: string, path: string) => {
      refs.push(key);
      if (!knownSegments.has(key))
        issues.push({ instancePath: `/segments/${i}${path}`, message: `unknown segment '${key}'` });
    };
    issues.push(...prefix(checkSegment(segment, onSegment), `/segments/${i}`));
  });
  const prerequisiteEdges = new Map<string, string[]>();
  flags.forEach((flag, i) => {
    const onSegment = (key: string, path: string) => {
      if (!knownSegments.has(key))
        issues.push({ instancePath: `/flags/${i}${path}`, message: `unknown segment '${key}'` });
    };
    issues.push(...prefix(checkFlag(flag, onSegment), `/flags/${i}`));
    prerequisiteEdges.set(
      flag.key,
      (flag.prerequisites ?? []).map((p) => p.flag),
    );
    (flag.prerequisites ?? []).forEach((p, j) => {
      const target = knownFlags.get(p.flag);
      const at = `/flags/${i}/prerequisites/${j}`;
      if (!target)
        issues.push({
          instancePath: `${at}/flag`,
          message: `unknown prerequisite flag '${p.flag}'`,
        });
      else
        p.variants.forEach((v, k) => {
          if (!target.variants.some((tv) => tv.key === v))
            issues.push({
              instancePath: `${at}/variants/${k}`,
              message: `flag '${p.flag}' has no variant '${v}'`,
            });
        });
    });
  });
  const segmentCycle = findCycle(segmentEdges);
  if (segmentCycle)
    issues.push({
      instancePath: '/segments',
      message: `segments reference each other in a cycle: ${segmentCycle.join(' -> ')}`,
    });
  const prerequisiteCycle = findCycle(prerequisiteEdges);
  if (prerequisiteCycle)
    issues.push({
      instancePath: '/flags',
      message: `prerequisites form a cycle: ${prerequisiteCycle.join(' -> ')}`,
    });
  return issues;
}

function checkUniqueKeys(items: { key: string }[], path: string): ValidationIssue[] {
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  items.forEach((item, i) => {
    if (seen.has(item.key))
      issues.push({ instancePath: `${path}/${i}/key`, message: `duplicate key '${item.key}'` });
    seen.add(item.key);
  });
  return issues;
}

/**
 * Validates a snapshot: JSON Schema, each flag and segment, unique keys, and referential
 * integrity (segments and prerequisite flags/variants exist; no cycles).
 */
export function validateConfigSnapshot(input: unknown): ValidationResult<ConfigSnapshot> {
  const value = migrateLegacyConfig(input);
  const schemaIssues = checkSchema(ConfigSnapshotSchema, value);
  if (schemaIssues.length > 0) return { ok: false, errors: schemaIssues };
  const snapshot = value as ConfigSnapshot;
  const issues = [
    ...checkUniqueKeys(snapshot.flags, '/flags'),
    ...checkUniqueKeys(snapshot.segments, '/segments'),
  ];
  const knownFlags = new Map(snapshot.flags.map((f) => [f.key, f] as const));
  const knownSegments = new Set(snapshot.segments.map((s) => s.key));
  issues.push(...checkDelivery(snapshot.flags, snapshot.segments, knownFlags, knownSegments));
  return toResult(value, issues);
}

/**
 * Validates a patch on its own: JSON Schema, each flag and segment, unique keys. References to
 * flags and segments outside the patch can only be checked after applying it to a snapshot
 * (`applyConfigPatch` then `validateConfigSnapshot`).
 */
export function validateConfigPatch(input: unknown): ValidationResult<ConfigPatch> {
  const value = migrateLegacyConfig(input);
  const schemaIssues = checkSchema(ConfigPatchSchema, value);
  if (schemaIssues.length > 0) return { ok: false, errors: schemaIssues };
  const patch = value as ConfigPatch;
  const issues = [
    ...checkUniqueKeys(patch.flags, '/flags'),
    ...checkUniqueKeys(patch.segments, '/segments'),
  ];
  patch.flags.forEach((flag, i) => issues.push(...prefix(checkFlag(flag), `/flags/${i}`)));
  patch.segments.forEach((segment, i) =>
    issues.push(...prefix(checkSegment(segment), `/segments/${i}`)),
  );
  return toResult(value, issues);
}
