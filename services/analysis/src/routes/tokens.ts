import type { FastifyPluginAsync } from 'fastify';
import { FLAG_KEY_PATTERN } from '@tripwire/schema';
import type { ContextPluginOptions } from '../context.js';
import { coversToken, requirementsOfToken } from '../control-plane/access-policy.js';
import { describeActor } from '../control-plane/auth.js';
import { filteredScope, loadedScope, noScope } from '../control-plane/route-scopes.js';
import type { Role, TokenKind, TokenRecord } from '../control-plane/token-store.js';
import { ANY_SCOPE, Roles } from '../control-plane/token-store.js';
import { createError } from '../errors.js';

const scopeList = {
  type: 'array',
  minItems: 1,
  maxItems: 100,
  items: { anyOf: [{ type: 'string', pattern: FLAG_KEY_PATTERN }, { const: ANY_SCOPE }] },
} as const;

interface CreateTokenBody {
  name: string;
  kind?: TokenKind;
  role?: Role;
  projects?: string[];
  environments?: string[];
}

/**
 * The token a create request asks for, with the defaults filled from the caller: an API token
 * gets the caller's projects and environments, an SDK key the caller's one project (else
 * `default`) and role viewer.
 */
function resolveNewToken(body: CreateTokenBody, caller: TokenRecord | undefined) {
  const kind = body.kind ?? 'api';
  const callerProjects = caller?.projects ?? [ANY_SCOPE];
  const onlyProject =
    callerProjects.length === 1 && callerProjects[0] !== ANY_SCOPE ? callerProjects : ['default'];
  return {
    kind,
    role: kind === 'sdk' ? ('viewer' as const) : (body.role ?? 'viewer'),
    projects: body.projects ?? (kind === 'sdk' ? onlyProject : callerProjects),
    environments: body.environments ?? caller?.environments ?? [ANY_SCOPE],
  };
}

/**
 * Token administration (admin), always within the caller's own scope: a token lists, creates
 * and revokes only tokens no broader than itself (role, projects, environments).
 * `GET /api/v1/tokens/self` lets any API token see itself.
 */
export const tokenRoutes: FastifyPluginAsync<ContextPluginOptions> = async (app, { context }) => {
  const tokens = context.tokens;
  const tags = ['tokens'];
  const withinCaller = 'never broader than the calling token (role, projects, environments)';

  app.get(
    '/api/v1/tokens',
    {
      config: {
        authorize: {
          action: 'tokens.manage',
          scope: filteredScope(`tokens ${withinCaller}`),
        },
      },
      schema: { tags, summary: 'List tokens (never their secrets)' },
    },
    async (request) => ({
      tokens: tokens.list().filter((token) => coversToken(request.principal!, token)),
    }),
  );

  app.get(
    '/api/v1/tokens/self',
    {
      config: { authorize: { action: 'tokens.self', scope: noScope } },
      schema: { tags, summary: 'The token making this request' },
    },
    async (request) => request.principal,
  );

  app.post<{ Body: CreateTokenBody }>(
    '/api/v1/tokens',
    {
      config: {
        authorize: {
          action: 'tokens.manage',
          scope: loadedScope(`the new token, ${withinCaller}`, async (request) =>
            requirementsOfToken(
              resolveNewToken(request.body as CreateTokenBody, request.principal),
            ),
          ),
        },
      },
      schema: {
        tags,
        summary: 'Create an API token or SDK key; the secret is in this response only',
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 256 },
            kind: { type: 'string', enum: ['api', 'sdk'], default: 'api' },
            role: { type: 'string', enum: [...Roles] },
            projects: scopeList,
            environments: scopeList,
          },
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const resolved = resolveNewToken(body, request.principal);
      const kind = resolved.kind;
      if (
        kind === 'sdk' &&
        (body.environments?.length !== 1 || body.environments[0] === ANY_SCOPE)
      ) {
        throw createError(
          'TRIPWIRE_ERR_BAD_REQUEST',
          'an SDK key reads exactly one environment: give "environments": ["<name>"]',
          { pointer: '/environments' },
        );
      }
      if (
        kind === 'sdk' &&
        (resolved.projects.length !== 1 || resolved.projects[0] === ANY_SCOPE)
      ) {
        throw createError('TRIPWIRE_ERR_BAD_REQUEST', 'an SDK key reads one project (not `*`)', {
          pointer: '/projects',
        });
      }
      if (kind === 'api' && body.role === undefined) {
        throw createError(
          'TRIPWIRE_ERR_BAD_REQUEST',
          `an API token needs a role (${Roles.join(', ')})`,
          {
            pointer: '/role',
          },
        );
      }
      const created = await tokens.create({
        name: body.name,
        ...resolved,
        actor: describeActor(request),
      });
      return reply.code(201).send({ ...created.token, secret: created.secret });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/tokens/:id',
    {
      config: {
        authorize: {
          action: 'tokens.manage',
          scope: loadedScope(`the token \`:id\`, ${withinCaller}`, async (request) => {
            const target = tokens.get((request.params as { id: string }).id);
            return target === undefined ? [] : requirementsOfToken(target);
          }),
        },
      },
      schema: {
        tags,
        summary: 'Revoke a token (it stays listed, revoked)',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
      },
    },
    async (request) => tokens.revoke({ id: request.params.id, actor: describeActor(request) }),
  );
};
