import type { Attributes, Context, Tracer } from '@opentelemetry/api';
import { SpanKind } from '@opentelemetry/api';
import {
  FLAG_EVALUATION_EVENT,
  FlagAttributes,
  SpanNames,
  TripwireAttributes,
} from '@tripwire/schema';
import type { FlagCounters } from './flag-counters.js';
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
  readonly counters: FlagCounters;
  readonly eventLogger?: EvaluationEventLogger | undefined;
}

/**
 * Records first exposures: dedups on the unit's entry (flagKey → last variant), then counts,
 * emits one `tripwire.exposure` span as a child of `ctx` and, when configured, the semconv
 * `feature_flag.evaluation` log event. Returns whether this was a first exposure.
 */
export function recordExposure(
  options: ExposureRecorderOptions,
  exposure: Exposure,
  ctx: Context,
): boolean {
  const { slot, unit } = exposure;
  const { flagKey, variant, reason } = slot;
  if (hasExposure(unit, flagKey, variant)) return false;
  setExposure(unit, flagKey, variant);
  options.counters.increment(flagKey, variant, reason);
  const attributes: Attributes = {
    [FlagAttributes.key]: flagKey,
    [FlagAttributes.variant]: variant,
    [FlagAttributes.reason]: reason,
    [FlagAttributes.providerName]: PROVIDER_NAME,
    [FlagAttributes.contextId]: unit.id,
    [FlagAttributes.setId]: options.environment,
    [TripwireAttributes.unitId]: unit.id,
    [TripwireAttributes.unitKind]: slot.unitKind,
  };
  if (slot.flagVersion !== undefined) attributes[FlagAttributes.version] = String(slot.flagVersion);
  options.tracer.startSpan(SpanNames.exposure, { kind: SpanKind.INTERNAL, attributes }, ctx).end();
  options.eventLogger?.emit({ eventName: FLAG_EVALUATION_EVENT, attributes, context: ctx });
  return true;
}
