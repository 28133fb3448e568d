import type { FastifyPluginAsync } from 'fastify';
import { FLAG_KEY_PATTERN } from '@tripwire/schema';
import type { ContextPluginOptions } from '../context.js';
import { flagScope } from '../control-plane/route-scopes.js';
import { createError } from '../errors.js';
import {
  summarizeFlagSpans,
  SUMMARY_SPAN_KINDS,
  type SummarySpanKind,
} from '../repositories/span-summary.js';

const DAY_MS = 24 * 60 * 60 * 1000;

interface SummaryQuerystring {
  from?: string;
  to?: string;
  service?: string;
  kind?: SummarySpanKind;
}

const latencySchema = {
  type: 'object',
  required: ['mean', 'p50', 'p95', 'p99'],
  properties: {
    mean: { type: 'number' },
    p50: { type: 'number' },
    p95: { type: 'number' },
    p99: { type: 'number' },
  },
} as const;

const responseSchema = {
  type: 'object',
  required: ['flag', 'from', 'to', 'variants'],
  properties: {
    flag: { type: 'string' },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    variants: {
      type: 'array',
      items: {
        type: 'object',
        required: ['variant', 'spans', 'errors', 'errorRate', 'latencyMs'],
        properties: {
          variant: { type: 'string' },
          spans: { type: 'integer' },
          errors: { type: 'integer' },
          errorRate: { type: 'number' },
          latencyMs: latencySchema,
        },
      },
    },
  },
} as const;

/**
 * `GET /api/v1/flags/:key/summary`: per variant, span count, error rate and mean/p50/p95/p99
 * latency of the spans attributed to the flag, computed in ClickHouse. Window: `from`/`to`
 * (RFC 3339; default the last 24 hours); optional `service` and span `kind` filters.
 */
export const flagSummaryRoutes: FastifyPluginAsync<ContextPluginOptions> = async (
  app,
  { context },
) => {
  app.get<{ Params: { key: string }; Querystring: SummaryQuerystring }>(
    '/api/v1/flags/:key/summary',
    {
      config: { authorize: { action: 'results.read', scope: flagScope(context.flags, 'none') } },
      schema: {
        tags: ['results'],
        params: {
          type: 'object',
          required: ['key'],
          properties: { key: { type: 'string', pattern: FLAG_KEY_PATTERN } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
            service: { type: 'string', minLength: 1 },
            kind: { type: 'string', enum: Object.keys(SUMMARY_SPAN_KINDS) },
          },
        },
        response: { 200: responseSchema },
      },
    },
    async (request) => {
      const to = request.query.to === undefined ? new Date() : new Date(request.query.to);
      const from =
        request.query.from === undefined
          ? new Date(to.getTime() - DAY_MS)
          : new Date(request.query.from);
      if (!(from.getTime() < to.getTime())) {
        throw createError('TRIPWIRE_ERR_BAD_REQUEST', '`from` must be before `to`', {
          pointer: '/querystring/from',
        });
      }
      const variants = await summarizeFlagSpans(context.clickhouse, context.tables, {
        flagKey: request.params.key,
        from,
        to,
        ...(request.query.service === undefined ? {} : { service: request.query.service }),
        ...(request.query.kind === undefined ? {} : { kind: request.query.kind }),
      });
      return {
        flag: request.params.key,
        from: from.toISOString(),
        to: to.toISOString(),
        variants,
      };
    },
  );
};
