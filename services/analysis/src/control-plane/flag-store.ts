import { validateFlag, validateSegment } from '@tripwire/schema';
import type { Flag, Segment, ValidationIssue } from '@tripwire/schema';
import { createError } from '../errors.js';
import type {
  ChangeAction,
  ChangelogEntity,
  ChangelogEntry,
  ChangelogRepository,
} from './changelog-repository.js';
import type { KillMarker } from './flag-transitions.js';
import {
  isServingDefault,
  killEnvironment,
  requireEnvironment,
  restoreEnvironment,
  setEnvironmentEnabled,
} from './flag-transitions.js';

/** Who made a change and why: recorded on the changelog row. */
export interface ChangeAuthor {
  actor: string;
  reason: string;
}
export interface EnvironmentChange extends ChangeAuthor {
  key: string;
  environment: string;
  /** When given, the write fails with 409 unless the flag is at this version. */
  expectedVersion?: number;
}

/** A change applied to the store (on the writer after it is durable; on readers when followed). */
export interface StoreChange {
  entry: ChangelogEntry;
  /** The entity before the change; undefined on create. */
  before: Flag | Segment | undefined;
}
export type StoreChangeListener = (change: StoreChange) => void;

/** The flags' source of truth: reads from memory, writes through the append-only changelog. */
export interface FlagStore {
  /** False on a reader replica: every write throws TRIPWIRE_ERR_READ_ONLY. */
  readonly isWriter: boolean;
  /** The global config version (seq of the latest change); 0 when nothing was ever written. */
  version(): number;
  /** Every flag at its latest version, archived ones included (`archived: true`). */
  list(): Flag[];
  get(key: string): Flag | undefined;
  projectOf(key: string): string | undefined;
  /** Environments of this flag that are killed now, with who killed them and why. */
  killsOf(key: string): KillMarker[];
  /** When the environment's state of this flag last changed (ISO 8601), from the changelog. */
  environmentChangedAt(key: string, environment: string): string | undefined;
  listSegments(): Segment[];
  getSegment(key: string): Segment | undefined;
  create(input: ChangeAuthor & { flag: Flag; project?: string }): Promise<Flag>;
  /** Replaces the document (key must match); `expectedVersion` is required. */
  update(input: ChangeAuthor & { key: string; flag: Flag; expectedVersion: number }): Promise<Flag>;
  setEnabled(input: EnvironmentChange & { enabled: boolean }): Promise<Flag>;
  /** Serves `defaultVariant` to everyone in the environment. A no-op when already killed. */
  kill(input: EnvironmentChange): Promise<Flag>;
  /** Undoes the environment's kill (409 when it is not killed). */
  restore(input: EnvironmentChange): Promise<Flag>;
  archive(
    input: ChangeAuthor & { key: string; archived: boolean; expectedVersion?: number },
  ): Promise<Flag>;
  /** A new version whose document equals version `toVersion`. */
  rollback(
    input: ChangeAuthor & { key: string; toVersion: number; expectedVersion: number },
  ): Promise<Flag>;
  putSegment(
    input: ChangeAuthor & { segment: Segment; expectedVersion?: number },
  ): Promise<Segment>;
  /** Every version of the flag, oldest first (read from the changelog, not memory). */
  history(key: string): Promise<ChangelogEntry[]>;
  segmentHistory(key: string): Promise<ChangelogEntry[]>;
  onChange(listener: StoreChangeListener): () => void;
  /** Applies changelog rows written since the last call (reader replicas poll this). */
  follow(): Promise<number>;
}

interface StoredFlag {
  flag: Flag;
  project: string;
}

export interface FlagStoreOptions {
  repository: ChangelogRepository;
  isWriter: boolean;
  now?: () => Date;
}

/** Builds the store and replays the changelog into memory. */
export async function openFlagStore(options: FlagStoreOptions): Promise<FlagStore> {
  const store = new ChangelogFlagStore(options);
  await store.follow();
  return store;
}

class ChangelogFlagStore implements FlagStore {
  readonly isWriter: boolean;
  readonly #repository: ChangelogRepository;
  readonly #now: () => Date;
  readonly #flags = new Map<string, StoredFlag>();
  readonly #segments = new Map<string, Segment>();
  readonly #kills = new Map<string, Map<string, KillMarker>>();
  readonly #listeners = new Set<StoreChangeListener>();
  readonly #environmentChangedAt = new Map<string, string>();
  #seq = 0;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: FlagStoreOptions) {
    this.isWriter = options.isWriter;
    this.#repository = options.repository;
    this.#now = options.now ?? (() => new Date());
  }

  version = (): number => this.#seq;
  list = (): Flag[] => [...this.#flags.values()].map((stored) => stored.flag);
  get = (key: string): Flag | undefined => this.#flags.get(key)?.flag;
  projectOf = (key: string): string | undefined => this.#flags.get(key)?.project;
  killsOf = (key: string): KillMarker[] => [...(this.#kills.get(key)?.values() ?? [])];
  environmentChangedAt = (key: string, environment: string): string | undefined =>
    this.#environmentChangedAt.get(`${key}\u0000${environment}`);
  listSegments = (): Segment[] => [...this.#segments.values()];
  getSegment = (key: string): Segment | undefined => this.#segments.get(key);

  onChange(listener: StoreChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async follow(): Promise<number> {
    const entries = await this.#repository.readAfter(this.#seq);
    for (const entry of entries) if (entry.seq > this.#seq) this.#apply(entry);
    return entries.length;
  }

  history = (key: string): Promise<ChangelogEntry[]> => this.#history('flag', key);
  segmentHistory = (key: string): Promise<ChangelogEntry[]> => this.#history('segment', key);

  async #history(entity: ChangelogEntity, key: string): Promise<ChangelogEntry[]> {
    const known = entity === 'flag' ? this.#flags.has(key) : this.#segments.has(key);
    if (!known) throw notFound(entity, key);
    return this.#repository.readHistory(entity, key);
  }

  create(input: ChangeAuthor & { flag: Flag; project?: string }): Promise<Flag> {
    return this.#exclusive(async () => {
      const key = input.flag.key;
      if (this.#flags.has(key)) {
        throw createError('TRIPWIRE_ERR_CONFLICT', `flag "${key}" already exists`, {
          pointer: '/key',
        });
      }
      const flag = checkFlag({ ...input.flag, version: 1 });
      await this.#write({ ...input, entity: 'flag', action: 'create', environment: null }, flag);
      return flag;
    });
  }

  update(
    input: ChangeAuthor & { key: string; flag: Flag; expectedVersion: number },
  ): Promise<Flag> {
    return this.#change(input, 'update', null, (current) => {
      if (input.flag.key !== input.key) {
        throw createError(
          'TRIPWIRE_ERR_BAD_REQUEST',
          `body key "${input.flag.key}" does not match the flag "${input.key}" in the path`,
          { pointer: '/key' },
        );
      }
      return { ...input.flag, version: current.version + 1 };
    });
  }

  setEnabled(input: EnvironmentChange & { enabled: boolean }): Promise<Flag> {
    const action = input.enabled ? 'enable' : 'disable';
    return this.#change(input, action, input.environment, (current) =>
      setEnvironmentEnabled(current, input.environment, input.enabled),
    );
  }

  kill(input: EnvironmentChange): Promise<Flag> {
    return this.#change(input, 'kill', input.environment, (current) => {
      requireEnvironment(current, input.environment);
      if (this.#kills.get(input.key)?.has(input.environment)) return undefined;
      return killEnvironment(current, input.environment);
    });
  }

  restore(input: EnvironmentChange): Promise<Flag> {
    return this.#change(input, 'restore', input.environment, (current) => {
      const marker = this.#kills.get(input.key)?.get(input.environment);
      if (marker === undefined) {
        throw createError(
          'TRIPWIRE_ERR_CONFLICT',
          `flag "${input.key}" is not killed in "${input.environment}"; nothing to restore`,
          { pointer: '/environment' },
        );
      }
      return restoreEnvironment(current, marker);
    });
  }

  archive(
    input: ChangeAuthor & { key: string; archived: boolean; expectedVersion?: number },
  ): Promise<Flag> {
    const action = input.archived ? 'archive' : 'unarchive';
    return this.#change(input, action, null, (current) => {
      const { archived: _archived, ...rest } = current;
      return input.archived ? { ...rest, archived: true } : rest;
    });
  }

  rollback(
    input: ChangeAuthor & { key: string; toVersion: number; expectedVersion: number },
  ): Promise<Flag> {
    return this.#exclusive(async () => {
      const entries = await this.#repository.readHistory('flag', input.key);
      const target = entries.find((entry) => entry.version === input.toVersion);
      if (target === undefined) {
        throw createError(
          'TRIPWIRE_ERR_NOT_FOUND',
          `flag "${input.key}" has no version ${input.toVersion}`,
          { pointer: '/toVersion' },
        );
      }
      return this.#changeLocked(input, 'rollback', null, (current) => ({
        ...(target.document as Flag),
        version: current.version + 1,
      }));
    });
  }

  putSegment(
    input: ChangeAuthor & { segment: Segment; expectedVersion?: number },
  ): Promise<Segment> {
    return this.#exclusive(async () => {
      const current = this.#segments.get(input.segment.key);
      checkExpectedVersion(
        'segment',
        input.segment.key,
        current?.version ?? 0,
        input.expectedVersion,
      );
      const segment = checkSegment({ ...input.segment, version: (current?.version ?? 0) + 1 });
      const action = current === undefined ? 'create' : 'update';
      await this.#write({ ...input, entity: 'segment', action, environment: null }, segment);
      return segment;
    });
  }

  #change(
    input: ChangeAuthor & { key: string; expectedVersion?: number },
    action: ChangeAction,
    environment: string | null,
    transform: (current: Flag) => Flag | undefined,
  ): Promise<Flag> {
    return this.#exclusive(() => this.#changeLocked(input, action, environment, transform));
  }

  /** Checks the expected version, validates the new document, and writes it (under the lock). */
  async #changeLocked(
    input: ChangeAuthor & { key: string; expectedVersion?: number },
    action: ChangeAction,
    environment: string | null,
    transform: (current: Flag) => Flag | undefined,
  ): Promise<Flag> {
    const stored = this.#flags.get(input.key);
    if (stored === undefined) throw notFound('flag', input.key);
    checkExpectedVersion('flag', input.key, stored.flag.version, input.expectedVersion);
    const next = transform(stored.flag);
    if (next === undefined) return stored.flag;
    const flag = checkFlag({ ...next, version: stored.flag.version + 1 });
    await this.#write(
      { ...input, entity: 'flag', action, environment, project: stored.project },
      flag,
    );
    return flag;
  }

  async #write(
    input: ChangeAuthor & {
      entity: ChangelogEntity;
      action: ChangeAction;
      environment: string | null;
      project?: string;
    },
    document: Flag | Segment,
  ): Promise<void> {
    const entry: ChangelogEntry = {
      seq: this.#seq + 1,
      entity: input.entity,
      key: document.key,
      project: input.project ?? 'default',
      version: document.version,
      action: input.action,
      environment: input.environment,
      actor: input.actor,
      reason: input.reason,
      document,
      createdAt: this.#now().toISOString(),
    };
    await this.#repository.append(entry);
    this.#apply(entry);
  }

  /** Serializes writes: one at a time, in arrival order, so no update is lost. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (!this.isWriter) {
      return Promise.reject(
        createError(
          'TRIPWIRE_ERR_READ_ONLY',
          'this replica follows the changelog and does not accept writes; send writes to the writer',
        ),
      );
    }
    const result = this.#tail.then(work);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  #apply(entry: ChangelogEntry): void {
    this.#seq = entry.seq;
    let before: Flag | Segment | undefined;
    if (entry.entity === 'segment') {
      before = this.#segments.get(entry.key);
      this.#segments.set(entry.key, entry.document as Segment);
    } else {
      const flag = entry.document as Flag;
      before = this.#flags.get(entry.key)?.flag;
      this.#flags.set(entry.key, { flag, project: entry.project });
      this.#trackKills(entry, before, flag);
      this.#trackEnvironmentChanges(entry, before, flag);
    }
    for (const listener of this.#listeners) {
      try {
        listener({ entry, before });
      } catch {
        // A listener's failure must not undo or block a durable change.
      }
    }
  }

  #trackEnvironmentChanges(entry: ChangelogEntry, before: Flag | undefined, flag: Flag): void {
    for (const [environment, state] of Object.entries(flag.environments)) {
      if (JSON.stringify(before?.environments[environment]) !== JSON.stringify(state)) {
        this.#environmentChangedAt.set(`${entry.key}\u0000${environment}`, entry.createdAt);
      }
    }
  }

  /** Kill markers: set by a kill, dropped by restore or by any change that re-enables the environment. */
  #trackKills(entry: ChangelogEntry, before: Flag | undefined, flag: Flag): void {
    let markers = this.#kills.get(entry.key);
    if (entry.action === 'kill' && entry.environment !== null && before !== undefined) {
      const previous = before.environments[entry.environment];
      markers ??= new Map();
      this.#kills.set(entry.key, markers);
      markers.set(entry.environment, {
        environment: entry.environment,
        version: entry.version,
        actor: entry.actor,
        reason: entry.reason,
        killedAt: entry.createdAt,
        previous: {
          enabled: previous?.enabled ?? false,
          ...(previous?.offVariant === undefined ? {} : { offVariant: previous.offVariant }),
        },
      });
      return;
    }
    for (const environment of markers?.keys() ?? []) {
      if (!isServingDefault(flag, environment)) markers?.delete(environment);
    }
  }
}

function notFound(entity: ChangelogEntity, key: string): Error {
  return createError('TRIPWIRE_ERR_NOT_FOUND', `no ${entity} "${key}"`);
}

function checkExpectedVersion(
  entity: ChangelogEntity,
  key: string,
  current: number,
  expected: number | undefined,
): void {
  if (expected !== undefined && expected !== current) {
    throw createError(
      'TRIPWIRE_ERR_CONFLICT',
      `${entity} "${key}" is at version ${current}, not the expected ${expected}; re-read it and retry`,
      { pointer: '/expectedVersion' },
    );
  }
}

function rejectIssues(issues: ValidationIssue[]): never {
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw createError(
    'TRIPWIRE_ERR_BAD_REQUEST',
    `${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}${more}`,
    { pointer: first?.instancePath || '/' },
  );
}

function checkFlag(flag: Flag): Flag {
  const result = validateFlag(flag);
  return result.ok ? result.value : rejectIssues(result.errors);
}

function checkSegment(segment: Segment): Segment {
  const result = validateSegment(segment);
  return result.ok ? result.value : rejectIssues(result.errors);
}
