import type { FastifyInstance } from 'fastify';

/** OTLP routes whose rows feed the analysis facts (spans → requests, logs → exposures). */
const FACT_ROUTES: ReadonlySet<string> = new Set(['/v1/traces', '/v1/logs']);

/**
 * Calls `onCommitted` after every OTLP traces or logs request the receiver answered 200: the
 * receiver acknowledges only after ClickHouse committed the rows (and, with them, the
 * materialized views the analysis reads). Add before the receiver's routes are registered. Used
 * by the guardian (early re-checks) and the results snapshots (refresh after new data).
 * Telemetry written straight into ClickHouse by a collector is not seen here; their intervals
 * still bound how late it is noticed.
 */
export function watchCommittedTelemetry(otlp: FastifyInstance, onCommitted: () => void): void {
  otlp.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 200 && FACT_ROUTES.has(request.routeOptions.url ?? '')) {
      onCommitted();
    }
  });
}
