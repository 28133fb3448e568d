import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { TripwireHttpError } from './errors.js';

/** Body of every API error: the code, what was wrong, and where (a JSON pointer). */
export interface ErrorBody {
  code: string;
  message: string;
  pointer?: string;
}

/** Maps thrown errors to `{ code, message, pointer? }`; schema failures become 400s with a pointer. */
export function handleApiError(
  error: FastifyError | TripwireHttpError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof TripwireHttpError) {
    if (error.retryAfter !== undefined) void reply.header('retry-after', String(error.retryAfter));
    const body: ErrorBody = { code: error.code, message: error.message };
    if (error.pointer !== undefined) body.pointer = error.pointer;
    if (error.statusCode >= 500) request.log.error({ err: error }, error.message);
    return reply.code(error.statusCode).send(body);
  }
  const validation = error.validation;
  if (validation && validation.length > 0) {
    const first = validation[0]!;
    const pointer = first.instancePath || '/';
    const where = error.validationContext ?? 'request';
    return reply.code(400).send({
      code: 'TRIPWIRE_ERR_BAD_REQUEST',
      message: `${where}${pointer === '/' ? '' : pointer} ${first.message ?? 'is invalid'}`,
      pointer,
    } satisfies ErrorBody);
  }
  const status = error.statusCode ?? 500;
  if (status >= 500) {
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({ code: 'TRIPWIRE_ERR_INTERNAL', message: 'internal error' });
  }
  return reply
    .code(status)
    .send({ code: 'TRIPWIRE_ERR_BAD_REQUEST', message: error.message } satisfies ErrorBody);
}
