import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createError } from '../errors.js';
import type { Action, Requirement } from './access-policy.js';
import { Actions, allowsAction, describeRequirement, permits } from './access-policy.js';
import type { TokenRecord, TokenStore } from './token-store.js';

/**
 * What a route acts on. `resolve` names the projects/environments (and roles) the request
 * touches; without it the route needs no scope (public, the token itself) or filters its answer
 * to the token's scope (`filtered: true`, e.g. lists). `describe` is the README's wording.
 */
export interface RouteScope {
  describe: string;
  filtered?: boolean;
  resolve?(request: FastifyRequest): Requirement[] | Promise<Requirement[]>;
}

/** A route's authorization, declared as `config: { authorize: { action, scope } }`. */
export interface RouteAuthorization {
  action: Action;
  scope: RouteScope;
}

/** One registered route and its declaration (the README table and the route-walk test read these). */
export interface RouteAccess {
  method: string;
  url: string;
  hidden: boolean;
  authorize: RouteAuthorization;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    authorize?: RouteAuthorization;
  }
  interface FastifyRequest {
    /** The authenticated token; set on every route whose action is not `public`. */
    principal?: TokenRecord;
  }
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
 * Installs the one authorization mechanism on the root instance, before any route:
 * - every route must declare `config.authorize` (deny by default: registering one without it
 *   throws, so the app does not start);
 * - `onRequest`: 401 without a live token, 403 when its kind or role cannot do the action;
 * - `preHandler` (after validation, so body defaults are filled): 403 unless the token covers
 *   every requirement the route's scope resolves from the request.
 * Returns the registered routes with their declarations.
 */
export function installAuthorization(app: FastifyInstance, tokens: TokenStore): RouteAccess[] {
  const routes: RouteAccess[] = [];
  app.addHook('onRoute', (route) => {
    const authorize = route.config?.authorize;
    const methods = [route.method].flat();
    if (authorize === undefined) {
      throw new Error(
        `route ${methods.join(',')} ${route.url} declares no config.authorize: every route must name its action and scope`,
      );
    }
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
    for (const method of methods) routes.push({ method, url: route.url, hidden, authorize });
  });
  app.addHook('onRequest', async (request) => {
    const { action } = declarationOf(request);
    if (Actions[action] === 'public') return;
    const token = authenticate(request, tokens, action);
    request.principal = token;
    if (!allowsAction(token, action)) {
      const needed = Actions[action];
      const has = token.kind === 'sdk' ? 'an SDK key' : `an API token with role ${token.role}`;
      throw createError(
        'TRIPWIRE_ERR_FORBIDDEN',
        `${describeRoute(request)} (${action}) needs ${needed === 'sdk' ? 'an SDK key' : `an API token with role ${needed}`}; token "${token.name}" is ${has}`,
      );
    }
  });
  app.addHook('preHandler', async (request) => {
    const { action, scope } = declarationOf(request);
    const token = request.principal;
    if (token === undefined || scope.resolve === undefined) return;
    for (const requirement of await scope.resolve(request)) {
      if (permits(token, requirement)) continue;
      throw createError(
        'TRIPWIRE_ERR_FORBIDDEN',
        `${describeRoute(request)} (${action}) needs ${describeRequirement(requirement)}; token "${token.name}" has role ${token.role} in projects ${token.projects.join(', ')} and environments ${token.environments.join(', ')}`,
      );
    }
  });
  return routes;
}

function declarationOf(request: FastifyRequest): RouteAuthorization {
  const declared = request.routeOptions.config?.authorize;
  // Unmatched URLs (404) have no declaration; they need nothing and reach nothing.
  return declared ?? { action: 'public', scope: { describe: 'not found' } };
}

function authenticate(request: FastifyRequest, tokens: TokenStore, action: Action): TokenRecord {
  const secret = readSecret(request);
  if (secret === undefined) {
    const needed = Actions[action];
    throw createError(
      'TRIPWIRE_ERR_UNAUTHORIZED',
      `missing token: send "Authorization: Bearer <token>" (${needed === 'sdk' ? 'an SDK key' : `a ${needed} token`} is required)`,
    );
  }
  const token = tokens.authenticate(secret);
  if (token === undefined)
    throw createError('TRIPWIRE_ERR_UNAUTHORIZED', 'unknown or revoked token');
  return token;
}

function describeRoute(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url}`;
}

/** Whether the request's token covers the requirement (list routes filter with this). */
export function canSee(request: FastifyRequest, requirement: Requirement): boolean {
  return request.principal !== undefined && permits(request.principal, requirement);
}

/** The actor recorded on changelog rows for this request: `token:<name>#<id>`. */
export function describeActor(request: FastifyRequest): string {
  const token = request.principal;
  return token === undefined ? 'anonymous' : `token:${token.name}#${token.id}`;
}
