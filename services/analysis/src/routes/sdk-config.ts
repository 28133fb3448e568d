import type { FastifyPluginAsync } from 'fastify';
import { SdkPaths } from '@tripwire/schema';
import type { DeliveryPluginOptions } from '../delivery/delivery-plugin-options.js';
import { resolveChannel } from '../delivery/sdk-channel.js';
import { SchemaRefs } from './openapi.js';
import { sdkConfigRead } from '../control-plane/route-scopes.js';

/** `GET /sdk/v1/config`: the SDK key's environment config, with ETag; `If-None-Match` → 304. */
export const sdkConfigRoutes: FastifyPluginAsync<DeliveryPluginOptions> = async (app, { hub }) => {
  app.get(
    SdkPaths.config,
    {
      config: { authorize: sdkConfigRead },
      schema: {
        tags: ['sdk'],
        summary: 'Config snapshot of the SDK key’s environment (ETag / If-None-Match → 304)',
        response: { 200: { $ref: SchemaRefs.configSnapshot }, 304: { type: 'null' } },
      },
    },
    async (request, reply) => {
      const cached = hub.snapshot(resolveChannel(request));
      void reply.header('etag', cached.etag).header('cache-control', 'no-cache');
      if (matchesEtag(request.headers['if-none-match'], cached.etag)) return reply.code(304).send();
      return reply.type('application/json').send(cached.body);
    },
  );
};

/** If-None-Match uses weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const strip = (tag: string): string => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag));
}
