import type { FastifyPluginAsync } from 'fastify';
import type { ContextPluginOptions } from '../context.js';
import { DeliveryHub } from '../delivery/delivery-hub.js';
import { flagRoutes } from '../routes/flags.js';
import { metricRoutes } from '../routes/metrics.js';
import { ofrepRoutes } from '../routes/ofrep.js';
import { sdkConfigRoutes } from '../routes/sdk-config.js';
import { sdkStreamRoutes } from '../routes/sdk-stream.js';
import { segmentRoutes } from '../routes/segments.js';
import { staleRoutes } from '../routes/stale.js';
import { tokenRoutes } from '../routes/tokens.js';

/**
 * Every control-plane route: admin API (flags, segments, metrics, tokens, stale), SDK delivery (config, SSE), OFREP. One
 * delivery hub is shared by the SDK routes; open streams end when the app closes.
 */
export const controlPlaneRoutes: FastifyPluginAsync<ContextPluginOptions> = async (
  app,
  { context },
) => {
  const hub = new DeliveryHub({ store: context.flags });
  app.addHook('preClose', async () => hub.close());
  await app.register(flagRoutes, { context });
  await app.register(segmentRoutes, { context });
  await app.register(metricRoutes, { context });
  await app.register(tokenRoutes, { context });
  await app.register(staleRoutes, { context });
  await app.register(sdkConfigRoutes, { context, hub });
  await app.register(sdkStreamRoutes, { context, hub });
  await app.register(ofrepRoutes, { context, hub });
};
