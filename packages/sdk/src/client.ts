import type { Context, Tracer } from '@opentelemetry/api';
import { context, metrics, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type {
  EvaluationContext,
  EvaluationReason,
  EvaluationResult,
  JsonValue,
} from '@tripwire/schema';
import { DEFAULT_UNIT_ATTRIBUTE } from '@tripwire/schema';
import type { ClientOptions, ResolvedClientOptions } from './client-options.js';
import {
  resolveClientOptions,
  createSource,
  DEFAULT_EXPOSURE_REASONS,
  DEFAULT_UNIT_CACHE_SIZE,
} from './client-options.js';
import { ClientSignals } from './client-signals.js';
import type { ClientEvents, ClientStatus, ReadyResult, TripwireClient } from './client-types.js';
import type { ConfigChange } from './config-store.js';
import { ConfigStore } from './config-store.js';
import type { CompiledConfig, FlagInfo } from './evaluation/index.js';
import { compileConfig, compileConfigUpdate } from './evaluation/index.js';
import type { ConfigSource } from './sources/config-source.js';
import { getActiveContext } from './telemetry/active-context.js';
import { createAssignmentContext, stampAssignment } from './telemetry/attribution.js';
import type { EvaluationEventLogger } from './telemetry/exposure-recorder.js';
import { emitEvaluationEvent, ExposureRecorder } from './telemetry/exposure-recorder.js';
import { registerSdkMetrics } from './telemetry/sdk-metrics.js';
import { isTracerProviderRegistered } from './telemetry/tracing-registered.js';
import { FlagExposures } from './telemetry/flag-exposures.js';
import type { ConversionRecorder, TrackOptions } from './telemetry/track-conversion.js';
import { trackConversion } from './telemetry/track-conversion.js';
import { MEMO_MISSED, UnitBucketMemo } from './telemetry/bucket-memo.js';
import { UnitCache } from './telemetry/unit-cache.js';
import { getVariantAttribute } from './telemetry/variant-attribute.js';
import type { ResultSlot } from './telemetry/evaluation-tally.js';
import { EvaluationTally } from './telemetry/evaluation-tally.js';

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
  if (typeof value === 'string') return value.length === 0 ? undefined : value;
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
  /** Buckets of known units per rollout; passed to the core once tracing is live. */
  readonly #buckets: UnitBucketMemo;
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
  readonly #signals: ClientSignals;
  readonly #conversions: ConversionRecorder;
  readonly #unregisterMetrics: () => void;
  /** An explicit tracer, or a registered SDK seen once: stays true (SDKs are not unregistered). */
  #isTracingLive: boolean;

  constructor(options: ResolvedClientOptions, source: ConfigSource) {
    this.environment = options.environment;
    this.#source = source;
    this.#signals = new ClientSignals(options.logger === undefined ? console : options.logger);
    this.#unitCacheSize = options.unitCacheSize ?? DEFAULT_UNIT_CACHE_SIZE;
    this.#units = new UnitCache({
      hashKey: options.hashKey,
      capacity: this.#unitCacheSize,
      onEvict: (entry) => {
        for (const log of this.#exposureLogList) log.forget(entry);
        this.#buckets.forget(entry);
      },
    });
    this.#buckets = new UnitBucketMemo(this.#units, this.#unitCacheSize);
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
    this.#conversions = {
      tracer: this.#tracer,
      environment: options.environment,
      units: this.#units,
      exposureLogs: this.#exposureLogList,
    };
    this.#eventLogger = options.evaluationEvents?.logger;
    this.#store = new ConfigStore<CompiledConfig>({
      environment: options.environment,
      buildEngine: (snapshot, update) =>
        update === undefined
          ? compileConfig(snapshot)
          : compileConfigUpdate(update.previous, snapshot, update.recompile),
      onChange: (change) => this.#onChange(change),
      onProblem: (problem) => this.#signals.problem(problem),
      onRecover: (origin) => this.#signals.recovered(origin),
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
      if (this.#isTracingLive) {
        // Exposures need the unit's entry: the memo's lookup of it also supplies its bucket.
        this.#buckets.lastEntry = -1;
        result = engine.evaluate(flagKey, ctx, defaultValue, this.#buckets);
      } else {
        result = engine.evaluate(flagKey, ctx, defaultValue);
      }
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
      const flag = engine.getFlag(flagKey);
      if (result.variant !== undefined && this.#recordsExposure(flag, result.reason)) {
        this.#expose(this.#describeResult(flag, flagKey, result, result.variant), ctx);
      }
    }
    if (this.#eventsOnEveryEvaluation && this.#eventLogger !== undefined) {
      const unitKey = ctx.targetingKey;
      emitEvaluationEvent(this.#eventLogger, {
        flagKey,
        environment: this.environment,
        unitId: typeof unitKey === 'string' ? this.hashUnit(unitKey) : undefined,
        result,
        context: context.active(),
      });
    }
  }

  /** First sight of a shared result: look the flag up once and remember it in a slot. */
  #createSlot<T>(
    engine: CompiledConfig,
    flagKey: string,
    result: EvaluationResult<T>,
  ): ResultSlot | undefined {
    const flag = engine.getFlag(flagKey);
    return this.#tally.createSlot(result, flagKey, {
      unitKind: flag?.unit ?? DEFAULT_UNIT_ATTRIBUTE,
      exposureLog: this.#recordsExposure(flag, result.reason)
        ? this.#exposureLogFor(flagKey)
        : undefined,
    });
  }

  /**
   * Whether results with `reason` are exposures of the flag: its `recordExposures` when set
   * (true: splits and rule matches, false: none), else the client's `exposureReasons`.
   */
  #recordsExposure(flag: FlagInfo | undefined, reason: EvaluationReason): boolean {
    const asked = flag?.recordExposures;
    if (asked === undefined) return this.#exposureReasons.has(reason);
    return asked && (reason === 'split' || reason === 'targeting_match');
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
    flag: FlagInfo | undefined,
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
      unitKind: flag?.unit ?? DEFAULT_UNIT_ATTRIBUTE,
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
   * When the bucket memo looked up the flag's unit attribute during evaluation, its entry is the
   * unit's (no context attribute read, no unit lookup; after a miss, one admission lookup
   * without the promoted units' `Map.get`); otherwise the unit key is read and looked up. Then
   * a repeat is one byte compare in the flag's record and one context read.
   */
  #expose(slot: ResultSlot, ctx: EvaluationContext): void {
    const log = slot.exposureLog;
    if (log === undefined) return;
    if (!this.#isTracingLive && !(this.#isTracingLive = isTracerProviderRegistered())) return;
    const units = this.#units;
    const buckets = this.#buckets;
    let entry = buckets.lastEntry;
    if (entry === -1 || buckets.lastAttribute !== slot.unitKind) {
      const unitKey = readUnitKey(ctx, slot.unitKind);
      if (unitKey === undefined) return;
      entry = units.indexOf(unitKey);
    } else if (entry === MEMO_MISSED) {
      entry = units.indexOfUnpromoted(buckets.missedKey);
    }
    const active = getActiveContext();
    if (!log.has(entry, slot.variantStamp)) this.#exposeFirst(slot, entry, active);
    // The root context holds no span and no scope: nothing to stamp.
    else if (active !== ROOT_CONTEXT) stampAssignment(active, units.idAt(entry), slot);
  }

  /** A unit's first exposure to the slot's variant: record, stamp, span and counter. */
  #exposeFirst(slot: ResultSlot, entry: number, active: Context): void {
    slot.exposureLog!.record(entry, slot.variantStamp);
    const unitId = this.#units.idAt(entry);
    if (active !== ROOT_CONTEXT) stampAssignment(active, unitId, slot);
    this.#exposures.record(slot, unitId, active);
  }

  track(eventName: string, options: TrackOptions = {}): void {
    try {
      trackConversion(this.#conversions, eventName, options);
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
      stale: this.#signals.stale,
      lastProblem: this.#signals.lastProblem,
      closed: this.#signals.closed,
    };
  }

  on<E extends keyof ClientEvents>(
    event: E,
    listener: (payload: ClientEvents[E]) => void,
  ): () => void {
    return this.#signals.on(event, listener);
  }

  async ready(options: { timeoutMs?: number } = {}): Promise<ReadyResult> {
    return this.#readyResult(await this.#signals.waitForSource(options.timeoutMs ?? 5000));
  }

  async close(): Promise<void> {
    if (this.#signals.closed) return;
    this.#signals.close();
    this.#unregisterMetrics();
    await this.#source.close();
    this.#signals.dropListeners();
  }

  #readyResult(timedOut: boolean): ReadyResult {
    const applied = this.#store.applied;
    return {
      ready: applied !== undefined,
      origin: applied?.origin,
      version: applied?.snapshot.version,
      timedOut,
      lastProblem: this.#signals.lastProblem,
    };
  }

  #onChange(change: ConfigChange): void {
    this.#tally.retire();
    this.#buckets.reset();
    // Between configs, so no slot of the new config holds a stamp of a replaced record.
    const logs = this.#exposureLogList;
    for (let i = 0; i < logs.length; i += 1) {
      const flagKey = logs[i]!.flagKey;
      if (!logs[i]!.isNearlyFull) continue;
      logs[i] = new FlagExposures(flagKey, this.#unitCacheSize);
      this.#exposureLogs.set(flagKey, logs[i]!);
    }
    this.#signals.changed(change);
  }
}
