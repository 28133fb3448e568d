import type { FastifyInstance } from 'fastify';

/** OTLP routes whose rows feed the guardian's facts (spans → requests, logs → exposures). */
const GUARDED_ROUTES: ReadonlySet<string> = new Set(['/v1/traces', '/v1/logs']);

/**
 * Calls `onCommitted` after every OTLP traces or logs request the receiver answered 200: the
 * receiver acknowledges only after ClickHouse committed the rows (and, with them, the
 * materialized views the guardian reads). Add before the receiver's routes are registered.
 * Telemetry written straight into ClickHouse by a collector is not seen here; the guardian's
 * interval still bounds how late it is checked.
 */
export function watchCommittedTelemetry(otlp: FastifyInstance, onCommitted: () => void): void {
  otlp.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 200 && GUARDED_ROUTES.has(request.routeOptions.url ?? '')) {
      onCommitted();
    }
  });
}
