import { SEMVER_PATTERN } from '@tripwire/schema';

/** A parsed SemVer 2.0.0 version; build metadata is dropped (it has no precedence). */
export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly (string | number)[];
}

/** Parses a strict SemVer 2.0.0 string (no leading `v`), or returns undefined. */
export function parseSemver(input: string): SemVer | undefined {
  const match = SEMVER_PATTERN.exec(input);
  if (!match) return undefined;
  const prerelease =
    match[4] === undefined
      ? []
      : match[4].split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id));
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), prerelease };
}

function compareIdentifiers(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  if (typeof a === 'number') return -1; // numeric identifiers have lower precedence
  if (typeof b === 'number') return 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** SemVer precedence (https://semver.org/#spec-item-11): negative, zero or positive. */
export function compareSemver(a: SemVer, b: SemVer): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  const ap = a.prerelease;
  const bp = b.prerelease;
  if (ap.length === 0 || bp.length === 0) return bp.length - ap.length; // a release outranks its prereleases
  const n = Math.min(ap.length, bp.length);
  for (let i = 0; i < n; i++) {
    const order = compareIdentifiers(ap[i]!, bp[i]!);
    if (order !== 0) return order;
  }
  return ap.length - bp.length;
}

const SEMVER_CACHE_LIMIT = 1024;
const NOT_SEMVER = null;

/**
 * Parses context attribute values with a bounded memo (versions have low cardinality), so
 * semver rules allocate nothing on repeat values. One cache per compiled config.
 */
export class SemverCache {
  readonly #parsed = new Map<string, SemVer | typeof NOT_SEMVER>();

  parse(input: string): SemVer | undefined {
    const hit = this.#parsed.get(input);
    if (hit !== undefined) return hit ?? undefined;
    const parsed = parseSemver(input);
    if (this.#parsed.size >= SEMVER_CACHE_LIMIT) this.#parsed.clear();
    this.#parsed.set(input, parsed ?? NOT_SEMVER);
    return parsed;
  }
}
