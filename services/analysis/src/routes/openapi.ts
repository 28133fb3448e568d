import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

/** The stable URL of the OpenAPI document (JSON). */
export const OPENAPI_PATH = '/api/openapi.json';

/**
 * Registers the OpenAPI generator before any route, so every route registered afterwards (by
 * any plugin) is described from its fastify JSON schema; serves it at {@link OPENAPI_PATH}.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tripwire analysis service',
        version: '1',
        description:
          'Admin API (/api/v1), SDK delivery (/sdk/v1) and OFREP (/ofrep/v1). Authenticate with `Authorization: Bearer <token>`.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
  });
  app.get(OPENAPI_PATH, { config: { role: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
}
