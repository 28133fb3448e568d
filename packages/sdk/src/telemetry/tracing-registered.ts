import { ProxyTracerProvider, trace } from '@opentelemetry/api';

/** The no-op provider a proxy delegates to until an SDK registers (a singleton of the API). */
const NOOP_DELEGATE = new ProxyTracerProvider().getDelegate();

/**
 * True once the host registered an OpenTelemetry SDK's tracer provider. Until then the API is a
 * no-op: exposure spans would go nowhere and baggage would not travel, so the client skips the
 * exposure bookkeeping and the HMAC. (A provider from another copy of the API counts as
 * registered.)
 */
export function isTracerProviderRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_DELEGATE;
}
