import type { Role, TokenRecord } from './token-store.js';
import { ANY_SCOPE, Roles } from './token-store.js';

/** Who may perform an action at all: nobody needs a token (`public`), an SDK key, or an API role. */
export type Principal = 'public' | 'sdk' | Role;

/**
 * Every action a route can declare, and the least principal it needs. This table is the policy's
 * first half; the second is the route's scope (which project and environment it acts on).
 */
export const Actions = {
  public: 'public',
  'config.read': 'sdk',
  'flags.read': 'viewer',
  'flags.write': 'editor',
  'results.read': 'viewer',
  'guardrails.read': 'viewer',
  'ramps.write': 'editor',
  'segments.read': 'viewer',
  'segments.write': 'editor',
  'metrics.read': 'viewer',
  'metrics.write': 'editor',
  'traces.read': 'viewer',
  'tokens.self': 'viewer',
  'tokens.manage': 'admin',
} as const satisfies Record<string, Principal>;
export type Action = keyof typeof Actions;

/**
 * One thing a token must cover: a project and/or an environment (`*` = every one, which only a
 * token scoped to `*` covers), and optionally a role (token administration: never above its own).
 */
export interface Requirement {
  project?: string | undefined;
  environment?: string | undefined;
  role?: Role;
}

const covers = (list: readonly string[], value: string | undefined): boolean =>
  value === undefined || list.includes(ANY_SCOPE) || list.includes(value);

/** Whether the token's role and scope meet the requirement. */
export function permits(token: TokenRecord, requirement: Requirement): boolean {
  if (
    requirement.role !== undefined &&
    Roles.indexOf(token.role) < Roles.indexOf(requirement.role)
  ) {
    return false;
  }
  return (
    covers(token.projects, requirement.project) &&
    covers(token.environments, requirement.environment)
  );
}

/** Whether the principal kind and role of the token allow the action (before any scope). */
export function allowsAction(token: TokenRecord, action: Action): boolean {
  const needed: Principal = Actions[action];
  if (needed === 'public') return true;
  if (needed === 'sdk') return token.kind === 'sdk';
  return token.kind === 'api' && Roles.indexOf(token.role) >= Roles.indexOf(needed);
}

/**
 * What a token (existing or to be created) amounts to: its role in every project × environment
 * of its scope. A caller may create, list or revoke it only if the caller permits all of them.
 */
export function requirementsOfToken(
  token: Pick<TokenRecord, 'role' | 'projects' | 'environments'>,
): Requirement[] {
  return token.projects.flatMap((project) =>
    token.environments.map((environment) => ({ project, environment, role: token.role })),
  );
}

/** Whether `caller` covers every project, environment and role of `target` (never broader). */
export function coversToken(
  caller: TokenRecord,
  target: Pick<TokenRecord, 'role' | 'projects' | 'environments'>,
): boolean {
  return requirementsOfToken(target).every((requirement) => permits(caller, requirement));
}

/** The part of a requirement the token misses, for a 403 message. */
export function describeRequirement(requirement: Requirement): string {
  return [
    requirement.role === undefined ? '' : `role ${requirement.role}`,
    requirement.project === undefined ? '' : `project "${requirement.project}"`,
    requirement.environment === undefined ? '' : `environment "${requirement.environment}"`,
  ]
    .filter(Boolean)
    .join(' in ');
}
