import type { Context, ContextManager } from '@opentelemetry/api';
import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { getActiveContext } from '../src/telemetry/active-context.js';

const KEY = createContextKey('test');
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');
type Globals = Record<symbol, { version: string; context?: unknown } | undefined>;

/** A context manager whose active context is fixed (what a host's custom manager could be). */
function createFixedManager(active: Context): ContextManager {
  return {
    active: () => active,
    with: (_ctx, fn, thisArg, ...args) => fn.call(thisArg, ...args),
    bind: (_ctx, target) => target,
    enable() {
      return this;
    },
    disable() {
      return this;
    },
  };
}

afterEach(() => context.disable());

describe('getActiveContext', () => {
  it('is the root context while no context manager is registered', () => {
    expect(getActiveContext()).toBe(ROOT_CONTEXT);
  });

  it('reads the context the registered manager holds, as context.active() does', () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const inner = ROOT_CONTEXT.setValue(KEY, 1);
    expect(context.with(inner, () => getActiveContext())).toBe(inner);
    expect(context.with(inner, () => context.with(ROOT_CONTEXT, getActiveContext))).toBe(
      ROOT_CONTEXT,
    );
    expect(getActiveContext()).toBe(ROOT_CONTEXT);
  });

  it("does not read a manager's storage directly when it disagrees with the manager", () => {
    const real = new AsyncLocalStorageContextManager().enable();
    const decoy = ROOT_CONTEXT.setValue(KEY, 'decoy');
    const manager = {
      active: () => real.active(),
      with: real.with.bind(real),
      bind: real.bind.bind(real),
      enable: () => manager,
      disable: () => manager,
      _asyncLocalStorage: { getStore: () => decoy },
    } as ContextManager;
    context.setGlobalContextManager(manager);
    const inner = ROOT_CONTEXT.setValue(KEY, 1);
    expect(context.with(inner, () => getActiveContext())).toBe(inner);
    expect(getActiveContext()).toBe(ROOT_CONTEXT);
  });

  it('follows a manager registered after another one was disabled', () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    getActiveContext();
    context.disable();
    const fixed = ROOT_CONTEXT.setValue(KEY, 'fixed');
    context.setGlobalContextManager(createFixedManager(fixed));
    // The fixed manager ignores `with`, so the probe cannot verify it: the API's answer is used.
    expect(getActiveContext()).toBe(context.active());
    expect(getActiveContext()).toBe(fixed);
    context.disable();
    expect(getActiveContext()).toBe(ROOT_CONTEXT);
  });

  it('does not call a manager that the API would not use (another API version registered it)', () => {
    const globals = globalThis as unknown as Globals;
    const saved = globals[API_GLOBAL];
    const foreign = ROOT_CONTEXT.setValue(KEY, 'foreign');
    globals[API_GLOBAL] = { version: '0.1.0', context: createFixedManager(foreign) };
    try {
      expect(context.active()).toBe(ROOT_CONTEXT);
      expect(getActiveContext()).toBe(ROOT_CONTEXT);
      expect(getActiveContext()).toBe(ROOT_CONTEXT);
    } finally {
      globals[API_GLOBAL] = saved;
    }
  });
});
