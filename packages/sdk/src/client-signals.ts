import type { ClientEvents } from './client-types.js';
import type { ConfigChange, ConfigProblem } from './config-store.js';
import type { ConfigOrigin } from './sources/config-source.js';

type Listeners = { [E in keyof ClientEvents]: Set<(payload: ClientEvents[E]) => void> };

/**
 * A client's life as its host sees it: listeners, `ready()` waiters, whether the source is
 * stale, the last problem (logged once per distinct message until a config applies again) and
 * whether the client is closed. Evaluation never touches it.
 */
export class ClientSignals {
  readonly #listeners: Listeners = { change: new Set(), error: new Set(), recover: new Set() };
  readonly #readyWaiters = new Set<() => void>();
  readonly #logger: { warn(message: string): void } | null;
  #sourceDelivered = false;
  #lastLogged: string | undefined;
  stale = false;
  lastProblem: ConfigProblem | undefined;
  closed = false;

  constructor(logger: { warn(message: string): void } | null) {
    this.#logger = logger;
  }

  on<E extends keyof ClientEvents>(
    event: E,
    listener: (payload: ClientEvents[E]) => void,
  ): () => void {
    const listeners = this.#listeners[event] as Set<(payload: ClientEvents[E]) => void>;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Resolves with true when `timeoutMs` passed before the source delivered (or close). */
  async waitForSource(timeoutMs: number): Promise<boolean> {
    if (this.#sourceDelivered || this.closed) return false;
    let timer: NodeJS.Timeout | undefined;
    let wake: (() => void) | undefined;
    const timedOut = await new Promise<boolean>((resolve) => {
      wake = () => resolve(false);
      this.#readyWaiters.add(wake);
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    clearTimeout(timer);
    if (wake !== undefined) this.#readyWaiters.delete(wake);
    return timedOut;
  }

  changed(change: ConfigChange): void {
    if (change.origin !== 'bootstrap') {
      this.#sourceDelivered = true;
      this.stale = false;
      this.#wakeWaiters();
    }
    this.#lastLogged = undefined;
    for (const listener of this.#listeners.change) this.#callSafely(() => listener(change));
  }

  recovered(origin: ConfigOrigin): void {
    if (!this.stale || this.closed) return;
    this.stale = false;
    this.#lastLogged = undefined;
    for (const listener of this.#listeners.recover) this.#callSafely(() => listener({ origin }));
  }

  problem(problem: ConfigProblem): void {
    if (this.closed) return;
    this.lastProblem = problem;
    if (problem.code === 'TRIPWIRE_SOURCE_FAILED') this.stale = true;
    // One log line per distinct problem until a config is applied again: outages do not flood logs.
    if (problem.message !== this.#lastLogged) {
      this.#lastLogged = problem.message;
      this.#logger?.warn(`[tripwire] ${problem.code}: ${problem.message}`);
    }
    for (const listener of this.#listeners.error) this.#callSafely(() => listener(problem));
  }

  /** Marks the client closed and wakes `ready()` callers; listeners stay until `dropListeners`. */
  close(): void {
    this.closed = true;
    this.#wakeWaiters();
  }

  dropListeners(): void {
    for (const listeners of Object.values(this.#listeners)) listeners.clear();
  }

  #wakeWaiters(): void {
    for (const wake of this.#readyWaiters) wake();
    this.#readyWaiters.clear();
  }

  #callSafely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#logger?.warn(`[tripwire] a listener threw: ${String(error)}`);
    }
  }
}
