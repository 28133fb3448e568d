import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { noScope } from '../control-plane/route-scopes.js';
import {
  ConfigPatchSchema,
  ConfigSnapshotSchema,
  FlagSchema,
  MetricDefinitionSchema,
  SCHEMA_ID_BASE,
  SegmentSchema,
} from '@tripwire/schema';

/** `$ref` targets for route schemas: the model's roots from `@tripwire/schema`, by `$id`. */
export const SchemaRefs = {
  flag: `${SCHEMA_ID_BASE}flag.json#`,
  segment: `${SCHEMA_ID_BASE}segment.json#`,
  configSnapshot: `${SCHEMA_ID_BASE}config-snapshot.json#`,
  configPatch: `${SCHEMA_ID_BASE}config-patch.json#`,
  metricDefinition: `${SCHEMA_ID_BASE}metric-definition.json#`,
} as const;

/** Component names in the OpenAPI document: `flag.json` → `Flag`, `config-snapshot.json` → `ConfigSnapshot`. */
function nameComponent(json: { $id?: unknown }, index: number): string {
  const id = typeof json.$id === 'string' ? json.$id : '';
  if (!id.startsWith(SCHEMA_ID_BASE)) return `def-${index}`;
  return id
    .slice(SCHEMA_ID_BASE.length, -'.json'.length)
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The stable URL of the OpenAPI document (JSON). */
export const OPENAPI_PATH = '/api/openapi.json';

/**
 * Registers the OpenAPI generator before any route, so every route registered afterwards (by
 * any plugin) is described from its fastify JSON schema; serves it at {@link OPENAPI_PATH}.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  for (const schema of [
    FlagSchema,
    SegmentSchema,
    ConfigSnapshotSchema,
    ConfigPatchSchema,
    MetricDefinitionSchema,
  ]) {
    app.addSchema(schema);
  }
  await app.register(swagger, {
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) => nameComponent(json, index),
    },
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
  app.get(
    OPENAPI_PATH,
    { config: { authorize: { action: 'public', scope: noScope } }, schema: { hide: true } },
    async () => app.swagger(),
  );
}
