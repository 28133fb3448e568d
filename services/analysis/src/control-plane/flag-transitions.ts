import type { EnvironmentState, Flag } from '@tripwire/schema';
import { createError } from '../errors.js';

/** What a kill replaced, so that restore can put it back. */
export interface KillMarker {
  environment: string;
  /** Flag version the kill produced. */
  version: number;
  actor: string;
  reason: string;
  killedAt: string;
  previous: { enabled: boolean; offVariant?: string };
}

/** The environment's state, or a 404 naming the flag and the environment. */
export function requireEnvironment(flag: Flag, environment: string): EnvironmentState {
  const state = flag.environments[environment];
  if (state === undefined) {
    throw createError(
      'TRIPWIRE_ERR_NOT_FOUND',
      `flag "${flag.key}" has no environment "${environment}" (it has: ${Object.keys(flag.environments).join(', ') || 'none'})`,
      { pointer: '/environment' },
    );
  }
  return state;
}

/** A copy of the flag with one environment's state replaced. */
export function replaceEnvironment(flag: Flag, environment: string, state: EnvironmentState): Flag {
  return { ...flag, environments: { ...flag.environments, [environment]: state } };
}

/**
 * Kill: the environment serves the flag's `defaultVariant` (the control) to everyone, i.e.
 * `enabled: false` with no `offVariant`. Rules and rollouts stay, so restore is exact.
 */
export function killEnvironment(flag: Flag, environment: string): Flag {
  const { offVariant: _offVariant, ...rest } = requireEnvironment(flag, environment);
  return replaceEnvironment(flag, environment, { ...rest, enabled: false });
}

/** Whether the environment currently serves `defaultVariant` to everyone (the killed shape). */
export function isServingDefault(flag: Flag, environment: string): boolean {
  const state = flag.environments[environment];
  return state !== undefined && !state.enabled && state.offVariant === undefined;
}

/** Restore: puts back `enabled` and `offVariant` as they were before the kill. */
export function restoreEnvironment(flag: Flag, marker: KillMarker): Flag {
  const { offVariant: _offVariant, ...rest } = requireEnvironment(flag, marker.environment);
  const previous = marker.previous;
  return replaceEnvironment(flag, marker.environment, {
    ...rest,
    enabled: previous.enabled,
    ...(previous.offVariant === undefined ? {} : { offVariant: previous.offVariant }),
  });
}

/** Turns one environment on or off (off serves `offVariant`, else `defaultVariant`). */
export function setEnvironmentEnabled(flag: Flag, environment: string, enabled: boolean): Flag {
  const state = requireEnvironment(flag, environment);
  return replaceEnvironment(flag, environment, { ...state, enabled });
}
