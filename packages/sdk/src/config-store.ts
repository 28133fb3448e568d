import type { ConfigPatch, ConfigSnapshot, ValidationIssue } from '@tripwire/schema';
import {
  applyConfigPatch,
  expandFlagsFile,
  isFlagsFile,
  validateConfigPatch,
  validateConfigSnapshot,
} from '@tripwire/schema';
import { ConfigReferences, type RecompileSet } from './evaluation/config-references.js';
import type { ConfigOrigin, ConfigSink } from './sources/config-source.js';

/** A config the client could not use, or a source that failed; the applied config is kept. */
export interface ConfigProblem {
  readonly code: 'TRIPWIRE_INVALID_CONFIG' | 'TRIPWIRE_SOURCE_FAILED';
  readonly origin: ConfigOrigin;
  readonly message: string;
  /** For invalid configs: where (JSON pointer) and what. */
  readonly issues?: readonly ValidationIssue[];
}

/** A config that was applied. */
export interface ConfigChange {
  readonly origin: ConfigOrigin;
  readonly version: number;
  readonly previousVersion: number | undefined;
  /** Keys of flags added, removed or whose version changed. */
  readonly changedFlags: readonly string[];
}

export interface AppliedConfig<E> {
  readonly snapshot: ConfigSnapshot;
  readonly origin: ConfigOrigin;
  /** What the client evaluates against, built once per applied config. */
  readonly engine: E;
  /** The config's reference graph, so that a patch is checked in proportion to its size. */
  readonly references: ConfigReferences;
}

/** Given to `buildEngine` for a patch: the engine it replaces and the flags it must rebuild. */
export interface EngineUpdate<E> {
  readonly previous: E;
  /** Flags changed by the patch or depending on a change; every other flag is unchanged. */
  readonly recompile: RecompileSet;
}

export interface ConfigStoreOptions<E> {
  readonly environment: string;
  /** Builds the engine for a full config, or (with `update`) for a patched one. */
  readonly buildEngine: (snapshot: ConfigSnapshot, update?: EngineUpdate<E>) => E;
  readonly onChange: (change: ConfigChange) => void;
  readonly onProblem: (problem: ConfigProblem) => void;
  readonly onRecover: (origin: ConfigOrigin) => void;
}

const MAX_REPORTED_ISSUES = 5;

/**
 * Holds the last known good config. Validates every payload with the schema's validators and
 * ignores (and reports) anything invalid, for another environment, or older than what it has
 * from the network; a local file is the operator's truth and may go back in version.
 */
export class ConfigStore<E> implements ConfigSink {
  readonly #options: ConfigStoreOptions<E>;
  #applied: AppliedConfig<E> | undefined;

  constructor(options: ConfigStoreOptions<E>) {
    this.#options = options;
  }

  get applied(): AppliedConfig<E> | undefined {
    return this.#applied;
  }

  appliedVersion(): number | undefined {
    return this.#applied?.snapshot.version;
  }

  put(payload: unknown, origin: ConfigOrigin): boolean {
    // A hand-written flags file (local sources only) stands for a snapshot of this environment.
    const isLocalFlagsFile = origin !== 'polling' && origin !== 'stream' && isFlagsFile(payload);
    const result = isLocalFlagsFile
      ? expandFlagsFile(payload, { environment: this.#options.environment })
      : validateConfigSnapshot(payload);
    if (!result.ok) {
      const what = isLocalFlagsFile ? 'flags file' : 'config snapshot';
      return this.#reject(origin, `${what} is invalid`, result.errors);
    }
    const snapshot = result.value;
    if (snapshot.environment !== this.#options.environment) {
      return this.#reject(
        origin,
        `config is for environment '${snapshot.environment}', this client evaluates '${this.#options.environment}'`,
      );
    }
    const current = this.#applied?.snapshot.version;
    const isNetwork = origin === 'polling' || origin === 'stream';
    if (current !== undefined && isNetwork && snapshot.version < current) {
      return this.#reject(
        origin,
        `config version ${snapshot.version} is older than the applied ${current}`,
      );
    }
    if (current === snapshot.version && isNetwork && this.#applied?.origin !== 'bootstrap')
      return true;
    return this.#apply(snapshot, origin, ConfigReferences.fromSnapshot(snapshot));
  }

  /**
   * Applies an incremental update. The patch is validated on its own (`validateConfigPatch`),
   * then only the references that involve what it changes are checked (the applied config was
   * valid), which accepts and rejects exactly what validating the whole patched snapshot would;
   * only the affected flags are recompiled.
   */
  patch(payload: unknown, origin: ConfigOrigin): boolean {
    const result = validateConfigPatch(payload);
    if (!result.ok) return this.#reject(origin, 'config patch is invalid', result.errors);
    const applied = this.#applied;
    if (applied === undefined) return false;
    const patch: ConfigPatch = result.value;
    if (patch.version <= applied.snapshot.version) return true;
    const review = applied.references.reviewPatch(patch);
    if (review.issues.length > 0) {
      return this.#reject(
        origin,
        `config patch ${patch.version} leaves an invalid config`,
        review.issues,
      );
    }
    const next = applyConfigPatch(applied.snapshot, patch);
    return this.#apply(
      next,
      origin,
      review.references,
      { previous: applied.engine, recompile: review.recompile },
      listPatchedFlags(applied.snapshot, patch, next),
    );
  }

  recover(origin: ConfigOrigin): void {
    this.#options.onRecover(origin);
  }

  fail(error: Error, origin: ConfigOrigin): void {
    this.#options.onProblem({ code: 'TRIPWIRE_SOURCE_FAILED', origin, message: error.message });
  }

  #apply(
    snapshot: ConfigSnapshot,
    origin: ConfigOrigin,
    references: ConfigReferences,
    update?: EngineUpdate<E>,
    changedFlags?: string[],
  ): boolean {
    let engine: E;
    try {
      engine = this.#options.buildEngine(snapshot, update);
    } catch (cause) {
      return this.#reject(
        origin,
        `config ${snapshot.version} cannot be compiled: ${String(cause)}`,
      );
    }
    const previous = this.#applied?.snapshot;
    this.#applied = { snapshot, origin, engine, references };
    this.#options.onChange({
      origin,
      version: snapshot.version,
      previousVersion: previous?.version,
      changedFlags: changedFlags ?? diffFlagVersions(previous, snapshot),
    });
    return true;
  }

  #reject(origin: ConfigOrigin, message: string, issues?: readonly ValidationIssue[]): false {
    const shown = issues?.slice(0, MAX_REPORTED_ISSUES) ?? [];
    const detail = shown.map((i) => `${i.instancePath || '/'}: ${i.message}`).join('; ');
    const more =
      issues !== undefined && issues.length > shown.length
        ? ` (+${issues.length - shown.length} more)`
        : '';
    this.#options.onProblem({
      code: 'TRIPWIRE_INVALID_CONFIG',
      origin,
      message: `${message} (from ${origin}); keeping the applied config${detail === '' ? '' : `: ${detail}${more}`}`,
      ...(issues === undefined ? {} : { issues }),
    });
    return false;
  }
}

/**
 * `diffFlagVersions(before, after)` for `after = applyConfigPatch(before, patch)`, without
 * walking every flag when the patch touches one (a kill): that walk allocates two collections
 * the size of the config on every patch.
 */
function listPatchedFlags(
  before: ConfigSnapshot,
  patch: ConfigPatch,
  after: ConfigSnapshot,
): string[] {
  if (patch.flags.length + patch.removedFlags.length !== 1) return diffFlagVersions(before, after);
  const flag = patch.flags[0];
  const key = flag?.key ?? patch.removedFlags[0] ?? '';
  const old = before.flags.find((f) => f.key === key);
  if (flag === undefined) return old === undefined ? [] : [key];
  return old?.version === flag.version ? [] : [key];
}

/** Flag keys added, removed, or whose version differs between two snapshots. */
export function diffFlagVersions(
  before: ConfigSnapshot | undefined,
  after: ConfigSnapshot,
): string[] {
  const old = new Map(before?.flags.map((f) => [f.key, f.version]) ?? []);
  const changed = after.flags.filter((f) => old.get(f.key) !== f.version).map((f) => f.key);
  const present = new Set(after.flags.map((f) => f.key));
  for (const key of old.keys()) if (!present.has(key)) changed.push(key);
  return changed;
}
