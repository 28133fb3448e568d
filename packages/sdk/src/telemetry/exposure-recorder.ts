import type { Attributes, Context, Tracer } from '@opentelemetry/api';
import { SpanKind } from '@opentelemetry/api';
import {
  FLAG_EVALUATION_EVENT,
  FlagAttributes,
  SpanNames,
  TripwireAttributes,
} from '@tripwire/schema';
import type { ResultSlot } from './evaluation-tally.js';
import type { UnitEntry } from './unit-cache.js';
import { hasExposure, setExposure } from './unit-cache.js';

/** The provider name written on every exposure (`feature_flag.provider.name`). */
export const PROVIDER_NAME = 'tripwire';

/**
 * The part of an `@opentelemetry/api-logs` `Logger` the SDK uses, declared structurally so
 * `@opentelemetry/api-logs` stays out of the SDK's dependencies: pass `logs.getLogger(...)`.
 */
export interface EvaluationEventLogger {
  emit(record: { eventName: string; attributes: Attributes; context: Context }): void;
}

/** One exposure to record: a unit was served a variant of a flag for a reason that counts. */
export interface Exposure {
  readonly slot: ResultSlot;
  readonly unit: UnitEntry;
}

export interface ExposureRecorderOptions {
  readonly tracer: Tracer;
  readonly environment: string;
  /** Where first exposures are counted (the metric reads it at collection time). */
  readonly tally: { countExposure(slot: ResultSlot): void };
  readonly eventLogger?: EvaluationEventLogger | undefined;
}

/** The seven per-(flag, variant, reason) attributes of an exposure, built once per slot. */
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
  slot.exposureAttributes = attributes;
  return attributes;
}

/**
 * Records first exposures: dedups on the unit's entry (flagKey → last variant), then counts,
 * emits one `tripwire.exposure` span as a child of `ctx` and, when configured, the semconv
 * `feature_flag.evaluation` log event. Returns whether this was a first exposure.
 *
 * Attributes are set after the span starts, not passed to `startSpan`: the OTel SDK copies and
 * validates start attributes twice (for the sampler, then the span), which made an exposure
 * span cost ~3 bare spans instead of ~1.3 (bench/exposure.bench.ts). Samplers therefore do not
 * see them.
 */
export function recordExposure(
  options: ExposureRecorderOptions,
  exposure: Exposure,
  ctx: Context,
): boolean {
  const { slot, unit } = exposure;
  const { flagKey, variant } = slot;
  if (hasExposure(unit, flagKey, variant)) return false;
  setExposure(unit, flagKey, variant);
  options.tally.countExposure(slot);
  const attributes = getStaticAttributes(options, slot);
  const span = options.tracer.startSpan(SpanNames.exposure, { kind: SpanKind.INTERNAL }, ctx);
  span.setAttributes(attributes);
  span.setAttribute(FlagAttributes.contextId, unit.id);
  span.setAttribute(TripwireAttributes.unitId, unit.id);
  span.end();
  options.eventLogger?.emit({
    eventName: FLAG_EVALUATION_EVENT,
    attributes: {
      ...attributes,
      [FlagAttributes.contextId]: unit.id,
      [TripwireAttributes.unitId]: unit.id,
    },
    context: ctx,
  });
  return true;
}
