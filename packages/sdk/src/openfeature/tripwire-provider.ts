import type {
  EvaluationContext as OpenFeatureContext,
  JsonValue as OpenFeatureJson,
  Provider,
  ResolutionDetails,
  TrackingEventDetails,
} from '@openfeature/server-sdk';
import {
  ErrorCode,
  GeneralError,
  OpenFeatureEventEmitter,
  ProviderEvents,
} from '@openfeature/server-sdk';
import type { EvaluationResult, JsonValue } from '@tripwire/schema';
import type { TripwireClient } from '../client-types.js';
import { createClient } from '../client.js';
import type { ClientOptions } from '../client-options.js';
import { PROVIDER_NAME } from '../telemetry/exposure-recorder.js';

export interface TripwireProviderOptions {
  /** An existing client (the caller closes it), or options to create one (closed in `onClose`). */
  readonly client: TripwireClient | ClientOptions;
  /** How long `initialize` waits for the first config (default 5000 ms). */
  readonly readyTimeoutMs?: number;
}

/** OpenFeature's upper-case error codes from the semconv lower-case ones. */
function toErrorCode(code: string): ErrorCode {
  const upper = code.toUpperCase();
  return (Object.values(ErrorCode) as string[]).includes(upper)
    ? (upper as ErrorCode)
    : ErrorCode.GENERAL;
}

function isClient(value: TripwireClient | ClientOptions): value is TripwireClient {
  return typeof (value as TripwireClient).assign === 'function';
}

/**
 * An OpenFeature server provider backed by a Tripwire client: local evaluation, exposure spans,
 * attribution and conversions exactly as with the client (see the package README). Reasons and
 * error codes are OpenFeature's upper-case spellings; `flagMetadata` carries `flagSetId`,
 * `version` and `contextId` (the hashed unit) per OpenFeature appendix D.
 */
export class TripwireProvider implements Provider {
  readonly metadata = { name: PROVIDER_NAME } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly client: TripwireClient;
  readonly #ownsClient: boolean;
  readonly #readyTimeoutMs: number;
  readonly #unsubscribe: (() => void)[] = [];
  #stale = false;
  #notReady = false;

  constructor(options: TripwireProviderOptions) {
    this.#ownsClient = !isClient(options.client);
    this.client = isClient(options.client) ? options.client : createClient(options.client);
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 5000;
    this.#unsubscribe.push(
      this.client.on('change', (change) => {
        // Back from ERROR (no config at initialize) or STALE (outage): OpenFeature needs READY.
        if (this.#stale || this.#notReady) {
          this.events.emit(ProviderEvents.Ready, { message: `config ${change.version} applied` });
        }
        this.#stale = false;
        this.#notReady = false;
        this.events.emit(ProviderEvents.ConfigurationChanged, {
          flagsChanged: [...change.changedFlags],
        });
      }),
      this.client.on('recover', ({ origin }) => {
        if (this.#stale)
          this.events.emit(ProviderEvents.Ready, { message: `${origin} source is back` });
        this.#stale = false;
      }),
      this.client.on('error', (problem) => {
        if (problem.code !== 'TRIPWIRE_SOURCE_FAILED' || this.client.status().version === undefined)
          return;
        if (!this.#stale) this.events.emit(ProviderEvents.Stale, { message: problem.message });
        this.#stale = true;
      }),
    );
  }

  /** Waits for the first config; throws (status ERROR) when none arrived in time. */
  async initialize(): Promise<void> {
    const ready = await this.client.ready({ timeoutMs: this.#readyTimeoutMs });
    if (!ready.ready) {
      this.#notReady = true;
      throw new GeneralError(
        `no Tripwire config within ${this.#readyTimeoutMs} ms${ready.lastProblem ? `: ${ready.lastProblem.message}` : ''}`,
      );
    }
  }

  async onClose(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    if (this.#ownsClient) await this.client.close();
  }

  resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: OpenFeatureContext,
  ): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.#resolve(flagKey, defaultValue, context));
  }

  resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: OpenFeatureContext,
  ): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.#resolve(flagKey, defaultValue, context));
  }

  resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: OpenFeatureContext,
  ): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.#resolve(flagKey, defaultValue, context));
  }

  resolveObjectEvaluation<T extends OpenFeatureJson>(
    flagKey: string,
    defaultValue: T,
    context: OpenFeatureContext,
  ): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.#resolve(flagKey, defaultValue, context));
  }

  track(eventName: string, context: OpenFeatureContext, details: TrackingEventDetails): void {
    const unitKey = context.targetingKey;
    this.client.track(eventName, {
      ...(unitKey === undefined ? {} : { unitKey }),
      ...(details.value === undefined ? {} : { value: details.value }),
    });
  }

  #resolve<T>(flagKey: string, defaultValue: T, context: OpenFeatureContext): ResolutionDetails<T> {
    const result = this.client.assign(
      flagKey,
      context,
      defaultValue as JsonValue,
    ) as EvaluationResult<T>;
    const flagMetadata: Record<string, string | number | boolean> = {
      flagSetId: this.client.environment,
    };
    if (result.flagVersion !== undefined) flagMetadata.version = String(result.flagVersion);
    if (typeof context.targetingKey === 'string' && context.targetingKey !== '') {
      flagMetadata.contextId = this.client.hashUnit(context.targetingKey);
    }
    const details: ResolutionDetails<T> = {
      value: result.value,
      reason: result.reason.toUpperCase(),
      flagMetadata: flagMetadata,
    };
    if (result.variant !== undefined) details.variant = result.variant;
    if (result.errorCode !== undefined) details.errorCode = toErrorCode(result.errorCode);
    if (result.errorMessage !== undefined) details.errorMessage = result.errorMessage;
    return details;
  }
}
