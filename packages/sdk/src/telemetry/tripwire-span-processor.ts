import type { Baggage, Context, Span } from '@opentelemetry/api';
import { propagation, trace } from '@opentelemetry/api';
import { AssignmentBaggage } from './assignment-baggage.js';
import { baggageAttributes } from './assignment-attributes.js';
import { markLocalRoot } from './local-root.js';

/** No options today; the type stays so hosts can pass `{}` and future options stay compatible. */
export type TripwireSpanProcessorOptions = Record<string, never>;

type SpanAttributes = readonly [string, string][];

/**
 * Stamps Tripwire attribution on spans (see the README table):
 * - on start of every recording span, `tripwire.unit.id` and `tripwire.variant.<flagKey>` from
 *   the `tripwire.unit` / `tripwire.assignments` baggage of its parent context (so spans of
 *   downstream services are stamped too, when they install this processor);
 * - marks every span with its local root (no parent, or a remote parent), so the client can
 *   stamp an assignment made later in the request onto its server span.
 * A span with no baggage costs one context read and one property store. The attributes a
 * baggage stands for are resolved once per baggage (the spans of a request share one), not
 * once per span.
 *
 * Structurally an OpenTelemetry SDK `SpanProcessor`; register it on the tracer provider
 * (`spanProcessors: [new TripwireSpanProcessor(), ...]`), before the exporting processor.
 */
export class TripwireSpanProcessor {
  /** The last upstream baggage seen and its attributes: one identity compare per span. */
  #lastBaggage: Baggage | undefined;
  #lastAttributes: SpanAttributes = [];

  constructor(_options: TripwireSpanProcessorOptions = {}) {}

  onStart(span: Span, parentContext: Context): void {
    markLocalRoot(span, trace.getSpan(parentContext));
    const baggage = propagation.getBaggage(parentContext);
    if (baggage === undefined) return;
    const attributes =
      baggage instanceof AssignmentBaggage ? baggage.spanAttributes() : this.#upstream(baggage);
    for (const [attribute, value] of attributes) span.setAttribute(attribute, value);
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** Attributes of a baggage that came from another process (untrusted: parsed and checked). */
  #upstream(baggage: Baggage): SpanAttributes {
    if (baggage === this.#lastBaggage) return this.#lastAttributes;
    const attributes = baggageAttributes(baggage);
    this.#lastBaggage = baggage;
    this.#lastAttributes = attributes;
    return attributes;
  }
}
