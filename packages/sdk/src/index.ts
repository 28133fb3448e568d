// Client
export { createClient } from './client.js';
export type { TripwireClient, ReadyResult, ClientStatus, ClientEvents } from './client-types.js';
export type { TrackOptions } from './telemetry/track-conversion.js';
export type { ClientOptions, SourceOptions } from './client-options.js';
export type { ConfigChange, ConfigProblem } from './config-store.js';
export type { ConfigOrigin } from './sources/config-source.js';
export { TripwireError } from './errors.js';
export type { TripwireErrorCode } from './errors.js';

// Telemetry
export { TripwireSpanProcessor } from './telemetry/tripwire-span-processor.js';
export type { TripwireSpanProcessorOptions } from './telemetry/tripwire-span-processor.js';
export type {
  ForwardedSpanProcessor,
  ReadableSpanLike,
  InstrumentationScopeLike,
} from './telemetry/exposure-carrier.js';
export { hashUnit } from './telemetry/hash-unit.js';
export { PROVIDER_NAME } from './telemetry/exposure-recorder.js';
export type { EvaluationEventLogger } from './telemetry/exposure-recorder.js';
export { parseAssignments, formatAssignments } from './telemetry/assignment-baggage.js';
export { assignmentAttributes } from './telemetry/assignment-attributes.js';

// Evaluation core (pure; see src/evaluation/README.md)
export {
  compileConfig,
  CompiledConfig,
  murmur3,
  createHashPrefix,
  hashWithPrefix,
  BUCKET_COUNT,
  formatBucketingPrefix,
  createBucketingPrefix,
  computeBucket,
  bucketUnit,
  createAllocation,
  allocateBucket,
  parseSemver,
  compareSemver,
} from './evaluation/index.js';
export type { FlagInfo, HashPrefix, Allocation, SemVer } from './evaluation/index.js';
