import { buildApp, type TripwireApp } from './app.js';
import type { Config } from './config.js';

/** Builds the app, listens on both ports, and shuts down gracefully on SIGTERM/SIGINT. */
export async function startServer(config: Config): Promise<TripwireApp> {
  const app = await buildApp(config);
  await app.otlp.listen({ host: config.host, port: config.otlpPort });
  await app.api.listen({ host: config.host, port: config.apiPort });
  let closing: Promise<void> | undefined;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    app.context.log.info(`${signal}: flushing accepted telemetry and shutting down`);
    closing = app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.context.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  return app;
}

/** The address a listening fastify instance is bound to, as a URL. */
export function addressOf(app: TripwireApp['api']): string {
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('server is not listening');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
