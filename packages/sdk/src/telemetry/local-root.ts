import type { Span } from '@opentelemetry/api';

/**
 * Each span started through a `TripwireSpanProcessor` carries its local root (the span with no
 * parent, or a remote parent, in this process: usually the request's server span) under this
 * key, so an assignment made later in the request can be stamped on that root. One property
 * store per span, no table: nothing to register, release or bound. `Symbol.for`, so two copies
 * of the SDK in one process read each other's marks.
 */
const LOCAL_ROOT = Symbol.for('@tripwire/sdk.local-root');

type MarkedSpan = Span & { [LOCAL_ROOT]?: Span };

/** Records `span`'s local root: its parent's root, or `span` itself when the parent is remote or absent. */
export function markLocalRoot(span: Span, parent: Span | undefined): void {
  (span as MarkedSpan)[LOCAL_ROOT] = (parent as MarkedSpan | undefined)?.[LOCAL_ROOT] ?? span;
}

/** The open local root of `span`'s request, when a processor marked it and it has not ended. */
export function findOpenLocalRoot(span: Span): Span | undefined {
  const root = (span as MarkedSpan)[LOCAL_ROOT];
  return root !== undefined && root !== span && root.isRecording() ? root : undefined;
}
