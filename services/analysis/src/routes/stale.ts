import type { FastifyPluginAsync } from 'fastify';
import type { ContextPluginOptions } from '../context.js';
import { canSee } from '../control-plane/auth.js';
import { filteredScope, projectRequirement } from '../control-plane/route-scopes.js';
import { DEFAULT_STALE_POLICY } from '../control-plane/stale-flags.js';
import { buildStaleReport } from '../control-plane/stale-report.js';

interface StaleQuery {
  unusedDays?: number;
  singleVariantDays?: number;
}

/** `GET /api/v1/stale`: flags to clean up (unused, one variant for everyone, expired, past sunset). */
export const staleRoutes: FastifyPluginAsync<ContextPluginOptions> = async (app, { context }) => {
  app.get<{ Querystring: StaleQuery }>(
    '/api/v1/stale',
    {
      config: {
        authorize: { action: 'flags.read', scope: filteredScope("flags of the token's projects") },
      },
      schema: {
        tags: ['flags'],
        summary: 'Stale flags with owner, age and reasons',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            unusedDays: { type: 'integer', minimum: 1, maximum: 3650 },
            singleVariantDays: { type: 'integer', minimum: 1, maximum: 3650 },
          },
        },
      },
    },
    async (request) => {
      const report = await buildStaleReport({
        store: context.flags,
        client: context.clickhouse,
        tables: context.tables,
        now: new Date(),
        policy: {
          ...DEFAULT_STALE_POLICY,
          unusedDays: request.query.unusedDays ?? DEFAULT_STALE_POLICY.unusedDays,
          singleVariantDays:
            request.query.singleVariantDays ?? DEFAULT_STALE_POLICY.singleVariantDays,
        },
      });
      const visible = report.flags.filter((flag) =>
        canSee(request, projectRequirement(context.flags, flag.key)),
      );
      return { ...report, flags: visible };
    },
  );
};
