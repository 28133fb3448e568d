import {
  DEFAULT_UNIT_ATTRIBUTE,
  validateFlag,
  validateSegment,
  type ConfigSnapshot,
  type EvaluationContext,
  type EvaluationReason,
  type Flag,
  type Segment,
  type Serve,
} from '@tripwire/schema';
import { createAllocation, createBucketingPrefix } from './bucket.js';
import {
  compileCondition,
  ConditionCompileError,
  type ConditionScope,
  type Matcher,
} from './compile-condition.js';
import {
  createBucketMemoCell,
  createSharedResult,
  ResolutionFailure,
  type CompiledFlag,
  type CompiledServe,
  type SharedResult,
} from './compiled-flag.js';
import { readUnitKey } from './resolve-flag.js';
import { SemverCache } from './semver.js';
import { CompiledConfig } from './compiled-config.js';
import type { RecompileSet } from './config-references.js';

/** Segment membership: `excluded` wins, then `included`, then `when` (if any). */
function compileSegment(segment: Segment, scope: ConditionScope): Matcher {
  const unit = segment.unit ?? DEFAULT_UNIT_ATTRIBUTE;
  const included = new Set(segment.included);
  const excluded = new Set(segment.excluded);
  const when = segment.when === undefined ? undefined : compileCondition(segment.when, scope);
  return (ctx: EvaluationContext) => {
    const key = readUnitKey(ctx, unit);
    if (key !== undefined) {
      if (excluded.has(key)) return false;
      if (included.has(key)) return true;
    }
    return when !== undefined && when(ctx);
  };
}

/**
 * Compiles segments on first reference, once each, rejecting unknown keys and cycles. With
 * `validated`, the segments are known valid (they come from a validated snapshot or patch).
 */
function createScope(segments: readonly Segment[], validated = false): ConditionScope {
  const sources = new Map(segments.map((s) => [s.key, s] as const));
  const compiled = new Map<string, Matcher | ConditionCompileError>();
  const inProgress = new Set<string>();
  const scope: ConditionScope = {
    semver: new SemverCache(),
    resolveSegment(key) {
      const done = compiled.get(key);
      if (done instanceof ConditionCompileError) throw done;
      if (done) return done;
      const source = sources.get(key);
      if (!source) throw new ConditionCompileError(`unknown segment '${key}'`);
      if (inProgress.has(key))
        throw new ConditionCompileError(`segment '${key}' references itself`);
      inProgress.add(key);
      try {
        const checked = validated ? undefined : validateSegment(source);
        if (checked !== undefined && !checked.ok)
          throw new ConditionCompileError(
            `segment '${key}' is invalid: ${checked.errors[0]!.instancePath} ${checked.errors[0]!.message}`,
          );
        const matcher = compileSegment(source, scope);
        compiled.set(key, matcher);
        return matcher;
      } catch (error) {
        const failure =
          error instanceof ConditionCompileError ? error : new ConditionCompileError(String(error));
        compiled.set(key, failure);
        throw failure;
      } finally {
        inProgress.delete(key);
      }
    },
  };
  return scope;
}

/** Hands out one shared result per (variant, reason) of a flag. */
function createResultTable(
  flag: Flag,
): (variant: string, reason: EvaluationReason) => SharedResult {
  const table = new Map<string, SharedResult>();
  return (variant, reason) => {
    const id = `${variant}\u0000${reason}`;
    let result = table.get(id);
    if (!result) {
      const value = flag.variants.find((v) => v.key === variant)!.value;
      result = createSharedResult({ value, variant, reason, flagVersion: flag.version });
      table.set(id, result);
    }
    return result;
  };
}

type ResultTable = ReturnType<typeof createResultTable>;

function compileServe(
  flag: Flag,
  serve: Serve,
  reason: EvaluationReason,
  results: ResultTable,
): CompiledServe {
  if ('variant' in serve) return { result: results(serve.variant, reason), rollout: undefined };
  const { rollout } = serve;
  const unitAttribute = rollout.bucketBy ?? flag.unit ?? DEFAULT_UNIT_ATTRIBUTE;
  const code =
    unitAttribute === DEFAULT_UNIT_ATTRIBUTE ? 'targeting_key_missing' : 'invalid_context';
  return {
    result: undefined,
    rollout: {
      prefix: createBucketingPrefix(flag.salt, rollout.seed ?? 0),
      unitAttribute,
      allocation: createAllocation(
        rollout.weights.map((w) => w.weight),
        rollout.coverage,
      ),
      results: rollout.weights.map((w) => results(w.variant, 'split')),
      outside: results(flag.defaultVariant, 'default'),
      missingUnit: new ResolutionFailure(
        code,
        `flag '${flag.key}' buckets by context attribute '${unitAttribute}', which is missing or not a non-empty string`,
      ),
      memo: createBucketMemoCell(),
    },
  };
}

function createFlagShell(flag: Flag, results: ResultTable, environment: string): CompiledFlag {
  const state = flag.archived === true ? undefined : flag.environments[environment];
  return {
    key: flag.key,
    kind: flag.kind,
    type: flag.type,
    unit: flag.unit ?? DEFAULT_UNIT_ATTRIBUTE,
    recordExposures: flag.recordExposures,
    version: flag.version,
    defaultVariant: flag.defaultVariant,
    variants: flag.variants.map((v) => v.key),
    owner: typeof flag.metadata?.owner === 'string' ? flag.metadata.owner : '',
    expiresAt: typeof flag.metadata?.expiresAt === 'string' ? flag.metadata.expiresAt : undefined,
    enabled: state?.enabled ?? false,
    rules: [],
    fallthrough: { result: undefined, rollout: undefined },
    off: results(state?.offVariant ?? flag.defaultVariant, 'disabled'),
    prerequisites: [],
    broken: undefined,
  };
}

function compileFlagBody(
  flag: Flag,
  shell: CompiledFlag,
  context: {
    environment: string;
    scope: ConditionScope;
    results: ResultTable;
    shells: Map<string, CompiledFlag>;
  },
): void {
  const state = flag.archived === true ? undefined : flag.environments[context.environment];
  if (!state || !state.enabled) return;
  shell.rules = state.rules.map((rule) => ({
    id: rule.id,
    match: compileCondition(rule.when, context.scope),
    serve: compileServe(flag, rule.serve, 'targeting_match', context.results),
  }));
  shell.fallthrough = compileServe(
    flag,
    state.fallthrough,
    state.rules.length > 0 ? 'default' : 'static',
    context.results,
  );
  for (const prerequisite of flag.prerequisites ?? []) {
    const target = context.shells.get(prerequisite.flag);
    if (!target) {
      shell.broken = new ResolutionFailure(
        'flag_not_found',
        `flag '${flag.key}' needs prerequisite flag '${prerequisite.flag}', which is not in the config`,
      );
      return;
    }
    shell.prerequisites.push({ flag: target, variants: new Set(prerequisite.variants) });
  }
}

const BROKEN_OFF = createSharedResult({
  value: null,
  variant: '',
  reason: 'error',
  flagVersion: 0,
});

/** A placeholder for a flag that failed validation: every evaluation returns `failure`. */
function createBrokenShell(raw: Record<string, unknown>, failure: ResolutionFailure): CompiledFlag {
  const version = typeof raw.version === 'number' ? raw.version : 0;
  return {
    key: String(raw.key),
    kind: 'release',
    type: 'json',
    unit: DEFAULT_UNIT_ATTRIBUTE,
    recordExposures: undefined,
    version,
    defaultVariant: '',
    variants: [],
    owner: '',
    expiresAt: undefined,
    enabled: false,
    rules: [],
    fallthrough: { result: undefined, rollout: undefined },
    off: BROKEN_OFF,
    prerequisites: [],
    broken: failure,
  };
}

/**
 * Marks every flag on a prerequisite cycle reachable from `starts` as broken (validation rejects
 * cycles; this is the backstop).
 */
function breakPrerequisiteCycles(starts: Iterable<CompiledFlag>): void {
  const state = new Map<CompiledFlag, 'visiting' | 'done'>();
  const stack: CompiledFlag[] = [];
  const visit = (flag: CompiledFlag): void => {
    if (state.get(flag) === 'done') return;
    if (state.get(flag) === 'visiting') {
      const cycle = stack.slice(stack.indexOf(flag));
      const path = [...cycle, flag].map((f) => f.key).join(' -> ');
      for (const member of cycle)
        member.broken = new ResolutionFailure('parse_error', `prerequisites form a cycle: ${path}`);
      return;
    }
    state.set(flag, 'visiting');
    stack.push(flag);
    for (const p of flag.prerequisites) visit(p.flag);
    stack.pop();
    state.set(flag, 'done');
  };
  for (const flag of starts) visit(flag);
}

function describeFirstIssue(errors: readonly { instancePath: string; message: string }[]): string {
  const first = errors[0];
  return first ? `${first.instancePath || '/'}: ${first.message}` : 'invalid';
}

/** Problems confined to these parts do not affect evaluation, so they do not break the flag. */
const NON_EVALUATION_PATHS = ['/metadata', '/guardrails'];
const affectsEvaluation = (issue: { instancePath: string }) =>
  !NON_EVALUATION_PATHS.some(
    (p) => issue.instancePath === p || issue.instancePath.startsWith(`${p}/`),
  );

/** The flag if it can be evaluated (metadata and guardrail problems are tolerated), else why not. */
function checkEvaluable(raw: object): Flag | ResolutionFailure {
  const checked = validateFlag(raw);
  if (checked.ok) return checked.value;
  const fatal = checked.errors.filter(affectsEvaluation);
  if (fatal.length === 0) return raw as Flag;
  const key = String((raw as { key: string }).key);
  return new ResolutionFailure(
    'parse_error',
    `flag '${key}' is invalid at ${describeFirstIssue(fatal)}`,
  );
}

/** How `compileFlags` treats the snapshot's flags. */
interface CompileMode {
  readonly scope: ConditionScope;
  /** Hands back the compiled form of a flag known to be unaffected by what changed. */
  readonly reuse: (key: string) => CompiledFlag | undefined;
  /** Every flag is known valid (validated snapshot or patch): do not validate again. */
  readonly validated: boolean;
}

/** The key of a snapshot entry that has one (unvalidated snapshots may hold anything). */
const readKey = (raw: unknown): string | undefined =>
  typeof raw === 'object' && raw !== null && typeof (raw as { key?: unknown }).key === 'string'
    ? (raw as { key: string }).key
    : undefined;

/**
 * Builds one compiled flag per snapshot flag; a flag that cannot compile is kept as broken.
 * Returns the flags and the ones compiled now (the others were reused).
 */
function compileFlags(
  snapshot: ConfigSnapshot,
  mode: CompileMode,
): { shells: Map<string, CompiledFlag>; compiled: CompiledFlag[] } {
  const shells = new Map<string, CompiledFlag>();
  const bodies: { flag: Flag; shell: CompiledFlag; results: ResultTable }[] = [];
  const compiled: CompiledFlag[] = [];
  for (const raw of Array.isArray(snapshot.flags) ? (snapshot.flags as unknown[]) : []) {
    const key = mode.validated ? (raw as Flag).key : readKey(raw);
    if (key === undefined) continue;
    const kept = mode.reuse(key);
    if (kept !== undefined) {
      shells.set(key, kept);
      continue;
    }
    const flag = mode.validated ? (raw as Flag) : checkEvaluable(raw as object);
    if (flag instanceof ResolutionFailure) {
      shells.set(key, createBrokenShell(raw as Record<string, unknown>, flag));
      continue;
    }
    const results = createResultTable(flag);
    const shell = createFlagShell(flag, results, snapshot.environment);
    shells.set(shell.key, shell);
    bodies.push({ flag, shell, results });
    compiled.push(shell);
  }
  for (const { flag, shell, results } of bodies) {
    try {
      compileFlagBody(flag, shell, {
        environment: snapshot.environment,
        scope: mode.scope,
        results,
        shells,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      shell.broken = new ResolutionFailure(
        'parse_error',
        `flag '${flag.key}' cannot be compiled: ${reason}`,
      );
    }
  }
  return { shells, compiled };
}

/** What each config this module built was compiled from, for `compileConfigUpdate`. */
interface CompiledParts {
  readonly flags: ReadonlyMap<string, CompiledFlag>;
  /** Holds the compiled segments; reusable by an update that changes no segment. */
  readonly scope: ConditionScope;
}
const compiledParts = new WeakMap<CompiledConfig, CompiledParts>();

function createCompiledConfig(snapshot: ConfigSnapshot, parts: CompiledParts): CompiledConfig {
  const { environment, version, generatedAt } = snapshot;
  const config = new CompiledConfig({ environment, version, generatedAt }, parts.flags);
  compiledParts.set(config, parts);
  return config;
}

const segmentsOf = (snapshot: ConfigSnapshot): readonly Segment[] =>
  Array.isArray(snapshot.segments) ? snapshot.segments : [];

/**
 * Prepares a snapshot for evaluation: validates and compiles each flag once (conditions to
 * matchers, regexes and SemVer operands parsed, hash prefixes precomputed, results shared).
 * Never throws: a flag that cannot compile evaluates to an error result. Validate the whole
 * snapshot with `validateConfigSnapshot` before trusting it as last known good.
 */
export function compileConfig(snapshot: ConfigSnapshot): CompiledConfig {
  const scope = createScope(segmentsOf(snapshot));
  const { shells } = compileFlags(snapshot, { scope, reuse: () => undefined, validated: false });
  breakPrerequisiteCycles(shells.values());
  return createCompiledConfig(snapshot, { flags: shells, scope });
}

/**
 * Compiles `snapshot` = `applyConfigPatch(s, patch)`, where `previous` was compiled from `s`,
 * `s` passed `validateConfigSnapshot` (or was built this way itself), `patch` passed
 * `validateConfigPatch` and `recompile` is what `ConfigReferences.reviewPatch` returned for it
 * without issues. So every flag and segment is valid and is not validated again (validation
 * happens once, at the boundary); only the flags in `recompile` are compiled, every other flag
 * keeps its compiled form, compiled segments are kept when the patch changes none, and only
 * the recompiled flags are walked for prerequisite cycles (a new cycle needs a new edge). Falls
 * back to a full compile (validating) when `previous` was not built here.
 */
export function compileConfigUpdate(
  previous: CompiledConfig,
  snapshot: ConfigSnapshot,
  recompile: RecompileSet,
): CompiledConfig {
  const before = compiledParts.get(previous);
  if (before === undefined || previous.environment !== snapshot.environment)
    return compileConfig(snapshot);
  const scope = recompile.segmentsChanged ? createScope(segmentsOf(snapshot), true) : before.scope;
  const reuse = (key: string) => (recompile.has(key) ? undefined : before.flags.get(key));
  const { shells, compiled } = compileFlags(snapshot, { scope, reuse, validated: true });
  breakPrerequisiteCycles(compiled);
  return createCompiledConfig(snapshot, { flags: shells, scope });
}
