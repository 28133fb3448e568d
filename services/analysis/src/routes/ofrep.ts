import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { DeliveryPluginOptions } from '../delivery/delivery-plugin-options.js';
import type { OfrepItem } from '../delivery/ofrep-evaluation.js';
import {
  CompiledConfigCache,
  checkContext,
  formatBulkEtag,
  statusOf,
  toOfrepItem,
} from '../delivery/ofrep-evaluation.js';
import { openEventStream } from '../delivery/event-stream.js';
import { resolveChannel } from '../delivery/sdk-channel.js';
import { matchesEtag } from './sdk-config.js';
import { sdkConfigRead } from '../control-plane/route-scopes.js';

/** Where bulk responses point OFREP clients for change events (ADR-0008). */
export const OFREP_EVENTS_PATH = '/ofrep/v1/events';

const requestBody = {
  type: 'object',
  required: ['context'],
  properties: {
    context: {
      type: 'object',
      properties: { targetingKey: { type: 'string' } },
      additionalProperties: true,
    },
  },
} as const;

/**
 * OFREP (OpenFeature Remote Evaluation Protocol, v0.3.0): server-side evaluation of the SDK
 * key's environment with the SDK's own pure core, so remote and local evaluation agree.
 */
export const ofrepRoutes: FastifyPluginAsync<DeliveryPluginOptions> = async (app, { hub }) => {
  const compiled = new CompiledConfigCache();
  const tags = ['ofrep'];

  const evaluate = (request: FastifyRequest) => {
    const channel = resolveChannel(request);
    const cached = hub.snapshot(channel);
    const config = compiled.get(`${channel.project}\u0000${channel.environment}`, cached.snapshot);
    const metadata = { environment: channel.environment, flagSetId: channel.project };
    return { cached, config, metadata };
  };

  app.post<{ Params: { key: string } }>(
    '/ofrep/v1/evaluate/flags/:key',
    {
      config: { authorize: sdkConfigRead },
      attachValidation: true,
      schema: {
        tags,
        summary: 'OFREP: evaluate one flag for a context',
        params: { type: 'object', required: ['key'], properties: { key: { type: 'string' } } },
        body: requestBody,
      },
    },
    async (request, reply) => {
      const key = request.params.key;
      const checked = checkContext(request.body);
      if ('error' in checked) {
        return sendItem(reply, { key, errorCode: 'INVALID_CONTEXT', errorDetails: checked.error });
      }
      const { config, metadata } = evaluate(request);
      return sendItem(reply, toOfrepItem(key, config.resolve(key, checked.context), metadata));
    },
  );

  app.post(
    '/ofrep/v1/evaluate/flags',
    {
      config: { authorize: sdkConfigRead },
      attachValidation: true,
      schema: {
        tags,
        summary: 'OFREP: evaluate every flag for a static context (ETag / If-None-Match → 304)',
        body: requestBody,
      },
    },
    async (request, reply) => {
      const checked = checkContext(request.body);
      if ('error' in checked) {
        return reply.code(400).send({ errorCode: 'INVALID_CONTEXT', errorDetails: checked.error });
      }
      const { cached, config, metadata } = evaluate(request);
      const etag = formatBulkEtag(cached.etag, checked.context);
      void reply.header('etag', etag);
      if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send();
      const flags = config
        .listFlagKeys()
        .map((key) => toOfrepItem(key, config.resolve(key, checked.context), metadata));
      return reply.send({
        flags,
        metadata: { ...metadata, version: cached.version },
        eventStreams: [
          { type: 'sse', endpoint: { requestUri: OFREP_EVENTS_PATH }, inactivityDelaySec: 120 },
        ],
      });
    },
  );

  app.get(
    OFREP_EVENTS_PATH,
    {
      config: { authorize: sdkConfigRead },
      schema: {
        tags,
        summary: 'OFREP event stream: a refetchEvaluation message whenever the config changes',
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const channel = resolveChannel(request);
      const unwatch = hub.watch(channel, openEventStream(reply));
      request.raw.once('close', unwatch);
    },
  );
};

function sendItem(reply: FastifyReply, item: OfrepItem): FastifyReply {
  return reply.code(statusOf(item)).send(item);
}
