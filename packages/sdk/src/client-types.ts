import type { Context } from '@opentelemetry/api';
import type { EvaluationContext, EvaluationResult, JsonValue } from '@tripwire/schema';
import type { ConfigChange, ConfigProblem } from './config-store.js';
import type { FlagInfo } from './evaluation/index.js';
import type { TrackOptions } from './telemetry/track-conversion.js';
import type { ConfigOrigin } from './sources/config-source.js';

/** What `ready()` resolves with: where the config came from, or that none arrived in time. */
export interface ReadyResult {
  /** True when a config (from the source, or the bootstrap) is applied. */
  readonly ready: boolean;
  readonly origin: ConfigOrigin | undefined;
  readonly version: number | undefined;
  /** True when the timeout passed before the source delivered a config. */
  readonly timedOut: boolean;
  /** The most recent problem, if any (why the source has not delivered). */
  readonly lastProblem: ConfigProblem | undefined;
}

export interface ClientStatus {
  readonly origin: ConfigOrigin | undefined;
  readonly version: number | undefined;
  /** `generatedAt` of the applied config. */
  readonly generatedAt: string | undefined;
  /** True when the source's most recent attempt failed (the applied config may be out of date). */
  readonly stale: boolean;
  readonly lastProblem: ConfigProblem | undefined;
  readonly closed: boolean;
}

export interface ClientEvents {
  change: ConfigChange;
  error: ConfigProblem;
  /** The source reached its server again after failing (`status().stale` is false again). */
  recover: { readonly origin: ConfigOrigin };
}

/** The assignment client. Evaluation and tracking never throw. */
export interface TripwireClient {
  readonly environment: string;
  /** Resolves (never rejects) once the source delivered a config, or after `timeoutMs` (default 5000). */
  ready(options?: { timeoutMs?: number }): Promise<ReadyResult>;
  /** Evaluates a flag, records the evaluation, the exposure and the attribution. */
  assign<T extends JsonValue>(
    flagKey: string,
    ctx: EvaluationContext,
    defaultValue: T,
  ): EvaluationResult<T>;
  getBooleanValue(flagKey: string, ctx: EvaluationContext, defaultValue: boolean): boolean;
  getStringValue(flagKey: string, ctx: EvaluationContext, defaultValue: string): string;
  getNumberValue(flagKey: string, ctx: EvaluationContext, defaultValue: number): number;
  getJsonValue<T extends JsonValue>(flagKey: string, ctx: EvaluationContext, defaultValue: T): T;
  /** Records a conversion span attributed to the unit. */
  track(eventName: string, options?: TrackOptions): void;
  /** Runs `fn` in a scope whose baggage carries assignments made inside it (see README). */
  withAssignments<T>(fn: () => T): T;
  /** The same scope as a Context derived from `ctx`, for frameworks that take a context. */
  withAssignments(ctx: Context): Context;
  /** The keyed hash under which `unitKey` appears in telemetry (cached). */
  hashUnit(unitKey: string): string;
  /** Information about a flag in the applied config (for the OpenFeature provider and tools). */
  getFlagInfo(flagKey: string): FlagInfo | undefined;
  status(): ClientStatus;
  on<E extends keyof ClientEvents>(
    event: E,
    listener: (payload: ClientEvents[E]) => void,
  ): () => void;
  /** Releases timers, sockets, watchers and metric callbacks. Idempotent. */
  close(): Promise<void>;
}
