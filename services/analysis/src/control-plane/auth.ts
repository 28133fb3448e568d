import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createError } from '../errors.js';
import type { Role, TokenRecord, TokenStore } from './token-store.js';
import { ANY_SCOPE, Roles } from './token-store.js';

/**
 * What a route requires, declared as `config: { role }`:
 * - a role (`viewer` < `editor` < `admin`): an API token with at least that role;
 * - `sdk`: an SDK key (SDK delivery and OFREP);
 * - `public`: no token (health, OpenAPI document).
 */
export type RequiredRole = Role | 'sdk' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    role?: RequiredRole;
  }
  interface FastifyRequest {
    /** The authenticated token; set by the auth hook on every protected route. */
    principal?: TokenRecord;
  }
}

/** Route prefixes that require a token unless the route declares `config: { role: 'public' }`. */
const PROTECTED = [
  { prefix: '/api/v1/', fallback: 'viewer' },
  { prefix: '/sdk/v1/', fallback: 'sdk' },
  { prefix: '/ofrep/v1/', fallback: 'sdk' },
] as const;

/**
 * The role a request needs: the route's declared `config.role`, else a default by prefix:
 * `/api/v1/*` GET/HEAD → viewer, other methods → admin; `/sdk/v1/*`, `/ofrep/v1/*` → sdk;
 * anything else → public.
 */
export function resolveRequiredRole(request: FastifyRequest): RequiredRole {
  const declared = request.routeOptions.config?.role;
  if (declared !== undefined) return declared;
  const path = request.url.split('?', 1)[0] ?? '';
  const match = PROTECTED.find((entry) => path.startsWith(entry.prefix));
  if (match === undefined) return 'public';
  if (match.fallback !== 'viewer') return match.fallback;
  return request.method === 'GET' || request.method === 'HEAD' ? 'viewer' : 'admin';
}

/** Reads `Authorization: Bearer <secret>`, or `X-API-Key: <secret>` (OFREP allows both). */
export function readSecret(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }
  const key = request.headers['x-api-key'];
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}

/**
 * Installs the auth hook on the root instance, so it covers every route registered later,
 * in any plugin: 401 without a (live) token, 403 when its kind or role is not enough.
 */
export function installAuth(app: FastifyInstance, tokens: TokenStore): void {
  app.addHook('onRequest', async (request) => {
    const required = resolveRequiredRole(request);
    if (required === 'public') return;
    const secret = readSecret(request);
    if (secret === undefined) {
      throw createError(
        'TRIPWIRE_ERR_UNAUTHORIZED',
        `missing token: send "Authorization: Bearer <token>" (${required === 'sdk' ? 'an SDK key' : `a ${required} token`} is required)`,
      );
    }
    const token = tokens.authenticate(secret);
    if (token === undefined) {
      throw createError('TRIPWIRE_ERR_UNAUTHORIZED', 'unknown or revoked token');
    }
    request.principal = token;
    checkRole(token, required, request);
  });
}

function checkRole(
  token: TokenRecord,
  required: Exclude<RequiredRole, 'public'>,
  request: FastifyRequest,
): void {
  const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
  if (required === 'sdk') {
    if (token.kind !== 'sdk') {
      throw createError(
        'TRIPWIRE_ERR_FORBIDDEN',
        `${route} needs an SDK key; token "${token.name}" is an API token`,
      );
    }
    return;
  }
  if (token.kind === 'sdk') {
    throw createError(
      'TRIPWIRE_ERR_FORBIDDEN',
      `${route} needs an API token with role ${required}; "${token.name}" is an SDK key`,
    );
  }
  if (Roles.indexOf(token.role) < Roles.indexOf(required)) {
    throw createError(
      'TRIPWIRE_ERR_FORBIDDEN',
      `${route} needs role ${required}; token "${token.name}" has role ${token.role}`,
    );
  }
}

/** Whether the token's scope covers this project and environment (`*` covers all). */
export function isInScope(
  token: TokenRecord,
  scope: { project?: string | undefined; environment?: string | undefined },
): boolean {
  const covers = (list: string[], value: string | undefined): boolean =>
    value === undefined || list.includes(ANY_SCOPE) || list.includes(value);
  return covers(token.projects, scope.project) && covers(token.environments, scope.environment);
}

/** Throws 403 unless the request's token covers the project and environment. */
export function assertScope(
  request: FastifyRequest,
  scope: { project?: string | undefined; environment?: string | undefined },
): TokenRecord {
  const token = request.principal;
  if (token === undefined) throw createError('TRIPWIRE_ERR_UNAUTHORIZED', 'missing token');
  if (!isInScope(token, scope)) {
    const what = [
      scope.project === undefined ? '' : `project "${scope.project}"`,
      scope.environment === undefined ? '' : `environment "${scope.environment}"`,
    ]
      .filter(Boolean)
      .join(' and ');
    throw createError(
      'TRIPWIRE_ERR_FORBIDDEN',
      `token "${token.name}" is not scoped to ${what} (projects: ${token.projects.join(', ')}; environments: ${token.environments.join(', ')})`,
    );
  }
  return token;
}

/** The actor recorded on changelog rows for this request: `token:<name>#<id>`. */
export function describeActor(request: FastifyRequest): string {
  const token = request.principal;
  return token === undefined ? 'anonymous' : `token:${token.name}#${token.id}`;
}
