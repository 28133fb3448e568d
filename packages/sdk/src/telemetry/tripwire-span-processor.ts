import type { Baggage, Context, Span } from '@opentelemetry/api';
import { propagation, trace } from '@opentelemetry/api';
import { BaggageKeys, TripwireAttributes } from '@tripwire/schema';
import { AssignmentBaggage, isUnitId, parseAssignments } from './assignment-baggage.js';
import { markLocalRoot } from './local-root.js';
import { getVariantAttribute } from './variant-attribute.js';

/** No options today; the type stays so hosts can pass `{}` and future options stay compatible. */
export type TripwireSpanProcessorOptions = Record<string, never>;

const MAX_PARSED_VALUES = 256;

/**
 * Stamps Tripwire attribution on spans (see the README table):
 * - on start of every recording span, `tripwire.unit.id` and `tripwire.variant.<flagKey>` from
 *   the `tripwire.unit` / `tripwire.assignments` baggage of its parent context (so spans of
 *   downstream services are stamped too, when they install this processor);
 * - marks every span with its local root (no parent, or a remote parent), so the client can
 *   stamp an assignment made later in the request onto its server span.
 * A span with no assignment baggage costs one context read and one property store.
 *
 * Structurally an OpenTelemetry SDK `SpanProcessor`; register it on the tracer provider
 * (`spanProcessors: [new TripwireSpanProcessor(), ...]`), before the exporting processor.
 */
export class TripwireSpanProcessor {
  readonly #parsed = new Map<string, [string, string][]>();

  constructor(_options: TripwireSpanProcessorOptions = {}) {}

  onStart(span: Span, parentContext: Context): void {
    markLocalRoot(span, trace.getSpan(parentContext));
    const baggage = propagation.getBaggage(parentContext);
    if (baggage !== undefined) this.#stamp(span, baggage);
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  #stamp(span: Span, baggage: Baggage): void {
    if (baggage instanceof AssignmentBaggage) {
      const unitId = baggage.unitId();
      if (unitId !== undefined && isUnitId(unitId)) {
        span.setAttribute(TripwireAttributes.unitId, unitId);
      }
      for (const [flagKey, variant] of baggage.mergedAssignments()) {
        span.setAttribute(getVariantAttribute(flagKey), variant);
      }
      return;
    }
    const unitId = baggage.getEntry(BaggageKeys.unit)?.value;
    if (unitId !== undefined && isUnitId(unitId)) {
      span.setAttribute(TripwireAttributes.unitId, unitId);
    }
    const assignments = baggage.getEntry(BaggageKeys.assignments)?.value;
    if (assignments === undefined) return;
    for (const [attribute, variant] of this.#attributesOf(assignments)) {
      span.setAttribute(attribute, variant);
    }
  }

  /** Parsed `[attribute, variant]` pairs of a baggage value, memoized (values repeat a lot). */
  #attributesOf(value: string): [string, string][] {
    const cached = this.#parsed.get(value);
    if (cached !== undefined) return cached;
    const attributes: [string, string][] = [];
    for (const [flagKey, variant] of parseAssignments(value)) {
      attributes.push([getVariantAttribute(flagKey), variant]);
    }
    if (this.#parsed.size >= MAX_PARSED_VALUES) this.#parsed.clear();
    this.#parsed.set(value, attributes);
    return attributes;
  }
}
