import type { Attributes, Tracer } from '@opentelemetry/api';
import { context, propagation, SpanKind } from '@opentelemetry/api';
import type { EvaluationContext } from '@tripwire/schema';
import { BaggageKeys, FlagAttributes, SpanNames, TripwireAttributes } from '@tripwire/schema';
import { isUnitId } from './assignment-baggage.js';
import type { FlagExposures } from './flag-exposures.js';
import type { UnitCache } from './unit-cache.js';
import { getVariantAttribute } from './variant-attribute.js';

export interface TrackOptions {
  /** The converting unit's context (`targetingKey` is hashed). */
  readonly context?: EvaluationContext;
  /** The converting unit's key, when no context is at hand. */
  readonly unitKey?: string;
  /** Numeric value of the conversion (revenue, items…); non-finite values are dropped. */
  readonly value?: number;
}

/** What a conversion span is built from: the client's tracer, unit table and exposure records. */
export interface ConversionRecorder {
  readonly tracer: Tracer;
  readonly environment: string;
  readonly units: UnitCache;
  readonly exposureLogs: readonly FlagExposures[];
}

/**
 * Records a `tripwire.conversion` span in the active context. The unit comes from the options
 * (hashed), else from the W3C baggage; a unit this process exposed also carries its variants,
 * so the conversion is attributable without baggage.
 */
export function trackConversion(
  recorder: ConversionRecorder,
  eventName: string,
  options: TrackOptions,
): void {
  const active = context.active();
  const attributes: Attributes = {
    [TripwireAttributes.conversionEvent]: String(eventName),
    [FlagAttributes.setId]: recorder.environment,
  };
  if (typeof options.value === 'number' && Number.isFinite(options.value)) {
    attributes[TripwireAttributes.conversionValue] = options.value;
  }
  const unitKey = options.unitKey ?? options.context?.targetingKey;
  if (typeof unitKey === 'string' && unitKey !== '') {
    const entry = recorder.units.indexOf(unitKey);
    attributes[TripwireAttributes.unitId] = recorder.units.idAt(entry);
    for (const log of recorder.exposureLogs) {
      const variant = log.variantOf(entry);
      if (variant !== undefined) attributes[getVariantAttribute(log.flagKey)] = variant;
    }
  } else {
    const fromBaggage = propagation.getBaggage(active)?.getEntry(BaggageKeys.unit)?.value;
    if (fromBaggage !== undefined && isUnitId(fromBaggage))
      attributes[TripwireAttributes.unitId] = fromBaggage;
  }
  recorder.tracer
    .startSpan(SpanNames.conversion, { kind: SpanKind.INTERNAL, attributes }, active)
    .end();
}
