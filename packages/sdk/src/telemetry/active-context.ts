import type { Context } from '@opentelemetry/api';
import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';

/** Where `@opentelemetry/api` 1.x registers its globals (`registerGlobal`/`getGlobal`). */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');
const PROBE_KEY = createContextKey('@tripwire/sdk.context-probe');

interface ContextStore {
  getStore(): unknown;
}
interface ContextManagerLike {
  active(): Context;
  /** `AsyncLocalStorageContextManager`'s storage (a TypeScript-private field, public at runtime). */
  readonly _asyncLocalStorage?: unknown;
}
type ApiGlobals = Record<symbol, { context?: ContextManagerLike } | undefined>;

/** The registered context manager once `context.active()` is known to read it. */
let verified: ContextManagerLike | undefined;
/** The verified manager's `AsyncLocalStorage`, when reading it directly was seen to agree. */
let verifiedStore: ContextStore | undefined;
/** The last registered manager that `context.active()` was seen not to read. */
let rejected: ContextManagerLike | undefined;

/**
 * `context.active()` without the API's per-call registry lookup and version check: reads the
 * context manager registered in the API's global slot and calls it directly, once the API was
 * seen to use that same manager (probed once per registered manager with `context.with`). A
 * manager the API would not use (a copy of an incompatible API version registered it) is never
 * called directly: those calls go through `context.active()`. Saves ~15–20 ns per repeat
 * exposure (paired, bench/exposure.bench.ts).
 *
 * For `AsyncLocalStorageContextManager` it reads the manager's `AsyncLocalStorage` itself, once
 * the probe saw it hold the active context: the manager's `active()` falls back to the API's
 * `ROOT_CONTEXT` through a CommonJS re-export getter, ~10 ns whenever no context is active.
 */
export function getActiveContext(): Context {
  const manager = (globalThis as unknown as ApiGlobals)[API_GLOBAL]?.context;
  if (manager === verified && manager !== undefined) {
    const store = verifiedStore;
    if (store === undefined) return manager.active();
    return (store.getStore() as Context | undefined) ?? ROOT_CONTEXT;
  }
  if (manager === undefined || manager === rejected) return context.active();
  return verifyManager(manager);
}

function verifyManager(manager: ContextManagerLike): Context {
  const probe = ROOT_CONTEXT.setValue(PROBE_KEY, true);
  if (context.with(probe, () => manager.active() === probe)) {
    verified = manager;
    verifiedStore = findStore(manager, probe);
  } else {
    rejected = manager;
  }
  return context.active();
}

/** The manager's `AsyncLocalStorage` if it holds exactly what `active()` returns, in and out of a probe. */
function findStore(manager: ContextManagerLike, probe: Context): ContextStore | undefined {
  const store = manager._asyncLocalStorage as Partial<ContextStore> | null | undefined;
  if (typeof store?.getStore !== 'function') return undefined;
  const candidate = store as ContextStore;
  const read = () => (candidate.getStore() as Context | undefined) ?? ROOT_CONTEXT;
  const agrees =
    context.with(probe, () => read() === probe && manager.active() === probe) &&
    read() === manager.active();
  return agrees ? candidate : undefined;
}
