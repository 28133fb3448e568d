import type { FastifyRequest } from 'fastify';
import type { Flag } from '@tripwire/schema';
import type { Requirement } from './access-policy.js';
import type { RouteAuthorization, RouteScope } from './auth.js';
import { listChangedEnvironments } from './flag-resource.js';
import type { FlagStore } from './flag-store.js';
import { ANY_SCOPE } from './token-store.js';

/**
 * The scopes routes declare: how a request names the project and environments it acts on.
 * Each resolves from params, body or query, or loads the target resource (a flag key → its
 * project). A flag key the store does not know needs a token for all projects (`*`), which
 * then gets the handler's 404; a project-scoped token gets 403 and learns nothing.
 */
type Input = { params?: unknown; body?: unknown; query?: unknown };
const field = (value: unknown, name: string): string | undefined => {
  const found = (value as Record<string, unknown> | undefined)?.[name];
  return typeof found === 'string' ? found : undefined;
};

/** No project or environment: public routes, the caller's own token. */
export const noScope: RouteScope = { describe: '—' };

/** The SDK key's own project and environment (nothing else is reachable with it). */
export const sdkKeyScope: RouteScope = { describe: "the key's project and environment" };

/** SDK delivery and OFREP: an SDK key reads its own project and environment only. */
export const sdkConfigRead: RouteAuthorization = { action: 'config.read', scope: sdkKeyScope };

/** A list answered with only what the token's scope covers. */
export function filteredScope(describe: string): RouteScope {
  return { describe, filtered: true };
}

/** Resources every project uses (segments): any API token with the action's role reads them. */
export const sharedScope: RouteScope = { describe: 'shared by all projects' };

/** Resources shared by every project (segments, traces): all projects and environments. */
export const allProjectsScope: RouteScope = {
  describe: 'all projects and environments (`*`)',
  resolve: () => [{ project: ANY_SCOPE, environment: ANY_SCOPE }],
};

/** A project known from a flag key, or `*` (global tokens only) when the store has no project for it. */
export function projectRequirement(store: FlagStore, key: string): Requirement {
  return { project: store.projectOf(key) ?? ANY_SCOPE };
}

/** Where a flag route finds the environment it acts on. */
export type FlagEnvironment = 'none' | 'params' | 'body' | 'query' | 'all' | 'changed';

const environmentWording: Record<FlagEnvironment, string> = {
  none: '',
  params: ' and `:environment`',
  body: ' and body `environment`',
  query: ' and `?environment` if given',
  all: ' and every environment of the flag',
  changed: ' and every environment the new document changes',
};

/** The flag `:key`'s project, plus the environment(s) named as `environment` says. */
export function flagScope(store: FlagStore, environment: FlagEnvironment): RouteScope {
  return {
    describe: `flag \`:key\`'s project${environmentWording[environment]}`,
    resolve(request) {
      const key = field(request.params, 'key') ?? '';
      const project = projectRequirement(store, key).project;
      const flag = store.get(key);
      // An unknown key has no project: only a token for all projects learns it is missing (404).
      if (flag === undefined) return [{ project }];
      const names = flagEnvironments(flag, environment, request);
      return names.length === 0
        ? [{ project }]
        : names.map((name) => ({ project, environment: name }));
    },
  };
}

function flagEnvironments(flag: Flag, environment: FlagEnvironment, request: Input): string[] {
  const named = (source: unknown): string[] => {
    const value = field(source, 'environment');
    return value === undefined ? [] : [value];
  };
  switch (environment) {
    case 'none':
      return [];
    case 'params':
      return named(request.params);
    case 'body':
      return named(request.body);
    case 'query':
      return named(request.query);
    case 'all':
      return Object.keys(flag.environments);
    case 'changed': {
      const next = (request.body as { flag?: Flag } | undefined)?.flag;
      return next === undefined ? [] : listChangedEnvironments(flag, next);
    }
  }
}

/** A new flag: body `project` (default `default`) and every environment of body `flag`. */
export const newFlagScope: RouteScope = {
  describe: 'body `project` (default `default`) and every environment of the new flag',
  resolve(request) {
    const body = request.body as { project?: string; flag?: { environments?: unknown } };
    const project = body.project ?? 'default';
    const environments = body.flag?.environments;
    const names =
      typeof environments === 'object' && environments !== null ? Object.keys(environments) : [];
    return names.length === 0
      ? [{ project }]
      : names.map((name) => ({ project, environment: name }));
  },
};

/** Rollback: the flag's project and every environment the restored version changes. */
export function rollbackScope(store: FlagStore): RouteScope {
  return {
    describe: "flag `:key`'s project and every environment the restored version changes",
    async resolve(request) {
      const key = field(request.params, 'key') ?? '';
      const project = projectRequirement(store, key).project;
      const current = store.get(key);
      if (current === undefined) return [{ project }];
      const toVersion = (request.body as { toVersion?: number } | undefined)?.toVersion;
      const entries = await store.history(key);
      const target = entries.find((entry) => entry.version === toVersion)?.document as
        Flag | undefined;
      const names = target === undefined ? [] : listChangedEnvironments(current, target);
      return [{ project }, ...names.map((name) => ({ project, environment: name }))];
    },
  };
}

/** A scope resolved by a loader the route supplies (e.g. a breach id → its flag and environment). */
export function loadedScope(
  describe: string,
  load: (request: FastifyRequest) => Promise<Requirement[]>,
): RouteScope {
  return { describe, resolve: load };
}
