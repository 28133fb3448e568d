import type { FastifyPluginAsync } from 'fastify';
import type { ContextPluginOptions } from '../context.js';
import { noScope } from '../control-plane/route-scopes.js';

/** `/healthz`: the process is up. `/readyz`: storage answers and every feature is ready. */
export const healthRoutes: FastifyPluginAsync<ContextPluginOptions> = async (app, { context }) => {
  const config = { authorize: { action: 'public', scope: noScope } } as const;
  app.get('/healthz', { config }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config }, async (_request, reply) => {
    const checks: Record<string, boolean> = {};
    checks.clickhouse = (await context.clickhouse.ping()).success;
    for (const [name, check] of context.readiness) {
      try {
        checks[name] = await check();
      } catch {
        checks[name] = false;
      }
    }
    const ready = Object.values(checks).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
};
