import type { Context } from '@opentelemetry/api';
import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';

/** Where `@opentelemetry/api` 1.x registers its globals (`registerGlobal`/`getGlobal`). */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');
const PROBE_KEY = createContextKey('@tripwire/sdk.context-probe');

interface ContextManagerLike {
  active(): Context;
}
type ApiGlobals = Record<symbol, { context?: ContextManagerLike } | undefined>;

/** The registered context manager once `context.active()` is known to read it. */
let verified: ContextManagerLike | undefined;
/** The last registered manager that `context.active()` was seen not to read. */
let rejected: ContextManagerLike | undefined;

/**
 * `context.active()` without the API's per-call registry lookup and version check: reads the
 * context manager registered in the API's global slot and calls it directly, once the API was
 * seen to use that same manager (probed once per registered manager with `context.with`). A
 * manager the API would not use (a copy of an incompatible API version registered it) is never
 * called directly: those calls go through `context.active()`. Saves ~15–20 ns per repeat
 * exposure (paired, bench/exposure.bench.ts).
 */
export function getActiveContext(): Context {
  const manager = (globalThis as unknown as ApiGlobals)[API_GLOBAL]?.context;
  if (manager === verified && manager !== undefined) return manager.active();
  if (manager === undefined || manager === rejected) return context.active();
  return verifyManager(manager);
}

function verifyManager(manager: ContextManagerLike): Context {
  const probe = ROOT_CONTEXT.setValue(PROBE_KEY, true);
  if (context.with(probe, () => manager.active() === probe)) verified = manager;
  else rejected = manager;
  return context.active();
}
