import type { FastifyPluginAsync } from 'fastify';
import { FLAG_KEY_PATTERN } from '@tripwire/schema';
import type { Segment } from '@tripwire/schema';
import type { ContextPluginOptions } from '../context.js';
import { describeActor } from '../control-plane/auth.js';
import { diffDocuments } from '../control-plane/document-diff.js';
import { withPointerPrefix } from '../control-plane/flag-resource.js';
import { allProjectsScope, sharedScope } from '../control-plane/route-scopes.js';
import { createError } from '../errors.js';
import { SchemaRefs } from './openapi.js';

const keyParams = {
  type: 'object',
  required: ['key'],
  properties: { key: { type: 'string', pattern: FLAG_KEY_PATTERN } },
} as const;

/** Segments (reusable audiences): list, read, create or replace, history. Shared by all projects. */
export const segmentRoutes: FastifyPluginAsync<ContextPluginOptions> = async (app, { context }) => {
  const store = context.flags;
  const tags = ['segments'];
  const read = { authorize: { action: 'segments.read', scope: sharedScope } } as const;
  const readSegment = (key: string): Segment => {
    const segment = store.getSegment(key);
    if (segment === undefined) throw createError('TRIPWIRE_ERR_NOT_FOUND', `no segment "${key}"`);
    return segment;
  };

  app.get(
    '/api/v1/segments',
    {
      config: read,
      schema: {
        tags,
        summary: 'List segments',
        response: {
          200: {
            type: 'object',
            properties: { segments: { type: 'array', items: { $ref: SchemaRefs.segment } } },
          },
        },
      },
    },
    async () => ({ segments: store.listSegments() }),
  );

  app.get<{ Params: { key: string } }>(
    '/api/v1/segments/:key',
    {
      config: read,
      schema: {
        tags,
        summary: 'Read a segment',
        params: keyParams,
        response: { 200: { $ref: SchemaRefs.segment } },
      },
    },
    async (request) => readSegment(request.params.key),
  );

  app.put<{
    Params: { key: string };
    Body: { segment: Segment; expectedVersion?: number; reason?: string };
  }>(
    '/api/v1/segments/:key',
    {
      config: { authorize: { action: 'segments.write', scope: allProjectsScope } },
      schema: {
        tags,
        summary: 'Create (expectedVersion 0 or absent) or replace a segment',
        response: { 200: { $ref: SchemaRefs.segment } },
        params: keyParams,
        body: {
          type: 'object',
          required: ['segment'],
          additionalProperties: false,
          properties: {
            segment: {
              type: 'object',
              description: 'a Segment (https://tripwire.dev/schema/v1/segment.json)',
            },
            expectedVersion: { type: 'integer', minimum: 0 },
            reason: { type: 'string', maxLength: 4096 },
          },
        },
      },
    },
    async (request) => {
      const { key } = request.params;
      const body = request.body;
      if (body.segment.key !== key) {
        throw createError(
          'TRIPWIRE_ERR_BAD_REQUEST',
          `body key "${String(body.segment.key)}" does not match the segment "${key}" in the path`,
          { pointer: '/segment/key' },
        );
      }
      return withPointerPrefix('/segment', () =>
        store.putSegment({
          segment: { ...body.segment, version: 0 },
          actor: describeActor(request),
          reason: body.reason ?? '',
          ...(body.expectedVersion === undefined ? {} : { expectedVersion: body.expectedVersion }),
        }),
      );
    },
  );

  app.get<{ Params: { key: string } }>(
    '/api/v1/segments/:key/history',
    {
      config: read,
      schema: { tags, summary: 'Every version of a segment with diffs', params: keyParams },
    },
    async (request) => {
      const entries = await store.segmentHistory(readSegment(request.params.key).key);
      return {
        key: request.params.key,
        entries: entries.map((entry, index) => ({
          ...entry,
          diff: diffDocuments(entries[index - 1]?.document, entry.document),
        })),
      };
    },
  );
};
