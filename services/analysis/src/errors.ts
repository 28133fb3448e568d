/**
 * Every error code the service answers with, and its HTTP status. Each code is documented in
 * services/analysis/README.md ("Error codes"); a test fails when the two drift.
 */
export const ErrorCodes = {
  TRIPWIRE_ERR_BAD_REQUEST: 400,
  TRIPWIRE_ERR_UNAUTHORIZED: 401,
  TRIPWIRE_ERR_FORBIDDEN: 403,
  TRIPWIRE_ERR_NOT_FOUND: 404,
  TRIPWIRE_ERR_CONFLICT: 409,
  TRIPWIRE_ERR_PAYLOAD_TOO_LARGE: 413,
  TRIPWIRE_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  TRIPWIRE_ERR_THROTTLED: 429,
  TRIPWIRE_ERR_OVERLOADED: 503,
  TRIPWIRE_ERR_NOT_READY: 503,
  TRIPWIRE_ERR_READ_ONLY: 503,
  TRIPWIRE_ERR_STORAGE: 500,
  TRIPWIRE_ERR_STORAGE_UNAVAILABLE: 503,
  TRIPWIRE_ERR_CONFIG: 500,
  TRIPWIRE_ERR_INTERNAL: 500,
} as const;
export type ErrorCode = keyof typeof ErrorCodes;

export interface ErrorOptions {
  /** JSON pointer (RFC 6901) to the offending part of the input, when there is one. */
  pointer?: string;
  /** Seconds a client should wait before retrying (429/503). */
  retryAfter?: number;
  cause?: unknown;
}

/** The service's one error class: a code, a message saying what and where, and an HTTP status. */
export class TripwireHttpError extends Error {
  override readonly name = 'TripwireHttpError';
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly pointer: string | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.statusCode = ErrorCodes[code];
    this.pointer = options.pointer;
    this.retryAfter = options.retryAfter;
  }
}

export function createError(
  code: ErrorCode,
  message: string,
  options: ErrorOptions = {},
): TripwireHttpError {
  return new TripwireHttpError(code, message, options);
}
