import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { TripwireSpanProcessor } from '../../src/telemetry/tripwire-span-processor.js';

let installed = false;

/** Installs the async-hooks context manager and W3C propagators once per test file (process). */
export function installOtelGlobals(): void {
  if (installed) return;
  installed = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
}

/** A tracer provider as a host service would set it up: Tripwire's processor, then export. */
export function createTracing(options: { withTripwireProcessor?: boolean } = {}) {
  installOtelGlobals();
  const exporter = new InMemorySpanExporter();
  const spanProcessors = [new SimpleSpanProcessor(exporter)];
  const provider = new BasicTracerProvider({
    spanProcessors:
      options.withTripwireProcessor === false
        ? spanProcessors
        : [new TripwireSpanProcessor(), ...spanProcessors],
  });
  const tracer = provider.getTracer('test');
  const finished = (): ReadableSpan[] => exporter.getFinishedSpans();
  const byName = (name: string): ReadableSpan => {
    const span = finished().find((s) => s.name === name);
    if (span === undefined) throw new Error(`no finished span named ${name}`);
    return span;
  };
  return { provider, tracer, exporter, finished, byName };
}
