import type { Attributes, Context, Tracer } from '@opentelemetry/api';
import { context, metrics, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type {
  EvaluationContext,
  EvaluationReason,
  EvaluationResult,
  JsonValue,
} from '@tripwire/schema';
import {
  BaggageKeys,
  DEFAULT_UNIT_ATTRIBUTE,
  FLAG_EVALUATION_EVENT,
  FlagAttributes,
  SpanNames,
  TripwireAttributes,
} from '@tripwire/schema';
import type { ClientOptions, ResolvedClientOptions } from './client-options.js';
import {
  resolveClientOptions,
  createSource,
  DEFAULT_EXPOSURE_REASONS,
  DEFAULT_UNIT_CACHE_SIZE,
} from './client-options.js';
import type { ConfigChange, ConfigProblem } from './config-store.js';
import { ConfigStore } from './config-store.js';
import type { CompiledConfig, FlagInfo } from './evaluation/index.js';
import { compileConfig, compileConfigUpdate } from './evaluation/index.js';
import type { ConfigOrigin, ConfigSource } from './sources/config-source.js';
import { getActiveContext } from './telemetry/active-context.js';
import { isUnitId } from './telemetry/assignment-baggage.js';
import { createAssignmentContext, stampAssignment } from './telemetry/attribution.js';
import type { EvaluationEventLogger } from './telemetry/exposure-recorder.js';
import { ExposureRecorder, PROVIDER_NAME } from './telemetry/exposure-recorder.js';
import { registerSdkMetrics } from './telemetry/sdk-metrics.js';
import { isTracerProviderRegistered } from './telemetry/tracing-registered.js';
import { FlagExposures } from './telemetry/flag-exposures.js';
import { UnitCache } from './telemetry/unit-cache.js';
import { getVariantAttribute } from './telemetry/variant-attribute.js';
import type { ResultSlot } from './telemetry/evaluation-tally.js';
import { EvaluationTally } from './telemetry/evaluation-tally.js';

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

export interface TrackOptions {
  /** The converting unit's context (`targetingKey` is hashed). */
  readonly context?: EvaluationContext;
  /** The converting unit's key, when no context is at hand. */
  readonly unitKey?: string;
  /** Numeric value of the conversion (revenue, items…); non-finite values are dropped. */
  readonly value?: number;
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

/** Creates a client. Throws `TripwireError` (code `TRIPWIRE_INVALID_OPTIONS`) on invalid options only. */
export function createClient(options: ClientOptions): TripwireClient {
  const resolved = resolveClientOptions(options);
  return new Client(resolved, createSource(resolved));
}

/** Internal: a client over an explicit source (used by `createTestClient`). */
export function createClientWithSource(
  options: ClientOptions,
  source: ConfigSource,
): TripwireClient {
  return new Client(resolveClientOptions(options), source);
}

/** The unit key as the evaluation core reads it: a non-empty string or a finite number. */
function readUnitKey(ctx: EvaluationContext, attribute: string): string | undefined {
  // A named load for the usual attribute is monomorphic; a keyed load is not.
  const value = attribute === DEFAULT_UNIT_ATTRIBUTE ? ctx.targetingKey : ctx[attribute];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function errorResult<T>(
  defaultValue: T,
  errorCode: 'provider_not_ready' | 'general',
  message: string,
): EvaluationResult<T> {
  return { value: defaultValue, reason: 'error', errorCode, errorMessage: message };
}

class Client implements TripwireClient {
  readonly environment: string;
  readonly #store: ConfigStore<CompiledConfig>;
  readonly #source: ConfigSource;
  readonly #units: UnitCache;
  /** Exposure dedup per flag key, kept across config versions. */
  readonly #exposureLogs = new Map<string, FlagExposures>();
  /** The same records as a list, for forgetting an evicted unit in each. */
  readonly #exposureLogList: FlagExposures[] = [];
  readonly #unitCacheSize: number;
  readonly #tally = new EvaluationTally();
  readonly #tracer: Tracer;
  readonly #exposures: ExposureRecorder;
  readonly #exposureReasons: ReadonlySet<EvaluationReason>;
  readonly #eventsOnEveryEvaluation: boolean;
  readonly #eventLogger: EvaluationEventLogger | undefined;
  readonly #listeners: { [E in keyof ClientEvents]: Set<(payload: ClientEvents[E]) => void> } = {
    change: new Set(),
    error: new Set(),
    recover: new Set(),
  };
  readonly #readyWaiters = new Set<() => void>();
  readonly #unregisterMetrics: () => void;
  readonly #logger: { warn(message: string): void } | null;
  /** An explicit tracer, or a registered SDK seen once: stays true (SDKs are not unregistered). */
  #isTracingLive: boolean;
  #sourceDelivered = false;
  #stale = false;
  #lastProblem: ConfigProblem | undefined;
  #lastLogged: string | undefined;
  #closed = false;

  constructor(options: ResolvedClientOptions, source: ConfigSource) {
    this.environment = options.environment;
    this.#source = source;
    this.#logger = options.logger === undefined ? console : options.logger;
    this.#unitCacheSize = options.unitCacheSize ?? DEFAULT_UNIT_CACHE_SIZE;
    this.#units = new UnitCache({
      hashKey: options.hashKey,
      capacity: this.#unitCacheSize,
      onEvict: (entry) => {
        for (const log of this.#exposureLogList) log.forget(entry);
      },
    });
    this.#exposureReasons = new Set(options.exposureReasons ?? DEFAULT_EXPOSURE_REASONS);
    this.#eventsOnEveryEvaluation = options.evaluationEvents?.emit === 'all';
    this.#tracer = options.tracer ?? trace.getTracer('@tripwire/sdk');
    this.#isTracingLive = options.tracer !== undefined;
    this.#exposures = new ExposureRecorder({
      tracer: this.#tracer,
      environment: options.environment,
      tally: this.#tally,
      eventLogger: this.#eventsOnEveryEvaluation ? undefined : options.evaluationEvents?.logger,
    });
    this.#eventLogger = options.evaluationEvents?.logger;
    this.#store = new ConfigStore<CompiledConfig>({
      environment: options.environment,
      buildEngine: (snapshot, update) =>
        update === undefined
          ? compileConfig(snapshot)
          : compileConfigUpdate(update.previous, snapshot, update.recompile),
      onChange: (change) => this.#onChange(change),
      onProblem: (problem) => this.#onProblem(problem),
      onRecover: (origin) => this.#onRecover(origin),
    });
    const now = options.now ?? Date.now;
    this.#unregisterMetrics = registerSdkMetrics(
      options.meter ?? metrics.getMeter('@tripwire/sdk'),
      {
        evaluations: this.#tally,
        exposures: { entries: () => this.#tally.exposureEntries() },
        environment: options.environment,
        now,
        appliedConfig: () => {
          const snapshot = this.#store.applied?.snapshot;
          return (
            snapshot && {
              version: snapshot.version,
              generatedAtMs: Date.parse(snapshot.generatedAt),
            }
          );
        },
      },
    );
    if (options.bootstrap !== undefined) this.#store.put(options.bootstrap, 'bootstrap');
    source.start(this.#store);
  }

  assign<T extends JsonValue>(
    flagKey: string,
    ctx: EvaluationContext,
    defaultValue: T,
  ): EvaluationResult<T> {
    const engine = this.#store.applied?.engine;
    if (engine === undefined) {
      return errorResult(defaultValue, 'provider_not_ready', 'no config applied yet');
    }
    let result: EvaluationResult<T>;
    try {
      // The core never throws; this guards against a hostile context object only.
      result = engine.evaluate(flagKey, ctx, defaultValue);
    } catch (error) {
      return errorResult(defaultValue, 'general', `evaluation failed: ${String(error)}`);
    }
    try {
      this.#recordEvaluation(engine, flagKey, ctx, result);
    } catch {
      // Telemetry never changes a flag's value: a failing tracer or logger only loses its record.
    }
    return result;
  }

  #recordEvaluation<T>(
    engine: CompiledConfig,
    flagKey: string,
    ctx: EvaluationContext,
    result: EvaluationResult<T>,
  ): void {
    const slot = this.#tally.findSlot(result, flagKey) ?? this.#createSlot(engine, flagKey, result);
    if (slot !== undefined) {
      slot.count += 1;
      if (slot.isExposure) this.#expose(slot, ctx);
    } else {
      this.#tally.countUnslotted(flagKey, result.variant, result.reason);
      // Not a shared result (the core allocated it): the same exposure rules, the slow way.
      if (result.variant !== undefined && this.#exposureReasons.has(result.reason)) {
        this.#expose(this.#describeResult(engine, flagKey, result, result.variant), ctx);
      }
    }
    if (this.#eventsOnEveryEvaluation) this.#emitEvaluationEvent(flagKey, ctx, result);
  }

  /** First sight of a shared result: look the flag up once and remember it in a slot. */
  #createSlot<T>(
    engine: CompiledConfig,
    flagKey: string,
    result: EvaluationResult<T>,
  ): ResultSlot | undefined {
    return this.#tally.createSlot(result, flagKey, {
      unitKind: engine.getFlag(flagKey)?.unit ?? DEFAULT_UNIT_ATTRIBUTE,
      exposureLog: this.#exposureReasons.has(result.reason)
        ? this.#exposureLogFor(flagKey)
        : undefined,
    });
  }

  #exposureLogFor(flagKey: string): FlagExposures {
    let log = this.#exposureLogs.get(flagKey);
    if (log === undefined) {
      log = new FlagExposures(flagKey, this.#unitCacheSize);
      this.#exposureLogs.set(flagKey, log);
      this.#exposureLogList.push(log);
    }
    return log;
  }

  #describeResult<T>(
    engine: CompiledConfig,
    flagKey: string,
    result: EvaluationResult<T>,
    variant: string,
  ): ResultSlot {
    const exposureLog = this.#exposureLogFor(flagKey);
    return {
      flagKey,
      variant,
      reason: result.reason,
      flagVersion: result.flagVersion,
      unitKind: engine.getFlag(flagKey)?.unit ?? DEFAULT_UNIT_ATTRIBUTE,
      attribute: getVariantAttribute(flagKey),
      isExposure: true,
      exposureLog,
      variantStamp: exposureLog.stampOf(variant),
      shared: false,
      count: 1,
      exposures: 0,
      exposureAttributes: undefined,
    };
  }

  getBooleanValue(flagKey: string, ctx: EvaluationContext, defaultValue: boolean): boolean {
    const { value } = this.assign(flagKey, ctx, defaultValue);
    return typeof value === 'boolean' ? value : defaultValue;
  }

  getStringValue(flagKey: string, ctx: EvaluationContext, defaultValue: string): string {
    const { value } = this.assign(flagKey, ctx, defaultValue);
    return typeof value === 'string' ? value : defaultValue;
  }

  getNumberValue(flagKey: string, ctx: EvaluationContext, defaultValue: number): number {
    const { value } = this.assign(flagKey, ctx, defaultValue);
    return typeof value === 'number' ? value : defaultValue;
  }

  getJsonValue<T extends JsonValue>(flagKey: string, ctx: EvaluationContext, defaultValue: T): T {
    return this.assign(flagKey, ctx, defaultValue).value;
  }

  /**
   * Exposure path: attribution on every call, span + counter only on a unit's first exposure.
   * A repeat is one `Map.get` of the unit key in the unit table, one byte compare in the flag's
   * record and one context read.
   */
  #expose(slot: ResultSlot, ctx: EvaluationContext): void {
    const log = slot.exposureLog;
    if (log === undefined) return;
    if (!this.#isTracingLive && !(this.#isTracingLive = isTracerProviderRegistered())) return;
    const unitKey = readUnitKey(ctx, slot.unitKind);
    if (unitKey === undefined) return;
    const units = this.#units;
    const entry = units.indexOf(unitKey);
    const active = getActiveContext();
    if (log.has(entry, slot.variantStamp)) {
      // The root context holds no span and no scope: nothing to stamp.
      if (active !== ROOT_CONTEXT) stampAssignment(active, units.idAt(entry), slot);
      return;
    }
    log.record(entry, slot.variantStamp);
    const unitId = units.idAt(entry);
    if (active !== ROOT_CONTEXT) stampAssignment(active, unitId, slot);
    this.#exposures.record(slot, unitId, active);
  }

  /** The semconv event on every evaluation (`evaluationEvents.emit: 'all'`). */
  #emitEvaluationEvent<T>(
    flagKey: string,
    ctx: EvaluationContext,
    result: EvaluationResult<T>,
  ): void {
    const unitKey = ctx.targetingKey;
    const attributes: Attributes = {
      [FlagAttributes.key]: flagKey,
      [FlagAttributes.reason]: result.reason,
      [FlagAttributes.providerName]: PROVIDER_NAME,
      [FlagAttributes.setId]: this.environment,
    };
    if (result.variant !== undefined) attributes[FlagAttributes.variant] = result.variant;
    if (result.flagVersion !== undefined)
      attributes[FlagAttributes.version] = String(result.flagVersion);
    if (typeof unitKey === 'string') attributes[FlagAttributes.contextId] = this.hashUnit(unitKey);
    if (result.errorCode !== undefined) attributes[FlagAttributes.errorType] = result.errorCode;
    this.#eventLogger?.emit({
      eventName: FLAG_EVALUATION_EVENT,
      attributes,
      context: context.active(),
    });
  }

  track(eventName: string, options: TrackOptions = {}): void {
    try {
      const active = context.active();
      const attributes: Attributes = {
        [TripwireAttributes.conversionEvent]: String(eventName),
        [FlagAttributes.setId]: this.environment,
      };
      if (typeof options.value === 'number' && Number.isFinite(options.value)) {
        attributes[TripwireAttributes.conversionValue] = options.value;
      }
      const unitKey = options.unitKey ?? options.context?.targetingKey;
      if (typeof unitKey === 'string' && unitKey !== '') {
        const entry = this.#units.indexOf(unitKey);
        attributes[TripwireAttributes.unitId] = this.#units.idAt(entry);
        // Variants this process exposed the unit to, so the conversion is attributable without baggage.
        for (const log of this.#exposureLogList) {
          const variant = log.variantOf(entry);
          if (variant !== undefined) attributes[getVariantAttribute(log.flagKey)] = variant;
        }
      } else {
        const fromBaggage = propagation.getBaggage(active)?.getEntry(BaggageKeys.unit)?.value;
        if (fromBaggage !== undefined && isUnitId(fromBaggage))
          attributes[TripwireAttributes.unitId] = fromBaggage;
      }
      this.#tracer
        .startSpan(SpanNames.conversion, { kind: SpanKind.INTERNAL, attributes }, active)
        .end();
    } catch {
      // Tracking must never break the caller; a failing tracer only loses this conversion.
    }
  }

  withAssignments<T>(fn: () => T): T;
  withAssignments(ctx: Context): Context;
  withAssignments<T>(target: Context | (() => T)): Context | T {
    if (typeof target === 'function')
      return context.with(createAssignmentContext(context.active()), target);
    return createAssignmentContext(target);
  }

  hashUnit(unitKey: string): string {
    return this.#units.idFor(unitKey);
  }

  getFlagInfo(flagKey: string): FlagInfo | undefined {
    return this.#store.applied?.engine.getFlag(flagKey);
  }

  status(): ClientStatus {
    const applied = this.#store.applied;
    return {
      origin: applied?.origin,
      version: applied?.snapshot.version,
      generatedAt: applied?.snapshot.generatedAt,
      stale: this.#stale,
      lastProblem: this.#lastProblem,
      closed: this.#closed,
    };
  }

  on<E extends keyof ClientEvents>(
    event: E,
    listener: (payload: ClientEvents[E]) => void,
  ): () => void {
    const listeners = this.#listeners[event] as Set<(payload: ClientEvents[E]) => void>;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  async ready(options: { timeoutMs?: number } = {}): Promise<ReadyResult> {
    if (!this.#sourceDelivered && !this.#closed) {
      let timer: NodeJS.Timeout | undefined;
      let wake: (() => void) | undefined;
      const timedOut = await new Promise<boolean>((resolve) => {
        wake = () => resolve(false);
        this.#readyWaiters.add(wake);
        timer = setTimeout(() => resolve(true), options.timeoutMs ?? 5000);
      });
      clearTimeout(timer);
      if (wake !== undefined) this.#readyWaiters.delete(wake);
      if (timedOut) return this.#readyResult(true);
    }
    return this.#readyResult(false);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unregisterMetrics();
    for (const wake of this.#readyWaiters) wake();
    this.#readyWaiters.clear();
    await this.#source.close();
    this.#listeners.change.clear();
    this.#listeners.error.clear();
    this.#listeners.recover.clear();
  }

  #readyResult(timedOut: boolean): ReadyResult {
    const applied = this.#store.applied;
    return {
      ready: applied !== undefined,
      origin: applied?.origin,
      version: applied?.snapshot.version,
      timedOut,
      lastProblem: this.#lastProblem,
    };
  }

  #onChange(change: ConfigChange): void {
    this.#tally.retire();
    // Between configs, so no slot of the new config holds a stamp of a replaced record.
    const logs = this.#exposureLogList;
    for (let i = 0; i < logs.length; i += 1) {
      const flagKey = logs[i]!.flagKey;
      if (!logs[i]!.isNearlyFull) continue;
      logs[i] = new FlagExposures(flagKey, this.#unitCacheSize);
      this.#exposureLogs.set(flagKey, logs[i]!);
    }
    if (change.origin !== 'bootstrap') {
      this.#sourceDelivered = true;
      this.#stale = false;
      for (const wake of this.#readyWaiters) wake();
      this.#readyWaiters.clear();
    }
    this.#lastLogged = undefined;
    for (const listener of this.#listeners.change) this.#callSafely(() => listener(change));
  }

  #onRecover(origin: ConfigOrigin): void {
    if (!this.#stale || this.#closed) return;
    this.#stale = false;
    this.#lastLogged = undefined;
    for (const listener of this.#listeners.recover) this.#callSafely(() => listener({ origin }));
  }

  #onProblem(problem: ConfigProblem): void {
    if (this.#closed) return;
    this.#lastProblem = problem;
    if (problem.code === 'TRIPWIRE_SOURCE_FAILED') this.#stale = true;
    // One log line per distinct problem until a config is applied again: outages do not flood logs.
    if (problem.message !== this.#lastLogged) {
      this.#lastLogged = problem.message;
      this.#logger?.warn(`[tripwire] ${problem.code}: ${problem.message}`);
    }
    for (const listener of this.#listeners.error) this.#callSafely(() => listener(problem));
  }

  #callSafely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#logger?.warn(`[tripwire] a listener threw: ${String(error)}`);
    }
  }
}
