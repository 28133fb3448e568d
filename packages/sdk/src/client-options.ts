import type { Meter, Tracer } from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';
import type { ConfigSnapshot, EvaluationReason, FlagsFile } from '@tripwire/schema';
import {
  EvaluationReasons,
  FLAG_KEY_PATTERN,
  SdkPaths,
  validateConfigSnapshot,
} from '@tripwire/schema';
import { TripwireError } from './errors.js';
import type { ConfigSource } from './sources/config-source.js';
import { createFileSource } from './sources/file-source.js';
import { createPollingSource } from './sources/polling-source.js';
import { createStaticSource } from './sources/static-source.js';
import { createStreamSource } from './sources/stream-source.js';
import type { EvaluationEventLogger } from './telemetry/exposure-recorder.js';

/** Where the client gets its config. URLs are the analysis service's base URL. */
export type SourceOptions =
  | { readonly type: 'static'; readonly config: ConfigSnapshot | FlagsFile }
  | { readonly type: 'file'; readonly path: string; readonly watch?: boolean }
  | {
      readonly type: 'polling';
      readonly baseUrl: string;
      readonly intervalMs?: number;
      readonly timeoutMs?: number;
    }
  | {
      readonly type: 'stream';
      readonly baseUrl: string;
      readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
      readonly fallbackAfterFailures?: number;
      readonly fallbackPollIntervalMs?: number;
      readonly idleTimeoutMs?: number;
    };

export interface ClientOptions {
  /**
   * Environment evaluated (`feature_flag.set.id`); configs for another environment are refused.
   * Required with the polling and stream sources; `'development'` by default with a local one.
   */
  readonly environment?: string;
  readonly source: SourceOptions;
  /**
   * Secret for HMAC-hashing unit keys (at least 16 characters), the same in every service and
   * stable across deploys. Required with the polling and stream sources; a local (file/static)
   * client without one hashes with a random per-process key and warns once.
   */
  readonly hashKey?: string;
  /** Bearer token for the polling and stream sources. */
  readonly sdkKey?: string | undefined;
  /** A config to evaluate until the source delivers one (validated like any other). */
  readonly bootstrap?: ConfigSnapshot;
  /** Default: `trace.getTracer('@tripwire/sdk')` (a no-op until the host registers an SDK). */
  readonly tracer?: Tracer;
  /** Default: `metrics.getMeter('@tripwire/sdk')`. */
  readonly meter?: Meter;
  /**
   * Reasons whose results count as exposures (default `['split']`: only evaluations that
   * allocate a unit, i.e. experiments and percentage rollouts). Add `'targeting_match'` to emit
   * exposure spans for rule matches of release and permission flags too; they are always counted
   * in the evaluation metrics.
   */
  readonly exposureReasons?: readonly EvaluationReason[];
  /** Units remembered for HMAC caching and exposure dedup (default 50,000). */
  readonly unitCacheSize?: number;
  /** Opt-in semconv `feature_flag.evaluation` log events: a Logger from `@opentelemetry/api-logs`. */
  readonly evaluationEvents?: {
    readonly logger: EvaluationEventLogger;
    /** 'exposures' (default): alongside each exposure span; 'all': on every evaluation. */
    readonly emit?: 'exposures' | 'all';
  };
  /** Where config problems are logged (default `console`); pass `null` to log nothing. */
  readonly logger?: { warn(message: string): void } | null;
  /** Clock in epoch ms (default `Date.now`), used for the config-age metric. */
  readonly now?: () => number;
  /** Jitter source for stream reconnects (default `Math.random`). */
  readonly random?: () => number;
}

export const DEFAULT_EXPOSURE_REASONS: readonly EvaluationReason[] = ['split'];
export const DEFAULT_UNIT_CACHE_SIZE = 50_000;
const MIN_HASH_KEY_LENGTH = 16;

function invalid(message: string): TripwireError {
  return new TripwireError('TRIPWIRE_INVALID_OPTIONS', `createClient: ${message}`);
}

function checkPositive(value: number | undefined, where: string): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw invalid(`${where} must be a positive number of milliseconds, got ${String(value)}`);
  }
}

function checkUrl(value: unknown, where: string): void {
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw invalid(`${where} must be an absolute URL, got ${JSON.stringify(value)}`);
  }
}

/** Options after the local-client defaults: environment and hash key always set. */
export type ResolvedClientOptions = ClientOptions & {
  readonly environment: string;
  readonly hashKey: string;
};

export const LOCAL_ENVIRONMENT = 'development';

/**
 * Checks the options (throwing a `TripwireError` that names the first invalid one) and fills
 * what a local client may leave out: the environment, and a random hash key with a warning.
 */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  const source = options.source as SourceOptions | undefined;
  const isLocal = source?.type === 'file' || source?.type === 'static';
  if (!isLocal || (options.environment !== undefined && options.hashKey !== undefined)) {
    checkClientOptions(options);
    return options as ResolvedClientOptions;
  }
  let hashKey = options.hashKey;
  if (hashKey === undefined) {
    hashKey = randomBytes(16).toString('hex');
    const logger = options.logger === undefined ? console : options.logger;
    logger?.warn(
      '@tripwire/sdk: no hashKey given, so unit ids are hashed with a random key for this process only ' +
        'and will not match across services or restarts. Set hashKey (the same secret of 16+ characters ' +
        'in every service) before you send telemetry to Tripwire.',
    );
  }
  const resolved = { ...options, environment: options.environment ?? LOCAL_ENVIRONMENT, hashKey };
  checkClientOptions(resolved);
  return resolved;
}

function checkClientOptions(options: ClientOptions): void {
  if (
    typeof options.environment !== 'string' ||
    !new RegExp(FLAG_KEY_PATTERN).test(options.environment)
  ) {
    throw invalid(
      `environment must match ${FLAG_KEY_PATTERN}, got ${JSON.stringify(options.environment)}`,
    );
  }
  if (typeof options.hashKey !== 'string' || options.hashKey.length < MIN_HASH_KEY_LENGTH) {
    throw invalid(
      `hashKey must be a secret string of at least ${MIN_HASH_KEY_LENGTH} characters (only a local file or static client may leave it out)`,
    );
  }
  if (options.sdkKey !== undefined && typeof options.sdkKey !== 'string')
    throw invalid('sdkKey must be a string');
  for (const reason of options.exposureReasons ?? []) {
    if (!(EvaluationReasons as readonly string[]).includes(reason)) {
      throw invalid(`exposureReasons: unknown reason ${JSON.stringify(reason)}`);
    }
  }
  const cacheSize = options.unitCacheSize;
  if (cacheSize !== undefined && !(Number.isInteger(cacheSize) && cacheSize >= 2)) {
    throw invalid(`unitCacheSize must be an integer ≥ 2, got ${String(cacheSize)}`);
  }
  if (options.bootstrap !== undefined) {
    const result = validateConfigSnapshot(options.bootstrap);
    if (!result.ok) {
      const first = result.errors[0];
      throw invalid(
        `bootstrap is not a valid config snapshot: ${first?.instancePath || '/'}: ${first?.message}`,
      );
    }
  }
  checkSourceOptions(options.source);
}

function checkSourceOptions(source: SourceOptions): void {
  if (typeof source !== 'object' || source === null) throw invalid('source must be an object');
  switch (source.type) {
    case 'static':
      if (typeof source.config !== 'object' || source.config === null) {
        throw invalid('source.config must be a config snapshot or flags file object');
      }
      return;
    case 'file':
      if (typeof source.path !== 'string' || source.path === '')
        throw invalid('source.path must be a file path');
      return;
    case 'polling':
      checkUrl(source.baseUrl, 'source.baseUrl');
      checkPositive(source.intervalMs, 'source.intervalMs');
      checkPositive(source.timeoutMs, 'source.timeoutMs');
      return;
    case 'stream':
      checkUrl(source.baseUrl, 'source.baseUrl');
      checkPositive(source.backoff?.baseMs, 'source.backoff.baseMs');
      checkPositive(source.backoff?.maxMs, 'source.backoff.maxMs');
      checkPositive(source.fallbackPollIntervalMs, 'source.fallbackPollIntervalMs');
      checkPositive(source.idleTimeoutMs, 'source.idleTimeoutMs');
      return;
    default:
      throw invalid(
        `source.type must be static, file, polling or stream, got ${JSON.stringify((source as { type: unknown }).type)}`,
      );
  }
}

/** Builds the config source described by validated options. */
export function createSource(options: ClientOptions): ConfigSource {
  const { source, sdkKey } = options;
  switch (source.type) {
    case 'static':
      return createStaticSource(source.config);
    case 'file':
      return createFileSource({
        path: source.path,
        ...(source.watch === undefined ? {} : { watch: source.watch }),
      });
    case 'polling':
      return createPollingSource({
        url: new URL(SdkPaths.config, source.baseUrl).href,
        sdkKey,
        ...(source.intervalMs === undefined ? {} : { intervalMs: source.intervalMs }),
        ...(source.timeoutMs === undefined ? {} : { timeoutMs: source.timeoutMs }),
      });
    case 'stream':
      return createStreamSource({
        url: new URL(SdkPaths.stream, source.baseUrl).href,
        configUrl: new URL(SdkPaths.config, source.baseUrl).href,
        sdkKey,
        ...(source.backoff === undefined ? {} : { backoff: source.backoff }),
        ...(source.fallbackAfterFailures === undefined
          ? {}
          : { fallbackAfterFailures: source.fallbackAfterFailures }),
        ...(source.fallbackPollIntervalMs === undefined
          ? {}
          : { fallbackPollIntervalMs: source.fallbackPollIntervalMs }),
        ...(source.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: source.idleTimeoutMs }),
        ...(options.random === undefined ? {} : { random: options.random }),
      });
  }
}
