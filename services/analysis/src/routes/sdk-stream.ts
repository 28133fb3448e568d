import type { FastifyPluginAsync } from 'fastify';
import { SdkPaths } from '@tripwire/schema';
import type { DeliveryPluginOptions } from '../delivery/delivery-plugin-options.js';
import { openEventStream } from '../delivery/event-stream.js';
import { resolveChannel } from '../delivery/sdk-channel.js';
import { sdkConfigRead } from '../control-plane/route-scopes.js';

/**
 * `GET /sdk/v1/stream`: Server-Sent Events. `put` (full snapshot) on connect, `patch` per
 * change, `id:` = config version, `: ping` heartbeats; `Last-Event-ID` resumes.
 */
export const sdkStreamRoutes: FastifyPluginAsync<DeliveryPluginOptions> = async (app, { hub }) => {
  app.get(
    SdkPaths.stream,
    {
      config: { authorize: sdkConfigRead },
      schema: {
        tags: ['sdk'],
        summary: 'SSE stream of the SDK key’s environment: put, then patches; heartbeats',
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const channel = resolveChannel(request);
      const lastEventId = request.headers['last-event-id'];
      const client = openEventStream(reply);
      const unsubscribe = hub.connect(
        channel,
        client,
        typeof lastEventId === 'string' ? lastEventId : undefined,
      );
      request.raw.once('close', unsubscribe);
    },
  );
};
