import type { FastifyPluginAsync } from 'fastify';
import { FLAG_KEY_PATTERN } from '@tripwire/schema';
import type { ContextPluginOptions } from '../context.js';
import { describeActor } from '../control-plane/auth.js';
import type { Role, TokenKind } from '../control-plane/token-store.js';
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

/** Token administration (admin only); `GET /api/v1/tokens/self` lets any token see itself. */
export const tokenRoutes: FastifyPluginAsync<ContextPluginOptions> = async (app, { context }) => {
  const tokens = context.tokens;
  const tags = ['tokens'];

  app.get(
    '/api/v1/tokens',
    { config: { role: 'admin' }, schema: { tags, summary: 'List tokens (never their secrets)' } },
    async () => ({ tokens: tokens.list() }),
  );

  app.get(
    '/api/v1/tokens/self',
    { config: { role: 'viewer' }, schema: { tags, summary: 'The token making this request' } },
    async (request) => request.principal,
  );

  app.post<{ Body: CreateTokenBody }>(
    '/api/v1/tokens',
    {
      config: { role: 'admin' },
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
      const kind = body.kind ?? 'api';
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
      if (kind === 'sdk' && body.projects !== undefined && body.projects.length !== 1) {
        throw createError('TRIPWIRE_ERR_BAD_REQUEST', 'an SDK key reads one project', {
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
        kind,
        role: kind === 'sdk' ? 'viewer' : body.role!,
        projects: body.projects ?? (kind === 'sdk' ? ['default'] : [ANY_SCOPE]),
        environments: body.environments ?? [ANY_SCOPE],
        actor: describeActor(request),
      });
      return reply.code(201).send({ ...created.token, secret: created.secret });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/tokens/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Revoke a token (it stays listed, revoked)',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
      },
    },
    async (request) => tokens.revoke({ id: request.params.id, actor: describeActor(request) }),
  );
};
