import type { ConfigSnapshot, Flag, Segment } from '../src/index.js';

/** A valid experiment flag exercising most of the model; tests clone and break it. */
export function makeFlag(overrides: Partial<Flag> = {}): Flag {
  return {
    key: 'checkout.new-flow',
    kind: 'experiment',
    type: 'string',
    variants: [
      { key: 'control', value: 'old' },
      { key: 'treatment', value: 'new', name: 'New flow' },
    ],
    defaultVariant: 'control',
    salt: 'checkout.new-flow',
    metadata: {
      owner: 'team-checkout',
      description: 'New checkout flow',
      tags: ['checkout'],
      createdAt: '2026-01-01T00:00:00Z',
      expiresAt: '2026-06-01T00:00:00Z',
    },
    prerequisites: [],
    environments: {
      production: {
        enabled: true,
        rules: [
          {
            id: 'beta-testers',
            when: {
              all: [
                { attribute: 'country', op: 'in', values: ['NL', 'DE'] },
                { not: { attribute: 'appVersion', op: 'semver_lt', values: ['2.0.0'] } },
                { segment: 'beta' },
              ],
            },
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
    guardrails: [
      {
        id: 'errors',
        metric: 'error_rate',
        direction: 'lower_is_better',
        margin: 0.05,
        minSample: 500,
        action: 'kill',
      },
    ],
    version: 3,
    archived: false,
    ...overrides,
  };
}

export function makeSegment(overrides: Partial<Segment> = {}): Segment {
  return {
    key: 'beta',
    included: ['user-1'],
    excluded: ['user-2'],
    when: { attribute: 'email', op: 'ends_with', values: ['@example.com'] },
    version: 1,
    ...overrides,
  };
}

export function makeSnapshot(overrides: Partial<ConfigSnapshot> = {}): ConfigSnapshot {
  return {
    schemaVersion: 1,
    environment: 'production',
    version: 7,
    generatedAt: '2026-01-02T00:00:00Z',
    flags: [makeFlag()],
    segments: [makeSegment()],
    ...overrides,
  };
}
