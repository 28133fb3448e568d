import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { installAuthorization, type RouteAccess } from './control-plane/auth.js';
import { openControlPlane } from './control-plane/control-plane.js';
import { controlPlaneRoutes } from './control-plane/control-plane-routes.js';
import { createMetricChangeFeed } from './control-plane/metric-store.js';
import { handleApiError } from './error-handler.js';
import { installWellFormedInput } from './well-formed-input.js';
import { guardianPlugin } from './guardian/guardian-plugin.js';
import { metricRecordsPlugin } from './analysis/metric-records-plugin.js';
import { otlpReceiver } from './ingest/otlp-receiver.js';
import { flagSummaryRoutes } from './routes/flag-summary.js';
import { healthRoutes } from './routes/health.js';
import { registerOpenApi } from './routes/openapi.js';
import { resultsRoutes } from './routes/results.js';
import { webRoutes } from './routes/web.js';
import { describeClickHouse, openClickHouse } from './storage/clickhouse.js';
import { runMigrations } from './storage/migrations.js';

export interface TripwireApp {
  /** Admin API, SDK delivery, OFREP, results page: `config.apiPort`. */
  api: FastifyInstance;
  /** OTLP/HTTP receiver: `config.otlpPort` (4318 by default). */
  otlp: FastifyInstance;
  context: AppContext;
  /** Every API route with its authorization declaration (README table, route-walk test). */
  routes: RouteAccess[];
  /** Stops accepting telemetry, flushes what was accepted, then closes the API and storage. */
  close(): Promise<void>;
}

export interface BuildOptions {
  /** A pino logger or `false` (tests); defaults to a logger at `config.logLevel`. */
  logger?: FastifyBaseLogger | false;
}

/** Builds both HTTP apps on one storage connection. Plugins are registered explicitly, in order. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<TripwireApp> {
  const api = Fastify({
    ...(options.logger === undefined
      ? { logger: { level: config.logLevel } }
      : options.logger === false
        ? { logger: false }
        : { loggerInstance: options.logger }),
    forceCloseConnections: 'idle',
    // Unknown properties are a 400 with a pointer, not silently dropped (fastify's default).
    ajv: { customOptions: { removeAdditional: false } },
  });
  const log = api.log;
  const clickhouse = await openClickHouse(config.clickhouse);
  log.info(`storage: ${describeClickHouse(config.clickhouse)}`);
  const applied = await runMigrations(clickhouse, config.tables);
  if (applied.length > 0) log.info(`storage: applied migrations ${applied.join(', ')}`);

  const controlPlane = await openControlPlane({ config, clickhouse, log });

  const context: AppContext = {
    config,
    clickhouse,
    tables: config.tables,
    log,
    readiness: new Map(),
    flags: controlPlane.flags,
    tokens: controlPlane.tokens,
    metricChanges: createMetricChangeFeed(),
  };
  context.readiness.set('control-plane', () => controlPlane.isReady());
  const otlp = Fastify({
    loggerInstance: log.child({ server: 'otlp' }),
    bodyLimit: config.ingest.maxBodyBytes,
    forceCloseConnections: 'idle',
  });

  api.setErrorHandler(handleApiError);
  // Before any route: every route must declare its authorization; OpenAPI sees them all.
  const routes = installAuthorization(api, controlPlane.tokens);
  installWellFormedInput(api);
  await registerOpenApi(api);
  await api.register(healthRoutes, { context });
  await api.register(flagSummaryRoutes, { context });
  await api.register(controlPlaneRoutes, { context });
  await api.register(resultsRoutes, { context, telemetry: otlp });
  await api.register(webRoutes, { context });
  await api.register(guardianPlugin, { context, telemetry: otlp });
  await api.register(metricRecordsPlugin, { context });

  otlp.setErrorHandler(handleApiError);
  await otlp.register(healthRoutes, { context });
  await otlp.register(otlpReceiver, { context });

  await Promise.all([api.ready(), otlp.ready()]);
  return {
    api,
    otlp,
    context,
    routes,
    async close() {
      await otlp.close();
      await api.close();
      await controlPlane.close();
      await clickhouse.close();
    },
  };
}
