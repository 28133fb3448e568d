import { TripwireAttributes } from '@tripwire/schema';

const MAX_CACHED_KEYS = 4096;
const cache = new Map<string, string>();

/** `tripwire.variant.<flagKey>`, cached so the hot path does not build the string each time. */
export function getVariantAttribute(flagKey: string): string {
  const cached = cache.get(flagKey);
  if (cached !== undefined) return cached;
  const name = TripwireAttributes.variantPrefix + flagKey;
  if (cache.size < MAX_CACHED_KEYS) cache.set(flagKey, name);
  return name;
}
