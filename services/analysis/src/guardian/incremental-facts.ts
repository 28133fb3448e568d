/**
 * The incremental pass: a guardrail's facts are read again only when a table they were computed
 * from has changed since. Each answer is kept with the versions (`readTableVersions`) of the
 * tables its SQL names, plus `dependsOn` (tables read on the way that the SQL does not name: the
 * metric catalog, the records' readiness), taken before the query ran — so data committed while
 * it ran makes the next pass read again. A request is answered from the kept facts when every one
 * of those tables has the same version now; any insert, late or not, any mutation or dropped
 * part of one of them means a new read. Facts of a table without versions (a view, a Distributed
 * table) are never kept. Kept in memory: a restarted guardian reads everything once.
 */
import type { TableVersions } from '../storage/table-versions.js';
import type { FactsRequest, GuardianSources, GuardrailFacts } from './guardian-types.js';

type FactsSources = Pick<GuardianSources, 'fetchFacts' | 'prefetchFacts'>;

interface KeptFacts {
  facts: GuardrailFacts;
  /** The versions of the tables the facts depend on, read before the query. */
  versions: ReadonlyMap<string, string>;
}

/** The names of `tables` that occur in `sql` as whole identifiers. */
export function findNamedTables(sql: string, tables: Iterable<string>): string[] {
  const isWordChar = (c: string | undefined) => c !== undefined && /[\w$]/.test(c);
  return [...tables].filter((name) => {
    for (let at = sql.indexOf(name); at !== -1; at = sql.indexOf(name, at + 1)) {
      if (!isWordChar(sql[at - 1]) && !isWordChar(sql[at + name.length])) return true;
    }
    return false;
  });
}

/** Which kept answer a request is: everything the facts are computed from (Dates as ISO text). */
const requestKey = (request: FactsRequest) => JSON.stringify(request);
const rolloutOf = (request: FactsRequest) => JSON.stringify([request.flagKey, request.environment]);

/** The versions the facts depend on, or undefined when one of their tables has none. */
function pickVersions(
  facts: GuardrailFacts,
  versions: TableVersions,
  dependsOn: readonly string[],
): Map<string, string> | undefined {
  const picked = new Map<string, string>();
  for (const table of [...findNamedTables(facts.query, versions.keys()), ...dependsOn]) {
    const version = versions.get(table);
    if (version === null || version === undefined) return undefined;
    picked.set(table, version);
  }
  return picked;
}

const isCurrent = (kept: KeptFacts, now: TableVersions) =>
  [...kept.versions].every(([table, version]) => now.get(table) === version);

export interface IncrementalFacts extends Required<FactsSources> {
  /** Facts requests answered by a read (`read`) and from kept facts (`kept`) so far. */
  counts(): { read: number; kept: number };
}

/**
 * `sources` with the incremental pass: `prefetchFacts` (once per rollout's check) reads the
 * tables' versions, serves each request whose kept facts are current, and passes the others on;
 * `fetchFacts` answers those, keeping what it read. Exemplar reads (a breach's kill report) are
 * never kept.
 */
export function createIncrementalFacts(input: {
  sources: FactsSources;
  readVersions: () => Promise<TableVersions>;
  dependsOn: readonly string[];
}): IncrementalFacts {
  const { sources, readVersions, dependsOn } = input;
  const kept = new Map<string, KeptFacts & { rollout: string }>();
  let served = new Map<string, GuardrailFacts>();
  let checkVersions: TableVersions | undefined;
  const counts = { read: 0, kept: 0 };

  const prefetchFacts = async (requests: readonly FactsRequest[]) => {
    served = new Map();
    checkVersions = await readVersions();
    const keys = new Set(requests.map(requestKey));
    const rollouts = new Set(requests.map(rolloutOf));
    // Answers of this rollout no longer asked for (a guardrail removed, a restart of the rollout).
    for (const [key, entry] of kept)
      if (rollouts.has(entry.rollout) && !keys.has(key)) kept.delete(key);
    const toRead = requests.filter((request) => {
      const entry = kept.get(requestKey(request));
      if (entry === undefined || !isCurrent(entry, checkVersions!)) return true;
      served.set(requestKey(request), entry.facts);
      return false;
    });
    if (toRead.length > 0) await sources.prefetchFacts?.(toRead);
  };

  const fetchFacts = async (request: FactsRequest) => {
    if (request.exemplarLimit > 0) return sources.fetchFacts(request);
    const key = requestKey(request);
    const hit = served.get(key);
    if (hit !== undefined) {
      served.delete(key);
      counts.kept++;
      return hit;
    }
    const versions = checkVersions ?? (await readVersions());
    const facts = await sources.fetchFacts(request);
    counts.read++;
    const picked = pickVersions(facts, versions, dependsOn);
    if (picked === undefined) kept.delete(key);
    else kept.set(key, { facts, versions: picked, rollout: rolloutOf(request) });
    return facts;
  };

  return { prefetchFacts, fetchFacts, counts: () => ({ ...counts }) };
}
