import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { installAuthorization } from '../../src/control-plane/auth.js';
import { noScope } from '../../src/control-plane/route-scopes.js';
import type { TokenStore } from '../../src/control-plane/token-store.js';

/** No token is ever valid: these tests only register routes. */
const noTokens = { authenticate: () => undefined } as unknown as TokenStore;

describe('deny by default', () => {
  it('refuses to start with a route that declares no authorization', async () => {
    const app = Fastify();
    installAuthorization(app, noTokens);
    const start = async () => {
      app.get('/api/v1/forgotten', async () => ({ secret: true }));
      await app.ready();
    };
    await expect(start()).rejects.toThrow(/GET \/api\/v1\/forgotten declares no config.authorize/);
  });

  it('refuses routes of any prefix or plugin, not only /api/v1', async () => {
    const app = Fastify();
    installAuthorization(app, noTokens);
    const start = async () => {
      await app.register(async (plugin) => {
        plugin.post('/internal/debug', async () => 'ok');
      });
      await app.ready();
    };
    await expect(start()).rejects.toThrow(/POST \/internal\/debug declares no/);
  });

  it('records every declared route and its action', async () => {
    const app = Fastify();
    const routes = installAuthorization(app, noTokens);
    app.get(
      '/api/v1/declared',
      { config: { authorize: { action: 'flags.read', scope: noScope } } },
      async () => 'ok',
    );
    await app.ready();
    expect(
      routes.map((route) => `${route.method} ${route.url} ${route.authorize.action}`),
    ).toContain('GET /api/v1/declared flags.read');
    const response = await app.inject({ method: 'GET', url: '/api/v1/declared' });
    expect(response.statusCode).toBe(401);
    await app.close();
  });
});
