import type { FastifyPluginAsync } from 'fastify';
import type { ContextPluginOptions } from '../context.js';

/** `/healthz`: the process is up. `/readyz`: storage answers and every feature is ready. */
export const healthRoutes: FastifyPluginAsync<ContextPluginOptions> = async (app, { context }) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
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
