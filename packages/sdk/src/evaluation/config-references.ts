import type {
  Condition,
  ConfigPatch,
  ConfigSnapshot,
  Flag,
  Segment,
  ValidationIssue,
} from '@tripwire/schema';

/** What one flag points at: segments (in any environment's rules) and prerequisite flags. */
interface FlagReferences {
  readonly variants: ReadonlySet<string>;
  readonly segments: ReadonlySet<string>;
  readonly prerequisites: readonly {
    readonly flag: string;
    readonly variants: readonly string[];
  }[];
}

/** A segment reference with the JSON pointer (below its flag or segment) where it occurs. */
interface SegmentUse {
  readonly key: string;
  readonly path: string;
}

function collectSegmentUses(condition: Condition, path: string, into: SegmentUse[]): void {
  if ('all' in condition)
    condition.all.forEach((c, i) => collectSegmentUses(c, `${path}/all/${i}`, into));
  else if ('any' in condition)
    condition.any.forEach((c, i) => collectSegmentUses(c, `${path}/any/${i}`, into));
  else if ('not' in condition) collectSegmentUses(condition.not, `${path}/not`, into);
  else if ('segment' in condition) into.push({ key: condition.segment, path: `${path}/segment` });
}

const escapePointer = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');

function listFlagSegmentUses(flag: Flag): SegmentUse[] {
  const uses: SegmentUse[] = [];
  for (const [env, state] of Object.entries(flag.environments))
    state.rules.forEach((rule, j) =>
      collectSegmentUses(rule.when, `/environments/${escapePointer(env)}/rules/${j}/when`, uses),
    );
  return uses;
}

function listSegmentUses(segment: Segment): SegmentUse[] {
  const uses: SegmentUse[] = [];
  if (segment.when !== undefined) collectSegmentUses(segment.when, '/when', uses);
  return uses;
}

function describeFlag(flag: Flag): FlagReferences {
  return {
    variants: new Set(flag.variants.map((v) => v.key)),
    segments: new Set(listFlagSegmentUses(flag).map((u) => u.key)),
    prerequisites: (flag.prerequisites ?? []).map((p) => ({ flag: p.flag, variants: p.variants })),
  };
}

/** Whether following `edges` from `start` comes back to a node on the current path. */
function findCycleFrom(
  starts: Iterable<string>,
  edges: (node: string) => Iterable<string>,
): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of edges(node)) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const start of starts) {
    const cycle = visit(start);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Flags of a patched config whose compiled form may differ, as computed by
 * `ConfigReferences.reviewPatch` for a patch that `validateConfigPatch` accepted: every flag and
 * segment of the patched config is valid, so `compileConfigUpdate` does not validate again. The
 * private brand makes a plain `Set` unacceptable where one is expected.
 */
export class RecompileSet extends Set<string> {
  /** Whether the patch added, changed or removed a segment (else compiled segments are reusable). */
  readonly segmentsChanged: boolean;
  // A private member makes the class nominal for TypeScript: no structural look-alike passes.
  readonly #reviewed = true as const;

  /** Only `ConfigReferences.reviewPatch` creates one (the index exports the type only). */
  constructor(keys: Iterable<string>, segmentsChanged: boolean) {
    super(keys);
    this.segmentsChanged = this.#reviewed && segmentsChanged;
  }
}

/** Whether a condition tree references segment `key`. */
function conditionUsesSegment(condition: Condition, key: string): boolean {
  if ('all' in condition) return condition.all.some((c) => conditionUsesSegment(c, key));
  if ('any' in condition) return condition.any.some((c) => conditionUsesSegment(c, key));
  if ('not' in condition) return conditionUsesSegment(condition.not, key);
  return 'segment' in condition && condition.segment === key;
}

/** Whether every segment a condition tree references is in `known`. */
function conditionUsesOnly(condition: Condition, known: ReadonlySet<string>): boolean {
  if ('all' in condition) return condition.all.every((c) => conditionUsesOnly(c, known));
  if ('any' in condition) return condition.any.every((c) => conditionUsesOnly(c, known));
  if ('not' in condition) return conditionUsesOnly(condition.not, known);
  return !('segment' in condition) || known.has(condition.segment);
}

function flagUsesSegment(flag: Flag, key: string): boolean {
  for (const env in flag.environments)
    for (const rule of flag.environments[env]!.rules)
      if (conditionUsesSegment(rule.when, key)) return true;
  return false;
}

function flagUsesOnly(flag: Flag, known: ReadonlySet<string>): boolean {
  for (const env in flag.environments)
    for (const rule of flag.environments[env]!.rules)
      if (!conditionUsesOnly(rule.when, known)) return false;
  return true;
}

/**
 * Whether `flag` has exactly the references `refs` describes (same variant keys, segments and
 * prerequisite list), checked without allocating: a kill or a rules tweak keeps them.
 */
function hasSameReferences(flag: Flag, refs: FlagReferences): boolean {
  if (flag.variants.length !== refs.variants.size) return false;
  for (const v of flag.variants) if (!refs.variants.has(v.key)) return false;
  const prerequisites = flag.prerequisites ?? [];
  if (prerequisites.length !== refs.prerequisites.length) return false;
  for (let i = 0; i < prerequisites.length; i++) {
    const mine = prerequisites[i]!;
    const theirs = refs.prerequisites[i]!;
    if (mine.flag !== theirs.flag || mine.variants.length !== theirs.variants.length) return false;
    for (let j = 0; j < mine.variants.length; j++)
      if (mine.variants[j] !== theirs.variants[j]) return false;
  }
  if (!flagUsesOnly(flag, refs.segments)) return false;
  for (const key of refs.segments) if (!flagUsesSegment(flag, key)) return false;
  return true;
}

/** The outcome of checking a patch against the references of the config it applies to. */
export interface PatchReview {
  /** Referential problems (paths point into the patch); empty when the patch is acceptable. */
  readonly issues: ValidationIssue[];
  /** The references of the patched config. */
  readonly references: ConfigReferences;
  /** Flags of the patched config whose compiled form may differ: changed, or depending on a change. */
  readonly recompile: RecompileSet;
}

/**
 * The reference graph of a validated config (flag → segments and prerequisites, segment →
 * segments), kept next to it so a patch can be checked and compiled in proportion to its size:
 * only references to or from what the patch changes are examined. Immutable.
 */
export class ConfigReferences {
  readonly #flags: ReadonlyMap<string, FlagReferences>;
  readonly #segments: ReadonlyMap<string, ReadonlySet<string>>;
  /** Flag → flags that have it as a prerequisite; built on first use, kept while the graph is. */
  #dependents: Map<string, string[]> | undefined;

  private constructor(
    flags: ReadonlyMap<string, FlagReferences>,
    segments: ReadonlyMap<string, ReadonlySet<string>>,
  ) {
    this.#flags = flags;
    this.#segments = segments;
  }

  /** References of a snapshot that `validateConfigSnapshot` accepted. */
  static fromSnapshot(snapshot: ConfigSnapshot): ConfigReferences {
    return new ConfigReferences(
      new Map(snapshot.flags.map((f) => [f.key, describeFlag(f)] as const)),
      new Map(snapshot.segments.map((s) => [s.key, new Set(listSegmentUses(s).map((u) => u.key))])),
    );
  }

  /**
   * Checks what `validateConfigSnapshot` would check about the config after a patch that
   * `validateConfigPatch` accepted, but only where the patch can have broken something: the
   * patch's own references, references to removed or changed flags and segments, and cycles
   * through the patched ones (the config before the patch was valid).
   */
  reviewPatch(patch: ConfigPatch): PatchReview {
    if (this.#keepsGraph(patch))
      return { issues: [], references: this, recompile: this.#listDependents(patch, false) };
    const flags = new Map(this.#flags);
    const segments = new Map(this.#segments);
    for (const key of patch.removedFlags) flags.delete(key);
    for (const key of patch.removedSegments ?? []) segments.delete(key);
    for (const flag of patch.flags) flags.set(flag.key, describeFlag(flag));
    for (const segment of patch.segments)
      segments.set(segment.key, new Set(listSegmentUses(segment).map((u) => u.key)));
    const next = new ConfigReferences(flags, segments);
    const issues = [...next.#checkPatchedItems(patch), ...next.#checkUnchangedItems(patch)];
    return { issues, references: next, recompile: next.#listStaleFlags(patch) };
  }

  /**
   * Whether the patch only changes existing flags without changing their references (a kill,
   * served variant or rules): the graph is then the same, every reference still resolves and no
   * cycle can appear, since the config before the patch was valid.
   */
  #keepsGraph(patch: ConfigPatch): boolean {
    if (patch.segments.length > 0 || patch.removedFlags.length > 0) return false;
    if (patch.removedSegments !== undefined && patch.removedSegments.length > 0) return false;
    for (const flag of patch.flags) {
      const refs = this.#flags.get(flag.key);
      if (refs === undefined || !hasSameReferences(flag, refs)) return false;
    }
    return true;
  }

  /** The patched flags and, transitively, the flags that have one of them as a prerequisite. */
  #listDependents(patch: ConfigPatch, segmentsChanged: boolean): RecompileSet {
    const recompile = new RecompileSet(
      patch.flags.map((f) => f.key),
      segmentsChanged,
    );
    if (recompile.size === 0) return recompile;
    this.#dependents ??= this.#indexDependents();
    if (this.#dependents.size === 0) return recompile;
    const queue = [...recompile];
    for (let key = queue.pop(); key !== undefined; key = queue.pop())
      for (const dependent of this.#dependents.get(key) ?? [])
        if (!recompile.has(dependent)) {
          recompile.add(dependent);
          queue.push(dependent);
        }
    return recompile;
  }

  #indexDependents(): Map<string, string[]> {
    const dependents = new Map<string, string[]>();
    for (const [key, refs] of this.#flags)
      for (const p of refs.prerequisites) {
        const list = dependents.get(p.flag);
        if (list === undefined) dependents.set(p.flag, [key]);
        else list.push(key);
      }
    return dependents;
  }

  /** The patch's flags and segments point at things that exist; no new cycle. */
  #checkPatchedItems(patch: ConfigPatch): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    const checkUses = (uses: SegmentUse[], at: string) => {
      for (const use of uses)
        if (!this.#segments.has(use.key))
          issues.push({ instancePath: at + use.path, message: `unknown segment '${use.key}'` });
    };
    patch.segments.forEach((segment, i) => checkUses(listSegmentUses(segment), `/segments/${i}`));
    patch.flags.forEach((flag, i) => {
      checkUses(listFlagSegmentUses(flag), `/flags/${i}`);
      (flag.prerequisites ?? []).forEach((p, j) => {
        const at = `/flags/${i}/prerequisites/${j}`;
        const target = this.#flags.get(p.flag);
        if (!target)
          issues.push({
            instancePath: `${at}/flag`,
            message: `unknown prerequisite flag '${p.flag}'`,
          });
        else
          p.variants.forEach((v, k) => {
            if (!target.variants.has(v))
              issues.push({
                instancePath: `${at}/variants/${k}`,
                message: `flag '${p.flag}' has no variant '${v}'`,
              });
          });
      });
    });
    const segmentCycle = findCycleFrom(
      patch.segments.map((s) => s.key),
      (key) => this.#segments.get(key) ?? [],
    );
    if (segmentCycle)
      issues.push({
        instancePath: '/segments',
        message: `segments reference each other in a cycle: ${segmentCycle.join(' -> ')}`,
      });
    const prerequisiteCycle = findCycleFrom(
      patch.flags.map((f) => f.key),
      (key) => (this.#flags.get(key)?.prerequisites ?? []).map((p) => p.flag),
    );
    if (prerequisiteCycle)
      issues.push({
        instancePath: '/flags',
        message: `prerequisites form a cycle: ${prerequisiteCycle.join(' -> ')}`,
      });
    return issues;
  }

  /**
   * Unchanged flags and segments still resolve: no reference to a removed segment or flag, and
   * prerequisite variants still exist on a changed flag. Removals and changed variant sets are
   * rare, so this is a scan of the reference graph only, and only when the patch has them.
   */
  #checkUnchangedItems(patch: ConfigPatch): ValidationIssue[] {
    const patchedFlags = new Set(patch.flags.map((f) => f.key));
    const patchedSegments = new Set(patch.segments.map((s) => s.key));
    const goneSegments = (patch.removedSegments ?? []).filter((k) => !this.#segments.has(k));
    const issues: ValidationIssue[] = [];
    if (goneSegments.length > 0) {
      for (const [key, refs] of this.#segments)
        for (const gone of goneSegments)
          if (!patchedSegments.has(key) && refs.has(gone))
            issues.push({
              instancePath: '/removedSegments',
              message: `segment '${key}' still references removed segment '${gone}'`,
            });
      for (const [key, refs] of this.#flags)
        for (const gone of goneSegments)
          if (!patchedFlags.has(key) && refs.segments.has(gone))
            issues.push({
              instancePath: '/removedSegments',
              message: `flag '${key}' still references removed segment '${gone}'`,
            });
    }
    if (patch.removedFlags.length === 0 && patch.flags.length === 0) return issues;
    const watched = new Set([...patch.removedFlags, ...patchedFlags]);
    for (const [key, refs] of this.#flags) {
      if (patchedFlags.has(key)) continue;
      for (const prerequisite of refs.prerequisites)
        if (watched.has(prerequisite.flag))
          issues.push(...this.#checkPrerequisite(key, prerequisite));
    }
    return issues;
  }

  /** An unchanged flag's prerequisite on a removed or patched flag. */
  #checkPrerequisite(
    dependent: string,
    prerequisite: { readonly flag: string; readonly variants: readonly string[] },
  ): ValidationIssue[] {
    const target = this.#flags.get(prerequisite.flag);
    if (!target)
      return [
        {
          instancePath: '/removedFlags',
          message: `flag '${dependent}' still has removed flag '${prerequisite.flag}' as a prerequisite`,
        },
      ];
    return prerequisite.variants
      .filter((v) => !target.variants.has(v))
      .map((v) => ({
        instancePath: '/flags',
        message: `flag '${dependent}' needs variant '${v}' of prerequisite '${prerequisite.flag}', which the patch removes`,
      }));
  }

  /** Flags whose compiled form may change: patched ones, users of stale segments, dependents. */
  #listStaleFlags(patch: ConfigPatch): RecompileSet {
    const staleSegments = new Set([
      ...patch.segments.map((s) => s.key),
      ...(patch.removedSegments ?? []),
    ]);
    for (let grew = staleSegments.size > 0; grew;) {
      grew = false;
      for (const [key, refs] of this.#segments)
        if (!staleSegments.has(key) && [...refs].some((r) => staleSegments.has(r))) {
          staleSegments.add(key);
          grew = true;
        }
    }
    const recompile = new RecompileSet(
      patch.flags.map((f) => f.key),
      staleSegments.size > 0,
    );
    if (staleSegments.size > 0)
      for (const [key, refs] of this.#flags)
        if ([...refs.segments].some((s) => staleSegments.has(s))) recompile.add(key);
    // Compiled prerequisites point at the compiled prerequisite flag, so dependents of a
    // recompiled or removed flag are recompiled too, transitively.
    const changed = new Set([...recompile, ...patch.removedFlags]);
    for (let grew = changed.size > 0; grew;) {
      grew = false;
      for (const [key, refs] of this.#flags)
        if (!changed.has(key) && refs.prerequisites.some((p) => changed.has(p.flag))) {
          changed.add(key);
          recompile.add(key);
          grew = true;
        }
    }
    return recompile;
  }
}
