import type { ConfigSnapshot, Flag, Segment, Serve } from '@tripwire/schema';

/** A boolean-or-multi-variant flag for tests; `serve` becomes the production fallthrough. */
export function makeFlag(partial: Partial<Flag> & { key: string }, serve?: Serve): Flag {
  return {
    kind: 'experiment',
    type: 'string',
    variants: ['a', 'b', 'c', 'd'].map((key) => ({ key, value: key })),
    defaultVariant: 'a',
    salt: `${partial.key}-salt`,
    metadata: { owner: 'tests', createdAt: '2026-01-01T00:00:00Z' },
    environments: {
      production: { enabled: true, rules: [], fallthrough: serve ?? { variant: 'a' } },
    },
    version: 1,
    ...partial,
  };
}

export function makeSnapshot(flags: Flag[], segments: Segment[] = []): ConfigSnapshot {
  return {
    schemaVersion: 1,
    environment: 'production',
    version: 1,
    generatedAt: '2026-01-01T00:00:00Z',
    flags,
    segments,
  };
}

export function makeRollout(weights: number[], coverage: number, seed?: number): Serve {
  return {
    rollout: {
      coverage,
      weights: weights.map((weight, i) => ({ variant: ['a', 'b', 'c', 'd'][i]!, weight })),
      ...(seed === undefined ? {} : { seed }),
    },
  };
}

export const unitKeys = (count: number, prefix = 'user-'): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}`);
