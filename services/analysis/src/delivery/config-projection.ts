import { SCHEMA_VERSION } from '@tripwire/schema';
import type { ConfigPatch, ConfigSnapshot, Flag, Segment } from '@tripwire/schema';

/** What one SDK key reads: the flags of one project, as seen in one environment. */
export interface DeliveryChannel {
  project: string;
  environment: string;
}

/**
 * The flag as an SDK of this environment sees it: only this environment's state (none when
 * the flag is not configured there; SDKs then serve `defaultVariant`). Archived flags and flags
 * of other projects are not delivered (undefined).
 */
export function projectFlag(
  flag: Flag | undefined,
  project: string | undefined,
  channel: DeliveryChannel,
): Flag | undefined {
  if (flag === undefined || flag.archived === true || project !== channel.project) return undefined;
  const state = flag.environments[channel.environment];
  return {
    ...flag,
    environments: state === undefined ? {} : { [channel.environment]: state },
  };
}

export interface SnapshotInput {
  channel: DeliveryChannel;
  flags: { flag: Flag; project: string }[];
  segments: Segment[];
  version: number;
  now: Date;
}

/** The full config an SDK of this channel receives (`GET /sdk/v1/config`, SSE `put`). */
export function buildSnapshot(input: SnapshotInput): ConfigSnapshot {
  const flags = input.flags
    .map(({ flag, project }) => projectFlag(flag, project, input.channel))
    .filter((flag): flag is Flag => flag !== undefined);
  return {
    schemaVersion: SCHEMA_VERSION,
    environment: input.channel.environment,
    version: input.version,
    generatedAt: input.now.toISOString(),
    flags,
    segments: input.segments,
  };
}

export interface ChangeInput {
  channel: DeliveryChannel;
  version: number;
  entity: 'flag' | 'segment';
  key: string;
  project: string;
  before: Flag | Segment | undefined;
  after: Flag | Segment;
}

/** The patch one change means for this channel, or undefined when the channel sees no difference. */
export function buildPatch(input: ChangeInput): ConfigPatch | undefined {
  const empty: ConfigPatch = { version: input.version, flags: [], segments: [], removedFlags: [] };
  if (input.entity === 'segment') {
    if (JSON.stringify(input.before) === JSON.stringify(input.after)) return undefined;
    return { ...empty, segments: [input.after as Segment] };
  }
  const before = projectFlag(input.before as Flag | undefined, input.project, input.channel);
  const after = projectFlag(input.after as Flag, input.project, input.channel);
  if (after !== undefined) return { ...empty, flags: [after] };
  return before === undefined ? undefined : { ...empty, removedFlags: [input.key] };
}

/** ETag of a channel's config at a version; weak because `generatedAt` differs between replicas. */
export function formatEtag(channel: DeliveryChannel, version: number): string {
  return `W/"${channel.project}.${channel.environment}.${version}"`;
}
