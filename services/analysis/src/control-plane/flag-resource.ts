import type { Flag } from '@tripwire/schema';
import { TripwireHttpError } from '../errors.js';
import type { FlagStore } from './flag-store.js';
import type { KillMarker } from './flag-transitions.js';

/** How the admin API shows a flag: the document, its project, and which environments are killed. */
export interface FlagResource {
  project: string;
  flag: Flag;
  kills: KillMarker[];
}

export function describeFlag(store: FlagStore, flag: Flag): FlagResource {
  return {
    project: store.projectOf(flag.key) ?? 'default',
    flag,
    kills: store.killsOf(flag.key),
  };
}

/** Re-throws a validation error with its pointer moved under `prefix` (the body field it came from). */
export async function withPointerPrefix<T>(prefix: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (
      error instanceof TripwireHttpError &&
      error.code === 'TRIPWIRE_ERR_BAD_REQUEST' &&
      error.pointer !== undefined
    ) {
      const pointer = error.pointer === '/' ? prefix : `${prefix}${error.pointer}`;
      throw new TripwireHttpError(error.code, `${prefix}: ${error.message}`, {
        pointer,
        cause: error,
      });
    }
    throw error;
  }
}

/** Environments whose state differs between two versions of a flag (added and removed included). */
export function listChangedEnvironments(before: Flag, after: Flag): string[] {
  // `after` is unvalidated input: a missing or malformed `environments` is reported by validation.
  const next: Record<string, unknown> =
    typeof after.environments === 'object' && after.environments !== null ? after.environments : {};
  const names = new Set([...Object.keys(before.environments), ...Object.keys(next)]);
  return [...names].filter(
    (name) => JSON.stringify(before.environments[name]) !== JSON.stringify(next[name]),
  );
}
