export { compileConfig, compileConfigUpdate } from './compile-config.js';
export { ConfigReferences } from './config-references.js';
export type { PatchReview, RecompileSet } from './config-references.js';
export { CompiledConfig } from './compiled-config.js';
export type { FlagInfo } from './compiled-flag.js';
export { murmur3, createHashPrefix, hashWithPrefix } from './murmur3.js';
export type { HashPrefix } from './murmur3.js';
export {
  BUCKET_COUNT,
  formatBucketingPrefix,
  createBucketingPrefix,
  computeBucket,
  bucketUnit,
  createAllocation,
  allocateBucket,
} from './bucket.js';
export type { Allocation } from './bucket.js';
export { parseSemver, compareSemver } from './semver.js';
export type { SemVer } from './semver.js';
