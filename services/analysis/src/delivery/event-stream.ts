import type { FastifyReply } from 'fastify';
import type { StreamClient } from './delivery-hub.js';

/**
 * Takes over the response as a Server-Sent Events stream (headers, no buffering by proxies,
 * a `retry` hint) and returns the client the hub writes to.
 */
export function openEventStream(reply: FastifyReply): StreamClient {
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.socket?.setNoDelay(true);
  raw.write('retry: 1000\n\n');
  return {
    write: (frame) => raw.write(frame),
    get bufferedBytes() {
      return raw.writableLength;
    },
    close: () => raw.end(),
  };
}
