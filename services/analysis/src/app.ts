import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { handleApiError } from './error-handler.js';
import { otlpReceiver } from './ingest/otlp-receiver.js';
import { flagSummaryRoutes } from './routes/flag-summary.js';
import { healthRoutes } from './routes/health.js';
import { webRoutes } from './routes/web.js';
import { describeClickHouse, openClickHouse } from './storage/clickhouse.js';
import { runMigrations } from './storage/migrations.js';

export interface TripwireApp {
  /** Admin API, SDK delivery, OFREP, results page: `config.apiPort`. */
  api: FastifyInstance;
  /** OTLP/HTTP receiver: `config.otlpPort` (4318 by default). */
  otlp: FastifyInstance;
  context: AppContext;
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
  });
  const log = api.log;
  const clickhouse = await openClickHouse(config.clickhouse);
  log.info(`storage: ${describeClickHouse(config.clickhouse)}`);
  const applied = await runMigrations(clickhouse, config.tables);
  if (applied.length > 0) log.info(`storage: applied migrations ${applied.join(', ')}`);

  const context: AppContext = {
    config,
    clickhouse,
    tables: config.tables,
    log,
    readiness: new Map(),
  };
  const otlp = Fastify({
    loggerInstance: log.child({ server: 'otlp' }),
    bodyLimit: config.ingest.maxBodyBytes,
    forceCloseConnections: 'idle',
  });

  api.setErrorHandler(handleApiError);
  await api.register(healthRoutes, { context });
  await api.register(flagSummaryRoutes, { context });
  await api.register(webRoutes, { context });

  otlp.setErrorHandler(handleApiError);
  await otlp.register(healthRoutes, { context });
  await otlp.register(otlpReceiver, { context });

  await Promise.all([api.ready(), otlp.ready()]);
  return {
    api,
    otlp,
    context,
    async close() {
      await otlp.close();
      await api.close();
      await clickhouse.close();
    },
  };
}
