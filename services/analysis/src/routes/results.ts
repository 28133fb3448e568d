import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { FLAG_KEY_PATTERN } from '@tripwire/schema';
import { DEFAULT_CONVERSION_WINDOW_SECONDS } from '../repositories/stats-rows.js';
import { computeResults } from '../analysis/compute-results.js';
import {
  fetchScopeData,
  isCatalogCurrent,
  readCatalogVersions,
} from '../analysis/fetch-scope-data.js';
import { createResultsSnapshots, type ServedResults } from '../analysis/results-snapshots.js';
import { watchDefinitionChanges } from '../analysis/watch-definition-changes.js';
import {
  ResultsQuerySchema,
  ResultsResponseSchema,
  type ResultsQuery,
  type ResultsResponse,
} from '../analysis/results-schema.js';
import type { ContextPluginOptions } from '../context.js';
import { flagScope } from '../control-plane/route-scopes.js';
import { createError } from '../errors.js';
import { watchCommittedTelemetry } from '../ingest/watch-committed-telemetry.js';

const DEFAULT_ALPHA = 0.05;

export interface ResultsRouteOptions extends ContextPluginOptions {
  /** The OTLP receiver's app: its committed requests tell the snapshots that data changed. */
  telemetry?: FastifyInstance;
}

/**
 * `GET /api/v1/experiments/:key/results` and `GET /api/v1/flags/:key/results` (the same answer
 * for any flag, e.g. a percentage rollout): per-variant metrics against the control (the flag's
 * `defaultVariant`), SRM, cumulative series and breakdowns. Viewer role. The ClickHouse data,
 * the named catalog metrics and their series included (`fetchScopeData`), comes through the
 * results snapshots (`results-snapshots.ts`): live, or for experiments slow to compute a
 * background-refreshed snapshot computed with the catalog versions current now (recomputed at
 * once after a definition change, `watchDefinitionChanges`); `freshness` says which and how old.
 */
export const resultsRoutes: FastifyPluginAsync<ResultsRouteOptions> = async (
  app,
  { context, telemetry },
) => {
  const refreshSeconds = context.config.resultsRefreshSeconds;
  const snapshots = createResultsSnapshots({
    fetch: (scope) => fetchScopeData(context, { scope, flag: context.flags.get(scope.flagKey) }),
    refreshMs: refreshSeconds * 1000,
    ...(refreshSeconds === 0 ? { slowMs: Number.POSITIVE_INFINITY } : {}),
    log: context.log.child({ component: 'results-snapshots' }),
  });
  if (refreshSeconds > 0) {
    app.addHook('onReady', async () => snapshots.start());
    if (telemetry !== undefined) {
      watchCommittedTelemetry(telemetry, () => snapshots.notifyFreshTelemetry());
    }
    const stopWatching = watchDefinitionChanges(context, (flagKey) =>
      snapshots.notifyDefinitionChange(flagKey),
    );
    app.addHook('onClose', async () => stopWatching());
  }
  app.addHook('onClose', async () => snapshots.stop());
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
    if (environment !== undefined && flag.environments[environment] === undefined) {
      throw createError(
        'TRIPWIRE_ERR_NOT_FOUND',
        `flag "${key}" has no environment "${environment}"`,
        { pointer: '/querystring/environment' },
      );
    }
    const conversionWindowSeconds =
      request.query.conversionWindowSeconds ?? DEFAULT_CONVERSION_WINDOW_SECONDS;
    const { maxAgeSeconds } = request.query;
    const versions = await readCatalogVersions(context, flag);
    const served = await snapshots.read(
      { flagKey: key, environment, conversionWindowSeconds },
      {
        maxAgeMs: maxAgeSeconds === undefined ? undefined : maxAgeSeconds * 1000,
        isCurrent: (data) => isCatalogCurrent(data, versions),
      },
    );
    const { data } = served.snapshot;
    const now = new Date();
    return {
      ...computeResults({
        flag,
        environment,
        alpha: request.query.alpha ?? DEFAULT_ALPHA,
        conversionWindowSeconds,
        now,
        data,
        unknownMetrics: data.unknownMetrics,
      }),
      freshness: describeFreshness(served, now),
    };
  };
  for (const path of ['/api/v1/experiments/:key/results', '/api/v1/flags/:key/results']) {
    app.get<{ Params: { key: string }; Querystring: ResultsQuery }>(
      path,
      {
        config: { authorize: { action: 'results.read', scope: flagScope(context.flags, 'query') } },
        schema: { ...schema, summary: 'Per-variant results of a flag or experiment' },
      },
      handler,
    );
  }
};

function describeFreshness(
  served: ServedResults,
  now: Date,
): NonNullable<ResultsResponse['freshness']> {
  const { computedAt, durationMs } = served.snapshot;
  return {
    source: served.served,
    computedAt: new Date(computedAt).toISOString(),
    ageSeconds: Math.max(0, now.getTime() - computedAt) / 1000,
    computeSeconds: durationMs / 1000,
  };
}
