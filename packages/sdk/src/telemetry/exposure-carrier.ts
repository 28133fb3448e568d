import type {
  Attributes,
  Context,
  HrTime,
  Link,
  Span,
  SpanContext,
  TraceState,
} from '@opentelemetry/api';
import {
  createContextKey,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { FlagAttributes, SpanNames } from '@tripwire/schema';
import { nextSpanId, nextTraceId } from './span-ids.js';

/** An instrumentation scope as the OTel SDK's `ReadableSpan` carries it. */
export interface InstrumentationScopeLike {
  readonly name: string;
  readonly version?: string | undefined;
  readonly schemaUrl?: string | undefined;
}

/**
 * The OTel SDK's `ReadableSpan` (`@opentelemetry/sdk-trace-base` 2.x), declared structurally so
 * the SDK keeps `@opentelemetry/api` as its only OTel dependency: what span processors' `onEnd`
 * and the OTLP exporters read.
 */
export interface ReadableSpanLike {
  readonly name: string;
  readonly kind: SpanKind;
  spanContext(): SpanContext;
  readonly parentSpanContext?: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: { readonly code: SpanStatusCode; readonly message?: string | undefined };
  readonly attributes: Attributes;
  readonly links: readonly Link[];
  readonly events: readonly unknown[];
  readonly duration: HrTime;
  readonly ended: boolean;
  /** The tracer provider's `Resource` (kept as the provider's own object, never read here). */
  readonly resource: object;
  readonly instrumentationScope: InstrumentationScopeLike;
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
}

/** The part of an OTel SDK `SpanProcessor` a `TripwireSpanProcessor` forwards to. */
export interface ForwardedSpanProcessor {
  onStart(span: Span, parentContext: Context): void;
  onEnding?(span: Span): void;
  onEnd(span: ReadableSpanLike): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Where a client learns its carrier: the client puts its probe in the context of its exposure
 * spans until one is recorded, and a `TripwireSpanProcessor` that forwards to span processors
 * sets `carrier` when it sees that span start (`Symbol.for` key: two copies of the SDK agree).
 */
export const CARRIER_PROBE = createContextKey('@tripwire/sdk.exposure-carrier-probe');

export interface CarrierProbe {
  carrier: ExposureCarrier | undefined;
}

const NO_LINKS: readonly Link[] = Object.freeze([]);
const NO_EVENTS: readonly unknown[] = Object.freeze([]);
const NO_DURATION: HrTime = Object.freeze([0, 0]) as unknown as HrTime;
const UNSET_STATUS = Object.freeze({ code: SpanStatusCode.UNSET });

/** `performance.timeOrigin` split into whole seconds and the milliseconds left over. */
const ORIGIN_SECONDS = Math.floor(performance.timeOrigin / 1000);
const ORIGIN_MS = performance.timeOrigin - ORIGIN_SECONDS * 1000;

/** Now, as an OTel `HrTime` (epoch seconds and nanoseconds), from the same clock as `performance`. */
function hrNow(): HrTime {
  const ms = ORIGIN_MS + performance.now();
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6));
  return [ORIGIN_SECONDS + seconds, nanos];
}

/**
 * A sampled span context with a new span id in `traceId`, keeping the parent's trace state as the
 * OTel SDK's tracer does (`traceState` always present, so every context has one shape).
 */
function createSpanContext(traceId: string, traceState: TraceState | undefined): SpanContext {
  const spanContext = { traceId, spanId: nextSpanId(), traceFlags: TraceFlags.SAMPLED, traceState };
  return spanContext as SpanContext;
}

/**
 * One first exposure as a finished span: what `tracer.startSpan(...).end()` would hand the span
 * processors, without the OTel SDK's `Span` (limits, attribute validation, recording state).
 * Start and end are the same instant; the parent is the span active in `ctx`.
 */
class ExposureSpan implements ReadableSpanLike {
  readonly name = SpanNames.exposure;
  readonly kind = SpanKind.INTERNAL;
  readonly parentSpanContext: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status = UNSET_STATUS;
  readonly attributes: Attributes;
  readonly links = NO_LINKS;
  readonly events = NO_EVENTS;
  readonly duration = NO_DURATION;
  readonly ended = true;
  readonly resource: object;
  readonly instrumentationScope: InstrumentationScopeLike;
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  readonly #context: SpanContext;

  constructor(
    attributes: Attributes,
    parent: SpanContext | undefined,
    resource: object,
    scope: InstrumentationScopeLike,
  ) {
    this.attributes = attributes;
    this.resource = resource;
    this.instrumentationScope = scope;
    this.startTime = this.endTime = hrNow();
    if (parent !== undefined && isSpanContextValid(parent)) {
      this.parentSpanContext = parent;
      this.#context = createSpanContext(parent.traceId, parent.traceState);
    } else {
      this.parentSpanContext = undefined;
      this.#context = createSpanContext(nextTraceId(), undefined);
    }
  }

  spanContext(): SpanContext {
    return this.#context;
  }
}

/**
 * Delivers first exposures straight to the span processors a `TripwireSpanProcessor` forwards
 * to (their `onEnd`: a `BatchSpanProcessor` queues the span for export), as spans built here,
 * with the resource and instrumentation scope of the exposure span that found the carrier.
 *
 * Sampling: every exposure is delivered as sampled, whatever the host's sampler decided for the
 * request (exposures are the experiment's denominator, and there is at most one per unit, flag
 * and variant while the unit stays in the client's table); the parent ids still name the active
 * span, so an exposure in a sampled-out request points at a span that is not exported.
 */
export class ExposureCarrier {
  readonly #processors: readonly ForwardedSpanProcessor[];
  readonly #resource: object;
  readonly #scope: InstrumentationScopeLike;

  constructor(
    processors: readonly ForwardedSpanProcessor[],
    resource: object,
    scope: InstrumentationScopeLike,
  ) {
    this.#processors = processors;
    this.#resource = resource;
    this.#scope = scope;
  }

  /** One exposure: the slot's shared attributes plus the hashed unit id, a child of `ctx`'s span. */
  deliver(slotAttributes: Attributes, unitId: string, ctx: Context): void {
    const attributes = { ...slotAttributes, [FlagAttributes.contextId]: unitId };
    const span = new ExposureSpan(
      attributes,
      trace.getSpanContext(ctx),
      this.#resource,
      this.#scope,
    );
    const processors = this.#processors;
    for (let i = 0; i < processors.length; i += 1) processors[i]!.onEnd(span);
  }
}
