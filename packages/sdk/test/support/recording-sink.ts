import type { ConfigOrigin, ConfigSink } from '../../src/sources/config-source.js';

/** A sink that records what a source delivered; `accept` decides what put/patch return. */
export class RecordingSink implements ConfigSink {
  readonly puts: { payload: unknown; origin: ConfigOrigin }[] = [];
  readonly patches: { payload: unknown; origin: ConfigOrigin }[] = [];
  readonly failures: { message: string; origin: ConfigOrigin }[] = [];
  readonly recoveries: ConfigOrigin[] = [];
  version: number | undefined;
  acceptPatches = true;
  #waiters: (() => void)[] = [];

  put(payload: unknown, origin: ConfigOrigin): boolean {
    this.puts.push({ payload, origin });
    const version = (payload as { version?: unknown }).version;
    if (typeof version === 'number') this.version = version;
    this.#wake();
    return true;
  }

  patch(payload: unknown, origin: ConfigOrigin): boolean {
    this.patches.push({ payload, origin });
    this.#wake();
    return this.acceptPatches;
  }

  fail(error: Error, origin: ConfigOrigin): void {
    this.failures.push({ message: error.message, origin });
    this.#wake();
  }

  recover(origin: ConfigOrigin): void {
    this.recoveries.push(origin);
  }

  appliedVersion(): number | undefined {
    return this.version;
  }

  /** Resolves once `condition` holds (checked after every delivery). */
  async until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
