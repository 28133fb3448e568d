import type { FastifyPluginAsync } from 'fastify';
import { FLAG_KEY_PATTERN } from '@tripwire/schema';
import { DEFAULT_CONVERSION_WINDOW_SECONDS } from '../analysis/fetch-conversion-stats.js';
import { computeResults } from '../analysis/compute-results.js';
import { fetchResultsData } from '../analysis/fetch-results-data.js';
import {
  ResultsQuerySchema,
  ResultsResponseSchema,
  type ResultsQuery,
  type ResultsResponse,
} from '../analysis/results-schema.js';
import type { ContextPluginOptions } from '../context.js';
import { assertScope } from '../control-plane/auth.js';
import { createError } from '../errors.js';

const DEFAULT_ALPHA = 0.05;

/**
 * `GET /api/v1/experiments/:key/results` and `GET /api/v1/flags/:key/results` (the same answer
 * for any flag, e.g. a percentage rollout): per-variant metrics against the control (the flag's
 * `defaultVariant`), SRM, cumulative series and breakdowns. Viewer role.
 */
export const resultsRoutes: FastifyPluginAsync<ContextPluginOptions> = async (app, { context }) => {
  const schema = {
    tags: ['results'],
    params: {
      type: 'object',
      required: ['key'],
      properties: { key: { type: 'string', pattern: FLAG_KEY_PATTERN } },
    },
    querystring: ResultsQuerySchema,
    response: { 200: ResultsResponseSchema },
  };
  const handler = async (request: {
    params: { key: string };
    query: ResultsQuery;
  }): Promise<ResultsResponse> => {
    const { key } = request.params;
    const { environment } = request.query;
    const flag = context.flags.get(key);
    if (flag === undefined) {
      throw createError('TRIPWIRE_ERR_NOT_FOUND', `no flag "${key}"`, { pointer: '/params/key' });
    }
    assertScope(request as Parameters<typeof assertScope>[0], {
      project: context.flags.projectOf(key),
      environment,
    });
    if (environment !== undefined && flag.environments[environment] === undefined) {
      throw createError(
        'TRIPWIRE_ERR_NOT_FOUND',
        `flag "${key}" has no environment "${environment}"`,
        { pointer: '/querystring/environment' },
      );
    }
    const conversionWindowSeconds =
      request.query.conversionWindowSeconds ?? DEFAULT_CONVERSION_WINDOW_SECONDS;
    const data = await fetchResultsData(context, {
      flagKey: key,
      environment,
      conversionWindowSeconds,
    });
    return computeResults({
      flag,
      environment,
      alpha: request.query.alpha ?? DEFAULT_ALPHA,
      conversionWindowSeconds,
      now: new Date(),
      data,
    });
  };
  for (const path of ['/api/v1/experiments/:key/results', '/api/v1/flags/:key/results']) {
    app.get<{ Params: { key: string }; Querystring: ResultsQuery }>(
      path,
      {
        config: { role: 'viewer' },
        schema: { ...schema, summary: 'Per-variant results of a flag or experiment' },
      },
      handler,
    );
  }
};
