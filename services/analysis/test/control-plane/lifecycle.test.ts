import { describe, expect, it } from 'vitest';
import type { Flag } from '@tripwire/schema';
import { findCodeReferences } from '../../src/control-plane/code-references.js';
import { diffDocuments } from '../../src/control-plane/document-diff.js';
import {
  DEFAULT_STALE_POLICY,
  detectStaleFlags,
  listServedVariants,
} from '../../src/control-plane/stale-flags.js';
import { makeFlag } from './control-plane-harness.js';

const now = new Date('2026-06-01T00:00:00.000Z');
const daysAgo = (days: number): Date => new Date(now.getTime() - days * 86_400_000);

function flagCreated(key: string, days: number, patch: Partial<Flag> = {}): Flag {
  const flag = makeFlag(key, ['production']);
  return {
    ...flag,
    ...patch,
    metadata: { ...flag.metadata, createdAt: daysAgo(days).toISOString(), ...patch.metadata },
  };
}

/** `production` on, its fallthrough split 50/50 between `off` and `on`. */
const SPLIT_IN_PRODUCTION: Flag['environments'] = {
  production: {
    enabled: true,
    rules: [],
    fallthrough: {
      rollout: {
        coverage: 10_000,
        weights: [
          { variant: 'off', weight: 1 },
          { variant: 'on', weight: 1 },
        ],
      },
    },
  },
};

function detect(
  flags: Flag[],
  lastExposure = new Map<string, Date>(),
  stateChangedAt = new Map<string, Date>(),
) {
  return detectStaleFlags({
    flags,
    lastExposure,
    stateChangedAt,
    now,
    policy: DEFAULT_STALE_POLICY,
  });
}

describe('stale flags', () => {
  it('reports a flag with no exposure for longer than the unused window, with owner and age', () => {
    const flag = { ...flagCreated('old.flag', 45), kind: 'operational' as const };
    const split = { ...flag, environments: SPLIT_IN_PRODUCTION };
    const [report] = detect([split], new Map([['old.flag', daysAgo(31)]]));
    expect(report).toMatchObject({ key: 'old.flag', owner: 'team-checkout', ageDays: 45 });
    expect(report?.reasons.map((reason) => reason.kind)).toEqual(['not_evaluated']);
  });

  it('does not report a recently evaluated operational flag that still splits', () => {
    const flag: Flag = {
      ...flagCreated('busy.flag', 400),
      kind: 'operational',
      environments: SPLIT_IN_PRODUCTION,
    };
    expect(detect([flag], new Map([['busy.flag', daysAgo(1)]]))).toEqual([]);
  });

  it('reports an environment serving one variant to everyone since its last change', () => {
    const flag = { ...flagCreated('rolled.out', 40), kind: 'operational' as const };
    const recent = new Map([['rolled.out\u0000production', daysAgo(3)]]);
    const exposures = new Map([['rolled.out', daysAgo(1)]]);
    expect(detect([flag], exposures, recent)).toEqual([]);
    const old = new Map([['rolled.out\u0000production', daysAgo(20)]]);
    const [report] = detect([flag], exposures, old);
    expect(report?.reasons).toEqual([
      {
        kind: 'single_variant',
        environment: 'production',
        detail: 'serves "on" to everyone in production for 20 days',
      },
    ]);
  });

  it('reports expired flags and release flags past their sunset, never archived ones', () => {
    const expired = flagCreated('expired.flag', 10, {
      metadata: {
        owner: 'a',
        createdAt: daysAgo(10).toISOString(),
        expiresAt: daysAgo(2).toISOString(),
      },
    });
    const ancient = flagCreated('ancient.release', 120);
    const archived = { ...flagCreated('gone.flag', 500), archived: true };
    const reports = detect(
      [expired, ancient, archived],
      new Map([
        ['expired.flag', now],
        ['ancient.release', now],
      ]),
    );
    expect(
      reports.map((report) => [report.key, report.reasons.map((reason) => reason.kind)]),
    ).toEqual([
      ['ancient.release', ['single_variant', 'past_sunset']],
      ['expired.flag', ['expired']],
    ]);
  });

  it('lists the variants a disabled environment and a partial rollout can serve', () => {
    const flag = makeFlag('f', ['production']);
    expect([
      ...listServedVariants(flag, { enabled: false, rules: [], fallthrough: { variant: 'on' } }),
    ]).toEqual(['off']);
    const partial = {
      enabled: true,
      rules: [],
      fallthrough: { rollout: { coverage: 5_000, weights: [{ variant: 'on', weight: 1 }] } },
    };
    expect([...listServedVariants(flag, partial)].sort()).toEqual(['off', 'on']);
  });
});

describe('code references', () => {
  const files = [
    {
      path: 'src/checkout.ts',
      text: [
        "const fast = client.getBooleanValue('checkout.fast-path', false, ctx);",
        "const color = client.assign('checkout.color', ctx, 'blue');",
        "if (await of.getBooleanValue('removed.flag', false)) {}",
        "log('not a flag call');",
      ].join('\n'),
    },
    { path: 'src/old.py', text: 'enabled = client.is_enabled("x")\nkey = "legacy.flag"\n' },
  ];

  it('finds known keys with file, line and column, and evaluations of keys that no longer exist', () => {
    const report = findCodeReferences({
      files,
      activeKeys: new Set(['checkout.fast-path', 'checkout.color', 'unused.flag']),
      archivedKeys: new Set(['legacy.flag']),
    });
    expect(report.references).toEqual([
      { key: 'checkout.fast-path', file: 'src/checkout.ts', line: 1, column: 37, status: 'active' },
      { key: 'checkout.color', file: 'src/checkout.ts', line: 2, column: 29, status: 'active' },
      { key: 'removed.flag', file: 'src/checkout.ts', line: 3, column: 30, status: 'unknown' },
      { key: 'legacy.flag', file: 'src/old.py', line: 2, column: 7, status: 'archived' },
    ]);
    expect(report.unreferenced).toEqual(['unused.flag']);
  });
});

describe('document diffs', () => {
  it('lists leaf changes as JSON pointers', () => {
    expect(
      diffDocuments(
        { a: 1, b: { c: [1, 2] }, 'x/y': true },
        { a: 1, b: { c: [1, 3, 4] }, d: 'new' },
      ),
    ).toEqual([
      { path: '/b/c/1', op: 'replace', before: 2, after: 3 },
      { path: '/b/c/2', op: 'add', after: 4 },
      { path: '/d', op: 'add', after: 'new' },
      { path: '/x~1y', op: 'remove', before: true },
    ]);
    expect(diffDocuments(undefined, { a: 1 })).toEqual([{ path: '/', op: 'add', after: { a: 1 } }]);
  });
});
