import type { FastifyInstance } from 'fastify';
import { createError } from './errors.js';

/** How deep the walk goes; JSON bodies of the admin API are far shallower. */
const MAX_DEPTH = 256;
/** In `u` mode a paired surrogate is one code point; only a lone one is in category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;
const isWellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);

/**
 * The JSON pointer of the first string (value or property name) that is not well-formed UTF-16
 * (a lone surrogate, e.g. `"\ud800"`), or undefined. JSON allows such escapes, but they cannot
 * be stored as UTF-8: ClickHouse rejects the row, which used to surface as a 500.
 */
export function findIllFormedString(value: unknown, pointer = '', depth = 0): string | undefined {
  if (typeof value === 'string') return isWellFormed(value) ? undefined : pointer || '/';
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return undefined;
  const entries = Array.isArray(value) ? value.entries() : Object.entries(value);
  for (const [key, item] of entries) {
    const at = `${pointer}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (typeof key === 'string' && !isWellFormed(key)) return at;
    const found = findIllFormedString(item, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Admin API bodies (`/api/…`) with an ill-formed string are a 400 naming the field, before
 * validation, so nothing is half-written and no write reaches storage with it.
 */
export function installWellFormedInput(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (!(request.routeOptions.url ?? '').startsWith('/api/')) return;
    const pointer = findIllFormedString(request.body);
    if (pointer === undefined) return;
    throw createError(
      'TRIPWIRE_ERR_BAD_REQUEST',
      `body${pointer === '/' ? '' : pointer} contains a lone surrogate (not valid Unicode text)`,
      { pointer },
    );
  });
}
