import type { Span } from '@opentelemetry/api';

/** Default bound on simultaneously open local root spans remembered per process. */
export const DEFAULT_OPEN_ROOTS_CAPACITY = 10_000;

/**
 * Open local root spans (no parent, or a remote parent: usually the server span of a request)
 * by trace id, so an assignment made later in the request can be stamped on its root.
 * Bounded: past `capacity` the oldest registration is forgotten (its span is not affected).
 */
export class LocalRootRegistry {
  readonly #roots = new Map<string, Span>();
  capacity = DEFAULT_OPEN_ROOTS_CAPACITY;

  register(span: Span): void {
    const { traceId } = span.spanContext();
    if (this.#roots.size >= this.capacity && !this.#roots.has(traceId)) {
      const oldest = this.#roots.keys().next();
      if (oldest.done !== true) this.#roots.delete(oldest.value);
    }
    this.#roots.set(traceId, span);
  }

  /** Forgets the root of `traceId` if it is the span with `spanId` (a span that ended). */
  release(traceId: string, spanId: string): void {
    const root = this.#roots.get(traceId);
    if (root !== undefined && root.spanContext().spanId === spanId) this.#roots.delete(traceId);
  }

  get(traceId: string): Span | undefined {
    return this.#roots.get(traceId);
  }

  get size(): number {
    return this.#roots.size;
  }
}

const REGISTRY_KEY = Symbol.for('@tripwire/sdk.local-root-registry');
type GlobalWithRegistry = typeof globalThis & { [REGISTRY_KEY]?: LocalRootRegistry };

/**
 * The process-wide registry shared by every `TripwireSpanProcessor` (which fills it) and every
 * client (which stamps through it); kept on `globalThis` so two copies of the SDK still agree.
 */
export function getLocalRootRegistry(): LocalRootRegistry {
  const holder = globalThis as GlobalWithRegistry;
  holder[REGISTRY_KEY] ??= new LocalRootRegistry();
  return holder[REGISTRY_KEY];
}
