import Type from 'typebox';
import { describeRoot } from './condition.js';
import { FlagBody } from './flag.js';
import { FLAG_KEY_PATTERN } from './keys.js';
import { SegmentBody } from './segment.js';

/** Version of the flag model and delivery format. Bumped on any incompatible change. */
export const SCHEMA_VERSION = 1;

/**
 * Everything an SDK needs for one environment. `flags[].environments` holds only this
 * environment. `version` increases with every change and doubles as the SSE event id.
 */
const ConfigSnapshotBody = Type.Object(
  {
    schemaVersion: Type.Literal(SCHEMA_VERSION),
    environment: Type.String({ pattern: FLAG_KEY_PATTERN }),
    version: Type.Integer({ minimum: 0 }),
    generatedAt: Type.String({ format: 'date-time' }),
    flags: Type.Array(FlagBody),
    segments: Type.Array(SegmentBody),
  },
  { additionalProperties: false },
);
export const ConfigSnapshotSchema = Type.Object(ConfigSnapshotBody.properties, {
  additionalProperties: false,
  ...describeRoot('config-snapshot'),
});
export type ConfigSnapshot = Type.Static<typeof ConfigSnapshotBody>;

/** An incremental update: changed or new flags and segments replace by key; removals by key. */
const ConfigPatchBody = Type.Object(
  {
    version: Type.Integer({ minimum: 0 }),
    flags: Type.Array(FlagBody),
    segments: Type.Array(SegmentBody),
    removedFlags: Type.Array(Type.String({ pattern: FLAG_KEY_PATTERN })),
    removedSegments: Type.Optional(Type.Array(Type.String({ pattern: FLAG_KEY_PATTERN }))),
  },
  { additionalProperties: false },
);
export const ConfigPatchSchema = Type.Object(ConfigPatchBody.properties, {
  additionalProperties: false,
  ...describeRoot('config-patch'),
});
export type ConfigPatch = Type.Static<typeof ConfigPatchBody>;

/**
 * SDK delivery endpoints, served by the analysis service.
 * - `GET config`: `Authorization: Bearer <sdk key>`; 200 with a ConfigSnapshot and an `ETag`;
 *   `If-None-Match` with the current ETag gives 304.
 * - `GET stream`: Server-Sent Events; `event: put` data = ConfigSnapshot, `event: patch` data =
 *   ConfigPatch, `id:` = config version, heartbeat comment lines (`: ping`); a reconnect sends
 *   `Last-Event-ID` and gets the patches after it (or a `put`).
 */
export const SdkPaths = {
  config: '/sdk/v1/config',
  stream: '/sdk/v1/stream',
} as const;
export const SdkStreamEvents = {
  put: 'put',
  patch: 'patch',
} as const;
export type SdkStreamEvent = (typeof SdkStreamEvents)[keyof typeof SdkStreamEvents];
/** Heartbeat period the service promises on the stream; clients treat 3× silence as a dead link. */
export const SDK_STREAM_HEARTBEAT_MS = 15_000;

/**
 * Applies a patch to a snapshot (pure). Returns the snapshot unchanged when the patch is not
 * newer; callers validate both first.
 */
export function applyConfigPatch(snapshot: ConfigSnapshot, patch: ConfigPatch): ConfigSnapshot {
  if (patch.version <= snapshot.version) return snapshot;
  const removedFlags = new Set(patch.removedFlags);
  const removedSegments = new Set(patch.removedSegments ?? []);
  const flags = new Map(snapshot.flags.map((f) => [f.key, f] as const));
  const segments = new Map(snapshot.segments.map((s) => [s.key, s] as const));
  for (const key of removedFlags) flags.delete(key);
  for (const key of removedSegments) segments.delete(key);
  for (const flag of patch.flags) flags.set(flag.key, flag);
  for (const segment of patch.segments) segments.set(segment.key, segment);
  return {
    ...snapshot,
    version: patch.version,
    flags: [...flags.values()],
    segments: [...segments.values()],
  };
}
