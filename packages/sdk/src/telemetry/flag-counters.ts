/** One counted series: never carries a unit id (metric attribute sets must stay bounded). */
export interface FlagCount {
  readonly flagKey: string;
  readonly variant: string;
  readonly reason: string;
  readonly count: number;
}

/**
 * Plain in-process counters per flag, variant and reason. The hot path does three Map lookups
 * and an add; OpenTelemetry reads them at collection time through observable counters, so no
 * metric SDK code runs per evaluation.
 */
export class FlagCounters {
  readonly #counts = new Map<string, Map<string, Map<string, number>>>();

  increment(flagKey: string, variant: string, reason: string): void {
    this.add(flagKey, variant, reason, 1);
  }

  add(flagKey: string, variant: string, reason: string, count: number): void {
    let byVariant = this.#counts.get(flagKey);
    if (byVariant === undefined) {
      byVariant = new Map();
      this.#counts.set(flagKey, byVariant);
    }
    let byReason = byVariant.get(variant);
    if (byReason === undefined) {
      byReason = new Map();
      byVariant.set(variant, byReason);
    }
    byReason.set(reason, (byReason.get(reason) ?? 0) + count);
  }

  get(flagKey: string, variant: string, reason: string): number {
    return this.#counts.get(flagKey)?.get(variant)?.get(reason) ?? 0;
  }

  *entries(): IterableIterator<FlagCount> {
    for (const [flagKey, byVariant] of this.#counts) {
      for (const [variant, byReason] of byVariant) {
        for (const [reason, count] of byReason) yield { flagKey, variant, reason, count };
      }
    }
  }
}
