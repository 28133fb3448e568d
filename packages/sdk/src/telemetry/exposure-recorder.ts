import type { Attributes, Context, Tracer } from '@opentelemetry/api';
import type { EvaluationResult } from '@tripwire/schema';
import { SpanKind } from '@opentelemetry/api';
import {
  FLAG_EVALUATION_EVENT,
  FlagAttributes,
  SpanNames,
  TripwireAttributes,
} from '@tripwire/schema';
import type { ResultSlot } from './evaluation-tally.js';
import type { CarrierProbe } from './exposure-carrier.js';
import { CARRIER_PROBE } from './exposure-carrier.js';

/** The provider name written on every exposure (`feature_flag.provider.name`). */
export const PROVIDER_NAME = 'tripwire';

/**
 * The part of an `@opentelemetry/api-logs` `Logger` the SDK uses, declared structurally so
 * `@opentelemetry/api-logs` stays out of the SDK's dependencies: pass `logs.getLogger(...)`.
 */
export interface EvaluationEventLogger {
  emit(record: { eventName: string; attributes: Attributes; context: Context }): void;
}

export interface ExposureRecorderOptions {
  readonly tracer: Tracer;
  readonly environment: string;
  /** Where first exposures are counted (the metric reads it at collection time). */
  readonly tally: { countExposure(slot: ResultSlot): void };
  readonly eventLogger?: EvaluationEventLogger | undefined;
}

/** Shared start options: no object per exposure. */
const EXPOSURE_SPAN_OPTIONS = Object.freeze({ kind: SpanKind.INTERNAL });

/** The seven per-(flag, variant, reason) attributes of an exposure, built once per slot (frozen: shared). */
function getStaticAttributes(options: ExposureRecorderOptions, slot: ResultSlot): Attributes {
  if (slot.exposureAttributes !== undefined) return slot.exposureAttributes;
  const attributes: Attributes = {
    [FlagAttributes.key]: slot.flagKey,
    [FlagAttributes.variant]: slot.variant,
    [FlagAttributes.reason]: slot.reason,
    [FlagAttributes.providerName]: PROVIDER_NAME,
    [FlagAttributes.setId]: options.environment,
    [TripwireAttributes.unitKind]: slot.unitKind,
  };
  if (slot.flagVersion !== undefined) attributes[FlagAttributes.version] = String(slot.flagVersion);
  slot.exposureAttributes = Object.freeze(attributes);
  return attributes;
}

/**
 * Records first exposures (the caller deduplicated them): counts each, emits one
 * `tripwire.exposure` span as a child of the given context and, when configured, the semconv
 * `feature_flag.evaluation` log event.
 *
 * The span goes through the tracer until a `TripwireSpanProcessor` with `spanProcessors` sees
 * one start with this recorder's probe in its context: from then on it is built here and handed
 * to those processors (`ExposureCarrier`). Probing stops at the first exposure span the host's
 * sampler records, carrier or not, so a host without one pays the probe only until then.
 *
 * Tracer spans get their attributes after they start, not through `startSpan`: the OTel SDK
 * copies and validates start attributes twice (for the sampler, then the span), which made an
 * exposure span cost ~2.2 bare spans instead of ~1.1 (bench/exposure.bench.ts). Samplers
 * therefore do not see them.
 */
export class ExposureRecorder {
  readonly #options: ExposureRecorderOptions;
  readonly #probe: CarrierProbe = { carrier: undefined };
  #isProbing = true;

  constructor(options: ExposureRecorderOptions) {
    this.#options = options;
  }

  /** Records the first exposure of the unit with the hashed id `unitId` to the slot's variant. */
  record(slot: ResultSlot, unitId: string, ctx: Context): void {
    const options = this.#options;
    options.tally.countExposure(slot);
    const attributes = getStaticAttributes(options, slot);
    const carrier = this.#probe.carrier;
    if (carrier !== undefined) carrier.deliver(attributes, unitId, ctx);
    else this.#startSpan(attributes, unitId, ctx);
    options.eventLogger?.emit({
      eventName: FLAG_EVALUATION_EVENT,
      attributes: {
        ...attributes,
        [FlagAttributes.contextId]: unitId,
        [TripwireAttributes.unitId]: unitId,
      },
      context: ctx,
    });
  }

  #startSpan(attributes: Attributes, unitId: string, ctx: Context): void {
    const isProbing = this.#isProbing;
    const parent = isProbing ? ctx.setValue(CARRIER_PROBE, this.#probe) : ctx;
    const span = this.#options.tracer.startSpan(SpanNames.exposure, EXPOSURE_SPAN_OPTIONS, parent);
    if (isProbing && span.isRecording()) this.#isProbing = false;
    span.setAttributes(attributes);
    span.setAttribute(FlagAttributes.contextId, unitId);
    span.end();
  }
}

/** The semconv `feature_flag.evaluation` event of any evaluation (`evaluationEvents.emit: 'all'`). */
export function emitEvaluationEvent<T>(
  logger: EvaluationEventLogger,
  event: {
    readonly flagKey: string;
    readonly environment: string;
    readonly unitId: string | undefined;
    readonly result: EvaluationResult<T>;
    readonly context: Context;
  },
): void {
  const { result } = event;
  const attributes: Attributes = {
    [FlagAttributes.key]: event.flagKey,
    [FlagAttributes.reason]: result.reason,
    [FlagAttributes.providerName]: PROVIDER_NAME,
    [FlagAttributes.setId]: event.environment,
  };
  if (result.variant !== undefined) attributes[FlagAttributes.variant] = result.variant;
  if (result.flagVersion !== undefined)
    attributes[FlagAttributes.version] = String(result.flagVersion);
  if (event.unitId !== undefined) attributes[FlagAttributes.contextId] = event.unitId;
  if (result.errorCode !== undefined) attributes[FlagAttributes.errorType] = result.errorCode;
  logger.emit({ eventName: FLAG_EVALUATION_EVENT, attributes, context: event.context });
}
