// Talks to /api/v1 with the token kept in sessionStorage (this tab only).

const TOKEN_KEY = 'tripwire.token';

/** An API error: HTTP status plus the service's `{ code, message, pointer? }` body. */
export class ApiError extends Error {
  /** @param {number} status @param {{ code?: string, message?: string } | undefined} body */
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? 'HTTP_' + status;
  }
}

export function readToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function saveToken(/** @type {string} */ token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * The parsed JSON answer; the caller names the shape it expects (the route's response type).
 * @param {string} method @param {string} path @param {unknown} [body]
 * @returns {Promise<any>}
 */
async function request(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  const token = readToken();
  if (token) headers.authorization = `Bearer ${token}`;
  /** @type {RequestInit} */
  const init = { method, headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

export const api = {
  get: (/** @type {string} */ path) => request('GET', path),
  post: (/** @type {string} */ path, /** @type {unknown} */ body) =>
    request('POST', path, body ?? {}),
  put: (/** @type {string} */ path, /** @type {unknown} */ body) => request('PUT', path, body),
  /** GET that resolves to `undefined` on 404 (optional features, e.g. no kill reports yet). */
  async find(/** @type {string} */ path) {
    try {
      return await request('GET', path);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  },
};
