import type { ConfigSnapshot, Flag } from '@tripwire/schema';

const metadata = { owner: 'team-test', createdAt: '2026-01-01T00:00:00Z' };

/** A 50/50 string experiment; `plan: 'vip'` is targeted to treatment. */
export function makeExperimentFlag(overrides: Partial<Flag> = {}): Flag {
  return {
    key: 'checkout-flow',
    kind: 'experiment',
    type: 'string',
    variants: [
      { key: 'control', value: 'old' },
      { key: 'treatment', value: 'new' },
    ],
    defaultVariant: 'control',
    salt: 'checkout-flow',
    metadata,
    environments: {
      production: {
        enabled: true,
        rules: [
          {
            id: 'vip',
            when: { attribute: 'plan', op: 'equals', values: ['vip'] },
            serve: { variant: 'treatment' },
          },
        ],
        fallthrough: {
          rollout: {
            coverage: 10_000,
            weights: [
              { variant: 'control', weight: 50 },
              { variant: 'treatment', weight: 50 },
            ],
          },
        },
      },
    },
    version: 3,
    ...overrides,
  };
}

/** A boolean release flag: on for `beta: true`, off otherwise. */
export function makeReleaseFlag(overrides: Partial<Flag> = {}): Flag {
  return {
    key: 'new-nav',
    kind: 'release',
    type: 'boolean',
    variants: [
      { key: 'off', value: false },
      { key: 'on', value: true },
    ],
    defaultVariant: 'off',
    salt: 'new-nav',
    metadata,
    environments: {
      production: {
        enabled: true,
        rules: [
          {
            id: 'beta',
            when: { attribute: 'beta', op: 'equals', values: [true] },
            serve: { variant: 'on' },
          },
        ],
        fallthrough: { variant: 'off' },
      },
    },
    version: 1,
    ...overrides,
  };
}

/** Number and JSON flags served to everyone (static results, never exposures). */
export function makeValueFlags(): Flag[] {
  return [
    {
      key: 'page-size',
      kind: 'operational',
      type: 'number',
      variants: [
        { key: 'small', value: 10 },
        { key: 'large', value: 50 },
      ],
      defaultVariant: 'small',
      salt: 'page-size',
      metadata,
      environments: { production: { enabled: true, rules: [], fallthrough: { variant: 'large' } } },
      version: 1,
    },
    {
      key: 'theme',
      kind: 'release',
      type: 'json',
      variants: [
        { key: 'light', value: { color: 'white' } },
        { key: 'dark', value: { color: 'black' } },
      ],
      defaultVariant: 'light',
      salt: 'theme',
      metadata,
      environments: { production: { enabled: true, rules: [], fallthrough: { variant: 'dark' } } },
      version: 1,
    },
  ];
}

export function makeSnapshot(overrides: Partial<ConfigSnapshot> = {}): ConfigSnapshot {
  return {
    schemaVersion: 1,
    environment: 'production',
    version: 1,
    generatedAt: '2026-11-25T12:00:00.000Z',
    flags: [makeExperimentFlag(), makeReleaseFlag(), ...makeValueFlags()],
    segments: [],
    ...overrides,
  };
}

export const HASH_KEY = 'test-hash-key-0123456789';
