import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { createError } from '../errors.js';

const gunzipAsync = promisify(gunzip);

/** The two OTLP/HTTP encodings, chosen by the request's Content-Type. */
export type OtlpEncoding = 'protobuf' | 'json';

/** Maps a Content-Type header to its OTLP encoding; anything else is a 415. */
export function readEncoding(contentType: string | undefined): OtlpEncoding {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  throw createError(
    'TRIPWIRE_ERR_UNSUPPORTED_MEDIA_TYPE',
    `content type "${type || '(none)'}" is not accepted: send application/x-protobuf or application/json`,
  );
}

/** The encoding to answer in: the request's when it is an OTLP one, JSON otherwise. */
export function responseEncoding(contentType: string | undefined): OtlpEncoding {
  try {
    return readEncoding(contentType);
  } catch {
    return 'json';
  }
}

/**
 * Undoes `Content-Encoding` (gzip or none). The limit applies after decompression too, so a
 * small compressed body cannot expand past it (a 413, like an oversized plain body).
 */
export async function decodeContent(
  body: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw createError(
      'TRIPWIRE_ERR_UNSUPPORTED_MEDIA_TYPE',
      `content encoding "${encoding}" is not accepted: send gzip or no Content-Encoding`,
    );
  }
  try {
    return await gunzipAsync(body, { maxOutputLength: maxBytes });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw createError(
        'TRIPWIRE_ERR_PAYLOAD_TOO_LARGE',
        `body is larger than ${maxBytes} bytes after gzip decompression`,
        { cause },
      );
    }
    throw createError(
      'TRIPWIRE_ERR_BAD_REQUEST',
      `body is not valid gzip: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}
