/**
 * The JSON Schemas the Python SDK (packages/sdk-python) validates configs against, exactly as
 * `@tripwire/schema` emits them. Regenerate with `npx tsx test/export-python-schema.ts`;
 * test/python-sdk.test.ts fails when the shipped files drift.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ConfigPatchSchema,
  ConfigSnapshotSchema,
  FlagSchema,
  SegmentSchema,
} from '@tripwire/schema';

export const PYTHON_SCHEMA_DIR = new URL(
  '../packages/sdk-python/src/tripwire/schema/',
  import.meta.url,
);

/** File name → JSON text of each shipped schema. */
export function emitPythonSchemas(): Map<string, string> {
  const schemas = {
    'config-snapshot.json': ConfigSnapshotSchema,
    'config-patch.json': ConfigPatchSchema,
    'flag.json': FlagSchema,
    'segment.json': SegmentSchema,
  };
  return new Map(
    Object.entries(schemas).map(([name, schema]) => [name, `${JSON.stringify(schema, null, 2)}\n`]),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, text] of emitPythonSchemas())
    writeFileSync(new URL(name, PYTHON_SCHEMA_DIR), text);
}
