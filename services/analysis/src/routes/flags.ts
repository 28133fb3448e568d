import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { FLAG_KEY_PATTERN } from '@tripwire/schema';
import type { Flag } from '@tripwire/schema';
import type { ContextPluginOptions } from '../context.js';
import { canSee, describeActor } from '../control-plane/auth.js';
import { checkNamedMetrics } from '../control-plane/check-named-metrics.js';
import { diffDocuments } from '../control-plane/document-diff.js';
import { describeFlag, withPointerPrefix } from '../control-plane/flag-resource.js';
import type { FlagStore } from '../control-plane/flag-store.js';
import {
  filteredScope,
  flagScope,
  newFlagScope,
  projectRequirement,
  rollbackScope,
} from '../control-plane/route-scopes.js';
import { createMetricStore } from '../control-plane/metric-store.js';
import { createError } from '../errors.js';
import { SchemaRefs } from './openapi.js';

const key = { type: 'string', pattern: FLAG_KEY_PATTERN } as const;
const reason = { type: 'string', maxLength: 4096 } as const;
const version = { type: 'integer', minimum: 0 } as const;
const flagDocument = {
  type: 'object',
  description:
    'a Flag document (https://tripwire.dev/schema/v1/flag.json); `version` is set by the service',
} as const;
const keyParams = { type: 'object', required: ['key'], properties: { key } } as const;
const environmentBody = {
  type: 'object',
  required: ['environment', 'reason'],
  additionalProperties: false,
  properties: { environment: key, reason: { ...reason, minLength: 1 }, expectedVersion: version },
} as const;

const killMarker = {
  type: 'object',
  properties: {
    environment: { type: 'string' },
    version: { type: 'integer' },
    actor: { type: 'string' },
    reason: { type: 'string' },
    killedAt: { type: 'string', format: 'date-time' },
    previous: {
      type: 'object',
      properties: { enabled: { type: 'boolean' }, offVariant: { type: 'string' } },
    },
  },
} as const;
/** Response schema of every route answering one flag: `{ project, flag, kills }`. */
const flagResource = {
  type: 'object',
  required: ['project', 'flag', 'kills'],
  properties: {
    project: { type: 'string' },
    flag: { $ref: SchemaRefs.flag },
    kills: { type: 'array', items: killMarker },
  },
} as const;
const oneFlag = { 200: flagResource } as const;

interface KeyParams {
  key: string;
}
interface EnvironmentBody {
  environment: string;
  reason: string;
  expectedVersion?: number;
}

/** The flag admin API: CRUD, per-environment on/off, kill/restore, archive, history, rollback. */
export const flagRoutes: FastifyPluginAsync<ContextPluginOptions> = async (app, { context }) => {
  const store = context.flags;
  const catalog = createMetricStore(context);
  const tags = ['flags'];
  const read = { action: 'flags.read', scope: flagScope(store, 'none') } as const;
  const write = (environment: 'params' | 'body' | 'all' | 'changed') =>
    ({ action: 'flags.write', scope: flagScope(store, environment) }) as const;

  app.get<{ Querystring: { project?: string; archived?: boolean } }>(
    '/api/v1/flags',
    {
      config: {
        authorize: { action: 'flags.read', scope: filteredScope("flags of the token's projects") },
      },
      schema: {
        tags,
        summary: 'List flags the token may see',
        response: {
          200: {
            type: 'object',
            properties: {
              version: { type: 'integer' },
              flags: { type: 'array', items: flagResource },
            },
          },
        },
        querystring: {
          type: 'object',
          properties: { project: key, archived: { type: 'boolean', default: false } },
        },
      },
    },
    async (request) => {
      const { project, archived } = request.query;
      const flags = store
        .list()
        .filter((flag) => archived === true || flag.archived !== true)
        .filter((flag) => project === undefined || store.projectOf(flag.key) === project)
        .filter((flag) => canSee(request, projectRequirement(store, flag.key)))
        .map((flag) => describeFlag(store, flag));
      return { version: store.version(), flags };
    },
  );

  app.post<{ Body: { flag: Flag; project?: string; reason?: string } }>(
    '/api/v1/flags',
    {
      config: { authorize: { action: 'flags.write', scope: newFlagScope } },
      schema: {
        tags,
        summary: 'Create a flag (version 1)',
        response: { 201: flagResource },
        body: {
          type: 'object',
          required: ['flag'],
          additionalProperties: false,
          properties: { flag: flagDocument, project: key, reason },
        },
      },
    },
    async (request, reply) => {
      const project = request.body.project ?? 'default';
      const flag = fillCreateDefaults(request.body.flag);
      await checkNamedMetrics(catalog, flag, '/flag');
      const created = await withPointerPrefix('/flag', () =>
        store.create({ flag, project, ...author(request, request.body.reason) }),
      );
      return reply.code(201).send(describeFlag(store, created));
    },
  );

  app.get<{ Params: KeyParams }>(
    '/api/v1/flags/:key',
    {
      config: { authorize: read },
      schema: { tags, summary: 'Read a flag', params: keyParams, response: oneFlag },
    },
    async (request) => describeFlag(store, readFlag(store, request)),
  );

  app.put<{ Params: KeyParams; Body: { flag: Flag; expectedVersion: number; reason?: string } }>(
    '/api/v1/flags/:key',
    {
      config: { authorize: write('changed') },
      schema: {
        tags,
        summary: 'Replace a flag document (409 unless expectedVersion is current)',
        response: oneFlag,
        params: keyParams,
        body: {
          type: 'object',
          required: ['flag', 'expectedVersion'],
          additionalProperties: false,
          properties: { flag: flagDocument, expectedVersion: version, reason },
        },
      },
    },
    async (request) => {
      const current = readFlag(store, request);
      const next = { ...request.body.flag, version: current.version };
      await checkNamedMetrics(catalog, next, '/flag');
      const flag = await withPointerPrefix('/flag', () =>
        store.update({
          key: current.key,
          flag: next,
          expectedVersion: request.body.expectedVersion,
          ...author(request, request.body.reason),
        }),
      );
      return describeFlag(store, flag);
    },
  );

  app.post<{
    Params: KeyParams & { environment: string };
    Body: { enabled: boolean; expectedVersion?: number; reason?: string };
  }>(
    '/api/v1/flags/:key/environments/:environment',
    {
      config: { authorize: write('params') },
      schema: {
        tags,
        summary: 'Turn a flag on or off in one environment',
        response: oneFlag,
        params: {
          type: 'object',
          required: ['key', 'environment'],
          properties: { key, environment: key },
        },
        body: {
          type: 'object',
          required: ['enabled'],
          additionalProperties: false,
          properties: { enabled: { type: 'boolean' }, expectedVersion: version, reason },
        },
      },
    },
    async (request) => {
      const current = readFlag(store, request);
      const { environment } = request.params;
      const flag = await store.setEnabled({
        key: current.key,
        environment,
        enabled: request.body.enabled,
        ...optionalVersion(request.body.expectedVersion),
        ...author(request, request.body.reason),
      });
      return describeFlag(store, flag);
    },
  );

  for (const action of ['kill', 'restore'] as const) {
    app.post<{ Params: KeyParams; Body: EnvironmentBody }>(
      `/api/v1/flags/:key/${action}`,
      {
        config: { authorize: write('body') },
        schema: {
          tags,
          summary:
            action === 'kill'
              ? 'Kill: serve defaultVariant (the control) to everyone in the environment'
              : 'Restore: undo the environment’s kill',
          response: oneFlag,
          params: keyParams,
          body: environmentBody,
        },
      },
      async (request) => {
        const current = readFlag(store, request);
        const { environment, expectedVersion } = request.body;
        const input = {
          key: current.key,
          environment,
          ...optionalVersion(expectedVersion),
          ...author(request, request.body.reason),
        };
        const flag = action === 'kill' ? await store.kill(input) : await store.restore(input);
        return describeFlag(store, flag);
      },
    );
  }

  app.post<{
    Params: KeyParams;
    Body: { archived?: boolean; expectedVersion?: number; reason?: string };
  }>(
    '/api/v1/flags/:key/archive',
    {
      config: { authorize: write('all') },
      schema: {
        tags,
        summary: 'Archive (or with archived:false unarchive) a flag; SDKs stop receiving it',
        response: oneFlag,
        params: keyParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            archived: { type: 'boolean', default: true },
            expectedVersion: version,
            reason,
          },
        },
      },
    },
    async (request) => {
      const current = readFlag(store, request);
      const flag = await store.archive({
        key: current.key,
        archived: request.body.archived ?? true,
        ...optionalVersion(request.body.expectedVersion),
        ...author(request, request.body.reason),
      });
      return describeFlag(store, flag);
    },
  );

  app.post<{
    Params: KeyParams;
    Body: { toVersion: number; expectedVersion: number; reason?: string };
  }>(
    '/api/v1/flags/:key/rollback',
    {
      config: { authorize: { action: 'flags.write', scope: rollbackScope(store) } },
      schema: {
        tags,
        summary: 'Roll back: a new version whose document equals an earlier one',
        response: oneFlag,
        params: keyParams,
        body: {
          type: 'object',
          required: ['toVersion', 'expectedVersion'],
          additionalProperties: false,
          properties: {
            toVersion: { type: 'integer', minimum: 1 },
            expectedVersion: version,
            reason,
          },
        },
      },
    },
    async (request) => {
      const current = readFlag(store, request);
      const flag = await withPointerPrefix('', () =>
        store.rollback({
          key: current.key,
          toVersion: request.body.toVersion,
          expectedVersion: request.body.expectedVersion,
          ...author(request, request.body.reason),
        }),
      );
      return describeFlag(store, flag);
    },
  );

  app.get<{ Params: KeyParams }>(
    '/api/v1/flags/:key/history',
    {
      config: { authorize: read },
      schema: {
        tags,
        summary: 'Every version, oldest first, with the diff from the previous version',
        params: keyParams,
      },
    },
    async (request) => {
      const current = readFlag(store, request);
      const entries = await store.history(current.key);
      return {
        key: current.key,
        entries: entries.map((entry, index) => ({
          ...entry,
          diff: diffDocuments(entries[index - 1]?.document, entry.document),
        })),
      };
    },
  );
};

/** The flag named in the path (its scope was checked by the route's `authorize`). */
function readFlag(store: FlagStore, request: FastifyRequest<{ Params: KeyParams }>): Flag {
  const flag = store.get(request.params.key);
  if (flag === undefined) {
    throw createError('TRIPWIRE_ERR_NOT_FOUND', `no flag "${request.params.key}"`, {
      pointer: '/key',
    });
  }
  return flag;
}

function author(request: FastifyRequest, reason: string | undefined) {
  return { actor: describeActor(request), reason: reason ?? '' };
}

function optionalVersion(expectedVersion: number | undefined): { expectedVersion?: number } {
  return expectedVersion === undefined ? {} : { expectedVersion };
}

/** Lets a create omit what the service can fill: version, salt (= key), metadata.createdAt. */
function fillCreateDefaults(flag: Flag): Flag {
  const metadata: unknown = flag.metadata;
  const isObject = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata);
  return {
    ...flag,
    version: 0,
    salt: flag.salt ?? flag.key,
    // Anything but an object is left as is, for validation to report where it is wrong.
    metadata: isObject
      ? { ...flag.metadata, createdAt: flag.metadata.createdAt ?? new Date().toISOString() }
      : flag.metadata,
  };
}
