import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ContextPluginOptions } from '../context.js';
import { allProjectsScope, noScope } from '../control-plane/route-scopes.js';
import { createError } from '../errors.js';
import { readTrace } from './trace-repository.js';

/** The results page's files: static HTML, CSS and ES modules, no build step, no CDN. */
export const WEB_DIR = join(import.meta.dirname, '../web');

/** Paths the page answers at; each serves the same shell, which routes on `location`. */
export const WebPaths = {
  home: '/',
  experiment: '/experiments/:key',
  trace: '/traces/:traceId',
  assets: '/ui/:file',
} as const;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Everything the page loads comes from this origin: no inline scripts, no external fonts or
 * CDNs (many production networks forbid them), no framing.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
}

/** Reads the page's files once at start-up: every HTML, CSS and JavaScript file of the directory. */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const file of readdirSync(dir)) {
    const type = CONTENT_TYPES[extname(file)];
    if (type === undefined || file.endsWith('.d.ts')) continue;
    assets.set(file, { body: readFileSync(join(dir, file)), type });
  }
  return assets;
}

function send(reply: FastifyReply, asset: Asset): FastifyReply {
  return reply
    .header('content-type', asset.type)
    .header('cache-control', 'no-cache')
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .send(asset.body);
}

/**
 * The results page: `/` lists experiments and rollouts, `/experiments/:key` shows one. Public
 * routes: the page holds no data; it asks for a token and calls `/api/v1` with it.
 */
export const webRoutes: FastifyPluginAsync<ContextPluginOptions> = async (app, { context }) => {
  const assets = loadAssets(WEB_DIR);
  const shell = assets.get('index.html')!;
  const options = {
    config: { authorize: { action: 'public', scope: noScope } } as const,
    schema: { hide: true },
  };

  app.get(WebPaths.home, options, async (_request, reply) => send(reply, shell));
  app.get(WebPaths.experiment, options, async (_request, reply) => send(reply, shell));
  app.get(WebPaths.trace, options, async (_request, reply) => send(reply, shell));
  app.get<{ Params: { file: string } }>(WebPaths.assets, options, async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (asset === undefined || request.params.file === 'index.html') {
      throw createError('TRIPWIRE_ERR_NOT_FOUND', `no page asset "${request.params.file}"`, {
        pointer: '/file',
      });
    }
    return send(reply, asset);
  });

  app.get<{ Params: { traceId: string } }>(
    '/api/v1/traces/:traceId',
    {
      config: { authorize: { action: 'traces.read', scope: allProjectsScope } },
      schema: {
        tags: ['results'],
        summary: 'The spans of one trace, oldest first (exemplars of kill reports link here)',
        params: {
          type: 'object',
          required: ['traceId'],
          properties: { traceId: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
        },
      },
    },
    async (request) => {
      const spans = await readTrace(context.clickhouse, context.tables, request.params.traceId);
      if (spans.length === 0) {
        throw createError('TRIPWIRE_ERR_NOT_FOUND', `no trace "${request.params.traceId}"`, {
          pointer: '/traceId',
        });
      }
      return { traceId: request.params.traceId, spans };
    },
  );
};
