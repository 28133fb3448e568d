import type { Baggage, Context, Span, SpanContext } from '@opentelemetry/api';
import { propagation, trace } from '@opentelemetry/api';
import { BaggageKeys, SpanNames, TripwireAttributes } from '@tripwire/schema';
import { AssignmentBaggage, isUnitId, parseAssignments } from './assignment-baggage.js';
import type { LocalRootRegistry } from './local-root-registry.js';
import { getLocalRootRegistry } from './local-root-registry.js';
import { getVariantAttribute } from './variant-attribute.js';

export interface TripwireSpanProcessorOptions {
  /** Bound on open local root spans remembered for late stamping (default 10,000). */
  readonly maxOpenRoots?: number;
}

const MAX_PARSED_VALUES = 256;

/**
 * Spans the client starts and ends at once (exposures, conversions): never open when a later
 * assignment could stamp them, so not worth remembering as local roots. Skipping them saves
 * ~180 ns per root exposure span (paired, bench/exposure.bench.ts) and keeps them from pushing
 * real roots out of a full registry.
 */
function isEndedAtOnce(span: object): boolean {
  const name = (span as { name?: unknown }).name;
  return name === SpanNames.exposure || name === SpanNames.conversion;
}

/**
 * Stamps Tripwire attribution on spans (see the README table):
 * - on start of every recording span, `tripwire.unit.id` and `tripwire.variant.<flagKey>` from
 *   the `tripwire.unit` / `tripwire.assignments` baggage of its parent context (so spans of
 *   downstream services are stamped too, when they install this processor);
 * - remembers open local root spans (no parent, or a remote parent) per trace, so the client
 *   can stamp an assignment made later in the request onto its server span.
 *
 * Structurally an OpenTelemetry SDK `SpanProcessor`; register it on the tracer provider
 * (`spanProcessors: [new TripwireSpanProcessor(), ...]`), before the exporting processor.
 */
export class TripwireSpanProcessor {
  readonly #registry: LocalRootRegistry;
  readonly #parsed = new Map<string, [string, string][]>();

  constructor(options: TripwireSpanProcessorOptions = {}) {
    this.#registry = getLocalRootRegistry();
    if (options.maxOpenRoots !== undefined) this.#registry.capacity = options.maxOpenRoots;
  }

  onStart(span: Span, parentContext: Context): void {
    if (!span.isRecording()) return;
    const parent = trace.getSpanContext(parentContext);
    if ((parent === undefined || parent.isRemote === true) && !isEndedAtOnce(span)) {
      this.#registry.register(span);
    }
    const baggage = propagation.getBaggage(parentContext);
    if (baggage !== undefined) this.#stamp(span, baggage);
  }

  onEnd(span: { spanContext(): SpanContext }): void {
    if (isEndedAtOnce(span)) return;
    const { traceId, spanId } = span.spanContext();
    this.#registry.release(traceId, spanId);
  }

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
