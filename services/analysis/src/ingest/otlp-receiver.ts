import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { createError, TripwireHttpError } from '../errors.js';
import { BatchQueue } from './batch-queue.js';
import { InflightBudget } from './inflight-budget.js';
import { decodeContent, readEncoding, responseEncoding, type OtlpEncoding } from './otlp-body.js';
import { OtlpMessages } from './otlp-descriptor.js';
import { createRowInserter, decodeOtlpRequest, OTLP_SIGNALS, type Signal } from './otlp-request.js';

/** google.rpc.Code for each HTTP status we answer OTLP errors with. */
const RPC_CODES: Record<number, number> = { 400: 3, 413: 3, 415: 3, 429: 8, 500: 13, 503: 14 };

/** What the receiver uses of the app's context (so it can also run alone, as the ingest bench does). */
export interface OtlpReceiverOptions {
  context: Pick<AppContext, 'config' | 'clickhouse' | 'tables' | 'readiness'>;
}

/**
 * The OTLP/HTTP receiver: `POST /v1/traces`, `/v1/metrics`, `/v1/logs` in protobuf or JSON,
 * optionally gzip-compressed. Rows go through a bounded batching queue; a request is answered
 * 200 only after its rows are committed. Errors are `google.rpc.Status` bodies in the request's
 * encoding. On close, everything accepted is flushed before storage closes.
 */
export const otlpReceiver: FastifyPluginAsync<OtlpReceiverOptions> = async (app, { context }) => {
  const { ingest } = context.config;
  const queue = new BatchQueue({
    insert: createRowInserter(context.clickhouse, context.tables),
    batchRows: ingest.batchRows,
    flushIntervalMs: ingest.flushIntervalMs,
    maxQueueRows: ingest.maxQueueRows,
  });
  context.readiness.set('ingest', () => !queue.isFull);
  app.addHook('onClose', async () => {
    await queue.close();
  });
  const held = holdBodies(app, ingest);

  // Bodies are read raw whatever their type; the handler decides (415 for non-OTLP types).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });
  app.setErrorHandler(replyWithStatus);

  for (const signal of Object.values(OTLP_SIGNALS)) {
    app.post(signal.path, async (request, reply) => {
      const encoding = readEncoding(request.headers['content-type']);
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const body = await decodeContent(
        raw,
        request.headers['content-encoding'],
        ingest.maxBodyBytes,
      );
      held.grow(request, body.length);
      const mapped = decodeOtlpRequest(signal, encoding, body);
      await queue.enqueue(
        mapped.parts.map((part) => ({ ...part, table: context.tables[part.table] })),
      );
      return sendResponse(reply, signal, encoding, mapped);
    });
  }
};

/**
 * Charges each request's body to one `InflightBudget` from its first byte to its answer: the
 * declared Content-Length when the request arrives (the largest allowed body when none is
 * declared), grown to the decompressed size after gunzip.
 */
function holdBodies(
  app: Parameters<FastifyPluginAsync>[0],
  ingest: { maxBodyBytes: number; maxInflightBytes: number },
): { grow(request: FastifyRequest, bytes: number): void } {
  const budget = new InflightBudget(ingest.maxInflightBytes);
  const holding = new WeakMap<FastifyRequest, number>();
  const release = async (request: FastifyRequest): Promise<void> => {
    const bytes = holding.get(request);
    if (bytes === undefined) return;
    holding.delete(request);
    budget.release(bytes);
  };
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'POST') return;
    const declared = Number(request.headers['content-length']);
    const bytes = Math.min(
      Number.isFinite(declared) && declared >= 0 ? declared : ingest.maxBodyBytes,
      ingest.maxBodyBytes,
    );
    budget.reserve(bytes);
    holding.set(request, bytes);
  });
  app.addHook('onResponse', release);
  app.addHook('onRequestAbort', release);
  return {
    grow(request, bytes) {
      const current = holding.get(request) ?? 0;
      if (bytes <= current) return;
      budget.reserve(bytes - current, current);
      holding.set(request, bytes);
    },
  };
}

function sendResponse(
  reply: FastifyReply,
  signal: Signal,
  encoding: OtlpEncoding,
  mapped: { rejected: number; rejectReason: string },
): FastifyReply {
  const partial = mapped.rejected > 0;
  if (encoding === 'json') {
    const body = partial
      ? {
          partialSuccess: {
            [signal.counter]: String(mapped.rejected),
            errorMessage: mapped.rejectReason,
          },
        }
      : {};
    return reply.code(200).type('application/json').send(body);
  }
  const message = partial
    ? { partialSuccess: { rejected: mapped.rejected, errorMessage: mapped.rejectReason } }
    : {};
  const bytes = signal.response.encode(signal.response.fromObject(message)).finish();
  return reply.code(200).type('application/x-protobuf').send(Buffer.from(bytes));
}

/** Every OTLP error as `google.rpc.Status` (REFERENCE §2), with Retry-After when retryable. */
function replyWithStatus(
  error: FastifyError | TripwireHttpError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const known = error instanceof TripwireHttpError ? error : fromFastifyError(error);
  if (known.statusCode >= 500 && known.code !== 'TRIPWIRE_ERR_OVERLOADED') {
    request.log.error({ err: error }, known.message);
  }
  if (known.retryAfter !== undefined) void reply.header('retry-after', String(known.retryAfter));
  const status = {
    code: RPC_CODES[known.statusCode] ?? 2,
    message: `${known.code}: ${known.message}`,
  };
  void reply.code(known.statusCode);
  if (responseEncoding(request.headers['content-type']) === 'json') {
    return reply.type('application/json').send(status);
  }
  const bytes = OtlpMessages.status.encode(OtlpMessages.status.fromObject(status)).finish();
  return reply.type('application/x-protobuf').send(Buffer.from(bytes));
}

function fromFastifyError(error: FastifyError): TripwireHttpError {
  switch (error.statusCode) {
    case 413:
      return createError(
        'TRIPWIRE_ERR_PAYLOAD_TOO_LARGE',
        `body is larger than the limit: ${error.message}`,
      );
    case 415:
      return createError('TRIPWIRE_ERR_UNSUPPORTED_MEDIA_TYPE', error.message);
    case undefined:
      return createError('TRIPWIRE_ERR_INTERNAL', 'internal error', { cause: error });
    default:
      return error.statusCode < 500
        ? createError('TRIPWIRE_ERR_BAD_REQUEST', error.message)
        : createError('TRIPWIRE_ERR_INTERNAL', 'internal error', { cause: error });
  }
}
