import type { ConfigSnapshot } from '@tripwire/schema';
import type { TripwireClient } from '../client-types.js';
import { TripwireError } from '../errors.js';
import type { TestClientOptions } from './create-test-client.js';
import { createTestClient } from './create-test-client.js';

/** One combination: flag key → the variant it is pinned to. */
export type VariantCombination = Readonly<Record<string, string>>;

/** Flags to combine: keys (all their variants in `options.config`) or key → chosen variants. */
export type FlagVariantChoice = readonly string[] | Readonly<Record<string, readonly string[]>>;

function resolveChoices(
  flags: FlagVariantChoice,
  config: ConfigSnapshot | undefined,
): [string, readonly string[]][] {
  if (!Array.isArray(flags)) return Object.entries(flags as Record<string, readonly string[]>);
  return (flags as readonly string[]).map((key) => {
    const flag = config?.flags.find((f) => f.key === key);
    if (flag === undefined) {
      throw new TripwireError(
        'TRIPWIRE_INVALID_OPTIONS',
        `forEachVariantCombination: no flag '${key}' in options.config`,
      );
    }
    return [key, flag.variants.map((v) => v.key)];
  });
}

/** Every combination (cartesian product) in a stable order: the first flag varies slowest. */
export function listVariantCombinations(
  choices: readonly [string, readonly string[]][],
): VariantCombination[] {
  let combinations: Record<string, string>[] = [{}];
  for (const [key, variants] of choices) {
    combinations = combinations.flatMap((partial) =>
      variants.map((variant) => ({ ...partial, [key]: variant })),
    );
  }
  return combinations;
}

/**
 * Runs `scenario` once per combination of the chosen flags' variants, each time with a fresh
 * test client whose flags are pinned to that combination (closed afterwards). Runs one at a
 * time; resolves with the combinations run. A failing scenario rejects with the combination
 * named in the message.
 */
export async function forEachVariantCombination(
  flags: FlagVariantChoice,
  scenario: (client: TripwireClient, combination: VariantCombination) => void | Promise<void>,
  options: Omit<TestClientOptions, 'overrides'> = {},
): Promise<VariantCombination[]> {
  const combinations = listVariantCombinations(resolveChoices(flags, options.config));
  for (const combination of combinations) {
    const client = createTestClient({ ...options, overrides: combination });
    try {
      await scenario(client, combination);
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new Error(`scenario failed for ${JSON.stringify(combination)}: ${message}`, { cause });
    } finally {
      await client.close();
    }
  }
  return combinations;
}
