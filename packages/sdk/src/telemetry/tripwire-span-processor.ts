import type { Baggage, Context, Span } from '@opentelemetry/api';
import { propagation, trace } from '@opentelemetry/api';
import { SpanNames } from '@tripwire/schema';
import { TripwireError } from '../errors.js';
import { AssignmentBaggage } from './assignment-baggage.js';
import { baggageAttributes } from './assignment-attributes.js';
import type {
  CarrierProbe,
  ForwardedSpanProcessor,
  InstrumentationScopeLike,
  ReadableSpanLike,
} from './exposure-carrier.js';
import { CARRIER_PROBE, ExposureCarrier } from './exposure-carrier.js';
import { markLocalRoot } from './local-root.js';

export interface TripwireSpanProcessorOptions {
  /**
   * The host's span processors (e.g. `[new BatchSpanProcessor(exporter)]`), registered through
   * this one instead of on the provider: every span is forwarded to them after Tripwire's own
   * work, and clients deliver first exposures straight to their `onEnd` as spans the SDK builds
   * (the fast exposure carrier, README "Exposure spans"). Without it, exposures are tracer spans.
   */
  readonly spanProcessors?: readonly ForwardedSpanProcessor[];
}

type SpanAttributes = readonly [string, string][];
/** The OTel SDK span `onStart` receives: a `Span` that is also readable. */
type StartedSpan = Span & Partial<Pick<ReadableSpanLike, 'name' | 'resource'>>;
type ScopedSpan = StartedSpan & { readonly instrumentationScope?: InstrumentationScopeLike };

const PROCESSOR_METHODS = ['onStart', 'onEnd', 'forceFlush', 'shutdown'] as const;

function checkProcessors(processors: unknown): readonly ForwardedSpanProcessor[] {
  if (processors === undefined) return [];
  const invalid = (what: string) =>
    new TripwireError('TRIPWIRE_INVALID_OPTIONS', `TripwireSpanProcessor: ${what}`);
  if (!Array.isArray(processors)) throw invalid('spanProcessors must be an array');
  processors.forEach((processor: unknown, i) => {
    const missing = PROCESSOR_METHODS.filter(
      (method) => typeof (processor as Record<string, unknown> | null)?.[method] !== 'function',
    );
    if (missing.length > 0)
      throw invalid(`spanProcessors[${i}] is not a span processor (no ${missing.join(', ')})`);
  });
  return Object.freeze([...(processors as ForwardedSpanProcessor[])]);
}

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
 * With `spanProcessors`, it also forwards every span to them, and gives each client whose
 * exposure span it sees start an `ExposureCarrier` over them (that span's resource and scope).
 *
 * Structurally an OpenTelemetry SDK `SpanProcessor`; register it on the tracer provider:
 * `spanProcessors: [new TripwireSpanProcessor({ spanProcessors: [new BatchSpanProcessor(exporter)] })]`,
 * or, without the fast carrier, `[new TripwireSpanProcessor(), new BatchSpanProcessor(exporter)]`.
 */
export class TripwireSpanProcessor {
  readonly #forwarded: readonly ForwardedSpanProcessor[];
  /** The last upstream baggage seen and its attributes: one identity compare per span. */
  #lastBaggage: Baggage | undefined;
  #lastAttributes: SpanAttributes = [];

  /** Only when a forwarded processor has one: the OTel SDK calls `onEnding` when present. */
  declare readonly onEnding?: (span: Span) => void;

  constructor(options: TripwireSpanProcessorOptions = {}) {
    const forwarded = checkProcessors((options as { spanProcessors?: unknown }).spanProcessors);
    this.#forwarded = forwarded;
    const ending = forwarded.filter((processor) => typeof processor.onEnding === 'function');
    if (ending.length > 0) {
      this.onEnding = (span) => {
        for (const processor of ending) processor.onEnding!(span);
      };
    }
  }

  onStart(span: Span, parentContext: Context): void {
    markLocalRoot(span, trace.getSpan(parentContext));
    const baggage = propagation.getBaggage(parentContext);
    if (baggage !== undefined) {
      const attributes =
        baggage instanceof AssignmentBaggage ? baggage.spanAttributes() : this.#upstream(baggage);
      for (const [attribute, value] of attributes) span.setAttribute(attribute, value);
    }
    const forwarded = this.#forwarded;
    if (forwarded.length === 0) return;
    if ((span as StartedSpan).name === SpanNames.exposure) this.#adopt(span, parentContext);
    for (let i = 0; i < forwarded.length; i += 1) forwarded[i]!.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpanLike): void {
    const forwarded = this.#forwarded;
    for (let i = 0; i < forwarded.length; i += 1) forwarded[i]!.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.#forwarded.map((processor) => processor.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.#forwarded.map((processor) => processor.shutdown()));
  }

  /** A client's exposure span started: give its probe a carrier with this span's resource and scope. */
  #adopt(span: ScopedSpan, parentContext: Context): void {
    const probe = parentContext.getValue(CARRIER_PROBE) as CarrierProbe | undefined;
    const { resource, instrumentationScope } = span;
    if (probe === undefined || probe.carrier !== undefined) return;
    if (resource === undefined || instrumentationScope === undefined) return;
    probe.carrier = new ExposureCarrier(this.#forwarded, resource, instrumentationScope);
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
