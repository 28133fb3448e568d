/**
 * Results snapshots: the results endpoint's ClickHouse data (`ResultsData`, sufficient
 * statistics only) per scope, kept fresh in the background while someone reads them.
 *
 * Contract:
 * - A read computes live unless a snapshot may answer: the caller allows its age
 *   (`maxAgeMs`), or — with no `maxAgeMs` — the scope is slow (its last computation took at
 *   least `slowMs`) and the snapshot is at most `staleMs` old. Small experiments are therefore
 *   always live; large ones answer at once from data at most a few refresh periods old, and the
 *   response says when the data was read.
 * - A scope read in the last `watchMs` is refreshed in the background once its snapshot is
 *   `refreshMs` old and telemetry was committed since (or `idleRefreshMs` passed: a collector
 *   writing straight into ClickHouse is not seen), oldest first, one at a time, and at most
 *   `maxBusyShare` of the time (after a refresh that took d, the next starts ≥ d·(1/share − 1)
 *   later), so snapshots of huge experiments cannot take the engine from the guardian.
 * - A reader may also say which data is still current (`isCurrent`, e.g. the catalog metric
 *   versions it names now): a snapshot that is not never answers, and a live read that joined a
 *   computation begun before (not current either) waits for one more, begun after the read.
 * - A definition change a flag's results depend on (`notifyDefinitionChange`) makes its watched
 *   scopes due at once, whatever their age and the busy share, ahead of the periodic refreshes:
 *   one recomputation per scope for every change before it begins, one more for the changes
 *   made while it runs. Reads meanwhile behave as above (a live read joins it).
 * - Concurrent live reads of one scope share one computation. A failed refresh keeps the old
 *   snapshot (and is logged); a failed live read fails the request.
 * The clock and timers are injected; the shell (`start`) only schedules `refreshDue` (every tick,
 * and at once after a definition change).
 */
import type { ResultsData } from './results-data.js';

export interface ResultsScope {
  flagKey: string;
  environment?: string | undefined;
  conversionWindowSeconds: number;
}

export interface ResultsSnapshot {
  data: ResultsData;
  /** When the computation started (ms since epoch): the data includes everything committed before. */
  computedAt: number;
  durationMs: number;
}

export interface ServedResults {
  snapshot: ResultsSnapshot;
  /** 'live': computed for this read (or shared with a concurrent one); 'snapshot': kept one. */
  served: 'live' | 'snapshot';
}

export interface ResultsSnapshotsOptions {
  fetch: (scope: ResultsScope) => Promise<ResultsData>;
  now?: () => number;
  /** Background refresh period of a watched scope (default 10 s). */
  refreshMs?: number;
  /** A scope counts as slow when its last computation took this long (default 250 ms). */
  slowMs?: number;
  /** Oldest snapshot a slow scope answers with when the reader sets no maxAge (default 120 s). */
  staleMs?: number;
  /** How long after its last read a scope is kept fresh (default 15 min). */
  watchMs?: number;
  /** Refresh even without a seen commit after this long (default 60 s). */
  idleRefreshMs?: number;
  /** Share of wall time background refreshes may take (default 0.5). */
  maxBusyShare?: number;
  /** Scopes kept at most (least recently read dropped first; default 256). */
  maxScopes?: number;
  log?: { warn: (fields: object, message: string) => void };
}

export interface ReadOptions {
  /** Oldest snapshot accepted (0: always live); absent: only a slow scope's, up to `staleMs`. */
  maxAgeMs?: number | undefined;
  /** Whether fetched data still answers this read (default: any does). */
  isCurrent?: ((data: ResultsData) => boolean) | undefined;
}

export interface ResultsSnapshots {
  read(scope: ResultsScope, options?: ReadOptions): Promise<ServedResults>;
  /** Telemetry was committed (the OTLP receiver acknowledged a traces or logs request). */
  notifyFreshTelemetry(): void;
  /** A definition the flag's results depend on changed: recompute its watched scopes now. */
  notifyDefinitionChange(flagKey: string): void;
  /** Runs the most overdue background refresh, if any is due and allowed; resolves when done. */
  refreshDue(): Promise<boolean>;
  /** Calls `refreshDue` every `tickMs` (default 1 s) until `stop`. */
  start(tickMs?: number): void;
  /** Stops the timer and waits for a refresh in flight. */
  stop(): Promise<void>;
}

interface Entry {
  scope: ResultsScope;
  snapshot?: ResultsSnapshot;
  /** Commit counter when the snapshot's computation started. */
  version: number;
  inflight?: Promise<ResultsSnapshot>;
  lastReadAt: number;
  /** A definition changed after the last computation began: recompute before any other refresh. */
  isOutdated?: boolean;
}

/** The key of a scope: every field that changes the data. */
function scopeId(scope: ResultsScope): string {
  return JSON.stringify([scope.flagKey, scope.environment ?? null, scope.conversionWindowSeconds]);
}

export function createResultsSnapshots(options: ResultsSnapshotsOptions): ResultsSnapshots {
  const now = options.now ?? Date.now;
  const refreshMs = options.refreshMs ?? 10_000;
  const slowMs = options.slowMs ?? 250;
  const staleMs = options.staleMs ?? 120_000;
  const watchMs = options.watchMs ?? 900_000;
  const idleRefreshMs = options.idleRefreshMs ?? 60_000;
  const maxBusyShare = options.maxBusyShare ?? 0.5;
  const maxScopes = options.maxScopes ?? 256;
  const entries = new Map<string, Entry>();
  let commits = 0;
  let nextRefreshAllowedAt = 0;
  let refreshing: Promise<boolean> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const compute = (entry: Entry): Promise<ResultsSnapshot> => {
    if (entry.inflight !== undefined) return entry.inflight;
    const version = commits;
    const startedAt = now();
    entry.isOutdated = false;
    const inflight = options.fetch(entry.scope).then(
      (data) => {
        const snapshot = { data, computedAt: startedAt, durationMs: now() - startedAt };
        entry.snapshot = snapshot;
        entry.version = version;
        delete entry.inflight;
        kickIfOutdated();
        return snapshot;
      },
      (error: unknown) => {
        delete entry.inflight;
        kickIfOutdated();
        throw error;
      },
    );
    entry.inflight = inflight;
    return inflight;
  };

  /** The scope's entry, marked as read now (Map order = least recently read first). */
  const readEntry = (scope: ResultsScope): Entry => {
    const id = scopeId(scope);
    const existing = entries.get(id);
    if (existing !== undefined) {
      entries.delete(id);
      entries.set(id, existing);
      existing.lastReadAt = now();
      return existing;
    }
    const created: Entry = { scope, version: -1, lastReadAt: now() };
    entries.set(id, created);
    for (const [oldId, old] of entries) {
      if (entries.size <= maxScopes) break;
      if (old.inflight === undefined) entries.delete(oldId);
    }
    return created;
  };

  const mayAnswer = (snapshot: ResultsSnapshot, maxAgeMs: number | undefined): boolean => {
    const age = now() - snapshot.computedAt;
    if (maxAgeMs !== undefined) return age <= maxAgeMs;
    return snapshot.durationMs >= slowMs && age <= staleMs;
  };

  /** The scopes read within `watchMs`; the others are forgotten (unless computing). */
  const listWatched = (at: number): Entry[] => {
    const watched: Entry[] = [];
    for (const [id, entry] of entries) {
      if (at - entry.lastReadAt <= watchMs) watched.push(entry);
      else if (entry.inflight === undefined) entries.delete(id);
    }
    return watched;
  };

  const byComputedAt = (a: Entry, b: Entry) =>
    (a.snapshot?.computedAt ?? 0) - (b.snapshot?.computedAt ?? 0);

  /** An outdated scope not computing now, oldest snapshot first. */
  const pickOutdated = (watched: readonly Entry[]): Entry | undefined =>
    watched
      .filter((entry) => entry.isOutdated === true && entry.inflight === undefined)
      .sort(byComputedAt)[0];

  const pickDue = (watched: readonly Entry[], at: number): Entry | undefined => {
    let due: Entry | undefined;
    for (const entry of watched) {
      const snapshot = entry.snapshot;
      if (snapshot === undefined || entry.inflight !== undefined) continue;
      const age = at - snapshot.computedAt;
      const changed = commits !== entry.version || age >= idleRefreshMs;
      if (age < refreshMs || !changed) continue;
      if (due?.snapshot === undefined || snapshot.computedAt < due.snapshot.computedAt) due = entry;
    }
    return due;
  };

  const refreshOne = async (entry: Entry): Promise<boolean> => {
    const startedAt = now();
    try {
      await compute(entry);
    } catch (error) {
      options.log?.warn(
        { err: error, flagKey: entry.scope.flagKey },
        'results snapshot refresh failed; the previous snapshot is kept',
      );
    }
    const took = now() - startedAt;
    nextRefreshAllowedAt = now() + (took * (1 - maxBusyShare)) / maxBusyShare;
    return true;
  };

  /** Once started (and until stopped), runs `refreshDue` as soon as the current turn ends. */
  const kick = (): void => {
    if (timer === undefined) return;
    setImmediate(() => {
      if (timer !== undefined) void refreshDue();
    });
  };

  /**
   * After a computation settles: another pass when a scope is outdated (this one, changed while
   * it computed, or another whose change came while this refresh held the turn). The kick runs
   * after the settling promise chains, so `refreshing` is clear by then.
   */
  const kickIfOutdated = (): void => {
    for (const entry of entries.values()) {
      if (entry.isOutdated === true) return kick();
    }
  };

  const refreshDue = (): Promise<boolean> => {
    if (refreshing !== undefined) return Promise.resolve(false);
    const at = now();
    const watched = listWatched(at);
    const outdated = pickOutdated(watched);
    if (outdated === undefined && at < nextRefreshAllowedAt) return Promise.resolve(false);
    const due = outdated ?? pickDue(watched, at);
    if (due === undefined) return Promise.resolve(false);
    const running = refreshOne(due).finally(() => {
      refreshing = undefined;
    });
    refreshing = running;
    return running;
  };

  return {
    async read(scope, readOptions = {}) {
      const entry = readEntry(scope);
      const isCurrent = readOptions.isCurrent ?? (() => true);
      const snapshot = entry.snapshot;
      if (
        snapshot !== undefined &&
        isCurrent(snapshot.data) &&
        mayAnswer(snapshot, readOptions.maxAgeMs)
      ) {
        return { snapshot, served: 'snapshot' };
      }
      const computed = await compute(entry);
      if (isCurrent(computed.data)) return { snapshot: computed, served: 'live' };
      // A shared computation begun before what this read needs existed: the next one begins after.
      return { snapshot: await compute(entry), served: 'live' };
    },
    notifyFreshTelemetry() {
      commits += 1;
    },
    notifyDefinitionChange(flagKey) {
      let changed = false;
      for (const entry of entries.values()) {
        if (entry.scope.flagKey !== flagKey) continue;
        entry.isOutdated = true;
        changed = true;
      }
      if (changed) kick();
    },
    refreshDue,
    start(tickMs = 1000) {
      if (timer !== undefined) return;
      timer = setInterval(() => void refreshDue(), tickMs);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await refreshing;
    },
  };
}
