import type { FastifyPluginAsync } from 'fastify';
import { METRIC_ID_PATTERN } from '@tripwire/schema';
import type { ContextPluginOptions } from '../context.js';
import { describeActor } from '../control-plane/auth.js';
import { withPointerPrefix } from '../control-plane/flag-resource.js';
import { allProjectsScope, sharedScope } from '../control-plane/route-scopes.js';
import { createMetricStore, type CatalogMetric } from '../control-plane/metric-store.js';
import { createError } from '../errors.js';
import { SchemaRefs } from './openapi.js';

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: METRIC_ID_PATTERN } },
} as const;

const catalogMetric = {
  type: 'object',
  required: ['definition', 'version', 'builtin', 'updatedAt', 'updatedBy'],
  properties: {
    definition: { $ref: SchemaRefs.metricDefinition },
    version: { type: 'integer', description: '0 for built-in metrics' },
    builtin: { type: 'boolean' },
    updatedAt: { type: ['string', 'null'] },
    updatedBy: { type: ['string', 'null'] },
  },
} as const;

const writeBody = (required: readonly string[]) =>
  ({
    type: 'object',
    required,
    additionalProperties: false,
    properties: {
      metric: {
        type: 'object',
        description: 'a MetricDefinition (https://tripwire.dev/schema/v1/metric-definition.json)',
      },
      expectedVersion: { type: 'integer', minimum: 1 },
      reason: { type: 'string', maxLength: 4096 },
    },
  }) as const;

/** The metric catalog: list, read, create, new version, history. Shared by all projects. */
export const metricRoutes: FastifyPluginAsync<ContextPluginOptions> = async (app, { context }) => {
  const store = createMetricStore(context);
  const tags = ['metrics'];
  const read = { authorize: { action: 'metrics.read', scope: sharedScope } } as const;
  const write = { authorize: { action: 'metrics.write', scope: allProjectsScope } } as const;
  const requireWriter = (): void => {
    if (context.config.controlPlane.role === 'reader')
      throw createError('TRIPWIRE_ERR_READ_ONLY', 'metric writes go to the writer replica');
  };
  const readMetric = async (id: string): Promise<CatalogMetric> => {
    const metric = await store.get(id);
    if (metric === undefined)
      throw createError('TRIPWIRE_ERR_NOT_FOUND', `no metric "${id}"`, { pointer: '/params/id' });
    return metric;
  };

  app.get(
    '/api/v1/metrics',
    {
      config: read,
      schema: {
        tags,
        summary: 'List metrics (built-in and defined)',
        response: {
          200: { type: 'object', properties: { metrics: { type: 'array', items: catalogMetric } } },
        },
      },
    },
    async () => ({ metrics: await store.list() }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/metrics/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Read a metric',
        params: idParams,
        response: { 200: catalogMetric },
      },
    },
    async (request) => readMetric(request.params.id),
  );

  app.post<{ Body: { metric: unknown; reason?: string } }>(
    '/api/v1/metrics',
    {
      config: write,
      schema: {
        tags,
        summary: 'Define a metric (version 1)',
        body: writeBody(['metric']),
        response: { 201: catalogMetric },
      },
    },
    async (request, reply) => {
      requireWriter();
      const created = await withPointerPrefix('/metric', () =>
        store.create({
          definition: request.body.metric,
          actor: describeActor(request),
          reason: request.body.reason ?? '',
        }),
      );
      return reply.code(201).send(created);
    },
  );

  app.put<{
    Params: { id: string };
    Body: { metric: { id?: unknown }; expectedVersion: number; reason?: string };
  }>(
    '/api/v1/metrics/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Write a new version of a metric (expectedVersion = the current one)',
        params: idParams,
        body: writeBody(['metric', 'expectedVersion']),
        response: { 200: catalogMetric },
      },
    },
    async (request) => {
      requireWriter();
      const { id } = request.params;
      if (request.body.metric.id !== id) {
        throw createError(
          'TRIPWIRE_ERR_BAD_REQUEST',
          `body id "${String(request.body.metric.id)}" does not match the metric "${id}" in the path`,
          { pointer: '/metric/id' },
        );
      }
      return withPointerPrefix('/metric', () =>
        store.update({
          definition: request.body.metric,
          expectedVersion: request.body.expectedVersion,
          actor: describeActor(request),
          reason: request.body.reason ?? '',
        }),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/metrics/:id/history',
    {
      config: read,
      schema: { tags, summary: 'Every version of a metric, oldest first', params: idParams },
    },
    async (request) => {
      const metric = await readMetric(request.params.id);
      return {
        id: request.params.id,
        entries: metric.builtin ? [] : await store.history(request.params.id),
      };
    },
  );
};
