import type {
  ConfigPatch,
  ConfigSnapshot,
  EvaluationContext,
  Flag,
  Segment,
} from '@tripwire/schema';
import { applyConfigPatch, validateConfigSnapshot } from '@tripwire/schema';
import { describe, expect, it } from 'vitest';
import type { ConfigChange, ConfigProblem } from '../src/config-store.js';
import { ConfigStore, diffFlagVersions } from '../src/config-store.js';
import type { CompiledConfig } from '../src/evaluation/index.js';
import { compileConfig, compileConfigUpdate, ConfigReferences } from '../src/evaluation/index.js';
import { RecompileSet } from '../src/evaluation/config-references.js';

const metadata = { owner: 'team-test', createdAt: '2026-01-01T00:00:00Z' };

/** A boolean flag: `on` when `when` matches (if given), else `fallthrough`. */
function makeFlag(
  key: string,
  options: {
    when?: Flag['environments'][string]['rules'][number]['when'];
    fallthrough?: 'on' | 'off';
    enabled?: boolean;
    prerequisites?: Flag['prerequisites'];
    version?: number;
  } = {},
): Flag {
  const flag: Flag = {
    key,
    kind: 'release',
    type: 'boolean',
    variants: [
      { key: 'off', value: false },
      { key: 'on', value: true },
    ],
    defaultVariant: 'off',
    salt: key,
    metadata,
    environments: {
      production: {
        enabled: options.enabled ?? true,
        rules:
          options.when === undefined
            ? []
            : [{ id: 'rule', when: options.when, serve: { variant: 'on' } }],
        fallthrough: { variant: options.fallthrough ?? 'off' },
      },
    },
    version: options.version ?? 1,
  };
  if (options.prerequisites !== undefined) flag.prerequisites = options.prerequisites;
  return flag;
}

/** A segment with empty include/exclude lists unless given. */
const segment = (fields: Partial<Segment> & { key: string }): Segment => ({
  included: [],
  excluded: [],
  version: 1,
  ...fields,
});

const segments: Segment[] = [
  segment({ key: 'beta-users', when: { attribute: 'plan', op: 'equals', values: ['beta'] } }),
  segment({ key: 'staff', included: ['u-staff'] }),
  segment({ key: 'insiders', when: { any: [{ segment: 'staff' }, { segment: 'beta-users' }] } }),
];

const flags: Flag[] = [
  makeFlag('gate', { when: { segment: 'insiders' } }),
  makeFlag('nav', { fallthrough: 'on', prerequisites: [{ flag: 'gate', variants: ['on'] }] }),
  makeFlag('deep', { fallthrough: 'on', prerequisites: [{ flag: 'nav', variants: ['on'] }] }),
  makeFlag('staff-only', { when: { segment: 'staff' } }),
  makeFlag('dutch', { when: { attribute: 'country', op: 'equals', values: ['NL'] } }),
];

const base: ConfigSnapshot = {
  schemaVersion: 1,
  environment: 'production',
  version: 10,
  generatedAt: '2026-11-25T12:00:00.000Z',
  flags,
  segments,
};

const contexts: EvaluationContext[] = [
  { targetingKey: 'u-staff' },
  { targetingKey: 'u1', plan: 'beta' },
  { targetingKey: 'u2', plan: 'free', country: 'NL' },
  { targetingKey: 'u3' },
];

const patch = (body: Partial<ConfigPatch>): ConfigPatch => ({
  version: 11,
  flags: [],
  segments: [],
  removedFlags: [],
  ...body,
});

/** The store as the client wires it: full compile on put, incremental compile on patch. */
function createStore(problems: ConfigProblem[] = []): ConfigStore<CompiledConfig> {
  const store = new ConfigStore<CompiledConfig>({
    environment: 'production',
    buildEngine: (snapshot, update) =>
      update === undefined
        ? compileConfig(snapshot)
        : compileConfigUpdate(update.previous, snapshot, update.recompile),
    onChange: () => {},
    onProblem: (problem) => problems.push(problem),
    onRecover: () => {},
  });
  store.put(base, 'stream');
  expect(problems).toEqual([]);
  return store;
}

function evaluateAll(engine: CompiledConfig, keys: readonly string[]) {
  return keys.flatMap((key) => contexts.map((ctx) => [key, ctx, engine.resolve(key, ctx)]));
}

const on = (engine: CompiledConfig, key: string, ctx: EvaluationContext) =>
  engine.evaluate(key, ctx, false).value;

const cases: [string, ConfigPatch][] = [
  [
    'a nested segment changes',
    patch({
      segments: [
        segment({ key: 'beta-users', when: { attribute: 'plan', op: 'equals', values: ['pro'] } }),
      ],
    }),
  ],
  [
    'a directly used segment changes',
    patch({ segments: [segment({ key: 'staff', included: ['u3'] })] }),
  ],
  [
    'the root prerequisite is killed',
    patch({ flags: [makeFlag('gate', { enabled: false, version: 2 })] }),
  ],
  [
    'the root prerequisite is killed, keeping its rules',
    patch({
      flags: [makeFlag('gate', { when: { segment: 'insiders' }, enabled: false, version: 2 })],
    }),
  ],
  ['a middle prerequisite changes', patch({ flags: [makeFlag('nav', { version: 2 })] })],
  [
    'an unrelated flag changes',
    patch({ flags: [makeFlag('dutch', { fallthrough: 'on', version: 2 })] }),
  ],
  [
    'a prerequisite loses a variant its dependent needs',
    patch({
      flags: [
        {
          ...makeFlag('gate', { version: 2 }),
          variants: [
            { key: 'off', value: false },
            { key: 'yes', value: true },
          ],
          environments: {
            production: { enabled: true, rules: [], fallthrough: { variant: 'yes' } },
          },
        },
      ],
    }),
  ],
  ['a used segment is removed', patch({ removedSegments: ['staff'] })],
  [
    'a segment is removed with every use of it',
    patch({
      removedSegments: ['staff'],
      segments: [segment({ key: 'insiders', when: { segment: 'beta-users' } })],
      flags: [makeFlag('staff-only', { version: 2 })],
    }),
  ],
  ['a prerequisite flag is removed', patch({ removedFlags: ['gate'] })],
  ['a prerequisite chain is removed', patch({ removedFlags: ['gate', 'nav', 'deep'] })],
  ['an unknown flag is removed', patch({ removedFlags: ['never-there'] })],
  [
    'a flag references an unknown segment',
    patch({ flags: [makeFlag('new', { when: { segment: 'ghost' } })] }),
  ],
  [
    'a flag needs an unknown prerequisite',
    patch({ flags: [makeFlag('new', { prerequisites: [{ flag: 'ghost', variants: ['on'] }] })] }),
  ],
  [
    'a flag needs an unknown variant of a prerequisite',
    patch({ flags: [makeFlag('new', { prerequisites: [{ flag: 'gate', variants: ['maybe'] }] })] }),
  ],
  [
    'prerequisites form a cycle',
    patch({
      flags: [
        makeFlag('gate', { version: 2, prerequisites: [{ flag: 'deep', variants: ['on'] }] }),
      ],
    }),
  ],
  [
    'segments form a cycle',
    patch({ segments: [segment({ key: 'staff', when: { segment: 'insiders' } })] }),
  ],
  [
    'a new segment and a new flag using it',
    patch({
      segments: [
        segment({ key: 'nl', when: { attribute: 'country', op: 'equals', values: ['NL'] } }),
      ],
      flags: [makeFlag('new', { when: { segment: 'nl' } })],
    }),
  ],
  [
    'a flag is removed and added back with a new prerequisite',
    patch({
      removedFlags: ['dutch'],
      flags: [
        makeFlag('dutch', { version: 2, prerequisites: [{ flag: 'deep', variants: ['on'] }] }),
      ],
    }),
  ],
  ['a flag is sent again unchanged', patch({ flags: [makeFlag('dutch')] })],
  ['a new flag is added', patch({ flags: [makeFlag('fresh')] })],
];

describe('patching the applied config', () => {
  it.each(cases)(
    'agrees with validating and compiling the whole patched snapshot when %s',
    (_name, body) => {
      const store = createStore();
      const next = applyConfigPatch(base, body);
      const expected = validateConfigSnapshot(next);
      expect(store.patch(body, 'stream')).toBe(expected.ok);
      const engine = store.applied!.engine;
      if (!expected.ok) {
        expect(engine.version).toBe(10);
        return;
      }
      expect(engine.version).toBe(11);
      const keys = next.flags.map((f) => f.key);
      expect(engine.listFlagKeys()).toEqual(keys);
      expect(evaluateAll(engine, keys)).toEqual(evaluateAll(compileConfig(next), keys));
    },
  );

  it.each(cases)('reports the same changed flags as diffing the snapshots when %s', (_n, body) => {
    const changes: ConfigChange[] = [];
    const store = new ConfigStore<CompiledConfig>({
      environment: 'production',
      buildEngine: (snapshot) => compileConfig(snapshot),
      onChange: (change) => changes.push(change),
      onProblem: () => {},
      onRecover: () => {},
    });
    store.put(base, 'stream');
    if (!store.patch(body, 'stream')) return;
    const next = applyConfigPatch(base, body);
    expect(changes[1]?.changedFlags).toEqual(diffFlagVersions(base, next));
  });

  it('re-evaluates a flag whose segment (through a nested segment) changed', () => {
    const store = createStore();
    const beta = contexts[1]!;
    expect(on(store.applied!.engine, 'gate', beta)).toBe(true);
    expect(store.patch(cases[0]![1], 'stream')).toBe(true);
    const engine = store.applied!.engine;
    expect(on(engine, 'gate', beta)).toBe(false);
    expect(on(engine, 'gate', { targetingKey: 'u9', plan: 'pro' })).toBe(true);
    // nav and deep depend on gate through prerequisites.
    expect(on(engine, 'nav', beta)).toBe(false);
    expect(on(engine, 'deep', { targetingKey: 'u9', plan: 'pro' })).toBe(true);
  });

  it('re-evaluates dependents, transitively, when a prerequisite is killed', () => {
    const store = createStore();
    const staff = contexts[0]!;
    expect(on(store.applied!.engine, 'deep', staff)).toBe(true);
    expect(store.patch(cases[2]![1], 'stream')).toBe(true);
    const engine = store.applied!.engine;
    expect(engine.evaluate('nav', staff, true)).toMatchObject({ value: false, reason: 'disabled' });
    expect(engine.evaluate('deep', staff, true)).toMatchObject({
      value: false,
      reason: 'disabled',
    });
  });

  it('ignores an invalid patch, reports where it is wrong, and keeps the last known good config', () => {
    const problems: ConfigProblem[] = [];
    const store = createStore(problems);
    const before = store.applied;
    expect(store.patch(patch({ removedSegments: ['staff'] }), 'stream')).toBe(false);
    expect(store.applied).toBe(before);
    expect(store.appliedVersion()).toBe(10);
    expect(on(store.applied!.engine, 'staff-only', contexts[0]!)).toBe(true);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('config patch 11 leaves an invalid config');
    expect(problems[0]!.issues).toEqual(
      expect.arrayContaining([
        {
          instancePath: '/removedSegments',
          message: "flag 'staff-only' still references removed segment 'staff'",
        },
      ]),
    );
    // The next valid patch still applies on top of the kept config.
    expect(store.patch(cases[5]![1], 'stream')).toBe(true);
    expect(on(store.applied!.engine, 'dutch', contexts[3]!)).toBe(true);
  });

  it('points at the offending place inside the patch', () => {
    const review = ConfigReferences.fromSnapshot(base).reviewPatch(cases[12]![1]);
    expect(review.issues).toEqual([
      {
        instancePath: '/flags/0/environments/production/rules/0/when/segment',
        message: "unknown segment 'ghost'",
      },
    ]);
  });
});

describe('ConfigReferences.reviewPatch', () => {
  const recompile = (body: ConfigPatch) =>
    [...ConfigReferences.fromSnapshot(base).reviewPatch(body).recompile].sort();

  it('recompiles only the patched flag when nothing depends on it', () => {
    expect(recompile(cases[5]![1])).toEqual(['dutch']);
  });

  it('recompiles the users of a changed segment and of segments that use it, and their dependents', () => {
    expect(recompile(cases[0]![1])).toEqual(['deep', 'gate', 'nav']);
    expect(recompile(cases[1]![1])).toEqual(['deep', 'gate', 'nav', 'staff-only']);
  });

  it('recompiles the dependents of a changed or removed prerequisite', () => {
    expect(recompile(cases[4]![1])).toEqual(['deep', 'nav']);
    expect(recompile(patch({ removedFlags: ['nav'] }))).toEqual(['deep']);
  });
});

describe('patches that keep the reference graph (kills, served variant, rules)', () => {
  const gateKill = patch({
    flags: [makeFlag('gate', { when: { segment: 'insiders' }, enabled: false, version: 2 })],
  });

  it('reuses the graph and still recompiles the dependents, transitively', () => {
    const references = ConfigReferences.fromSnapshot(base);
    const review = references.reviewPatch(gateKill);
    expect(review.issues).toEqual([]);
    expect(review.references).toBe(references);
    expect([...review.recompile].sort()).toEqual(['deep', 'gate', 'nav']);
    expect(review.recompile.segmentsChanged).toBe(false);
  });

  it('builds a new graph when a flag changes the segments it uses', () => {
    const references = ConfigReferences.fromSnapshot(base);
    const moved = references.reviewPatch(
      patch({ flags: [makeFlag('gate', { when: { segment: 'staff' }, version: 2 })] }),
    );
    expect(moved.issues).toEqual([]);
    expect(moved.references).not.toBe(references);
    // 'insiders' is no longer used by any flag, so removing it is now fine.
    const removal = patch({ version: 12, removedSegments: ['insiders'] });
    expect(references.reviewPatch(removal).issues).not.toEqual([]);
    expect(moved.references.reviewPatch(removal).issues).toEqual([]);
  });

  it('evaluates like a full compile after a series of kills and segment changes', () => {
    const store = createStore();
    const series: Partial<ConfigPatch>[] = [
      gateKill,
      { segments: [segment({ key: 'staff', included: ['u3'] })] },
      { flags: [makeFlag('gate', { when: { segment: 'insiders' }, version: 3 })] },
      { flags: [makeFlag('dutch', { enabled: false, version: 2 })] },
      { flags: [makeFlag('nav', { fallthrough: 'off', version: 2, prerequisites: [] })] },
      { flags: [makeFlag('gate', { when: { segment: 'insiders' }, enabled: false, version: 4 })] },
    ];
    let snapshot = base;
    series.forEach((body, i) => {
      const next = patch({ ...body, version: 11 + i });
      expect(store.patch(next, 'stream')).toBe(true);
      snapshot = applyConfigPatch(snapshot, next);
      const keys = snapshot.flags.map((f) => f.key);
      expect(evaluateAll(store.applied!.engine, keys)).toEqual(
        evaluateAll(compileConfig(snapshot), keys),
      );
    });
  });
});

describe('compileConfigUpdate', () => {
  it('breaks the flags of a prerequisite cycle that a recompiled flag closes (backstop)', () => {
    const previous = compileConfig(base);
    const cyclic = makeFlag('gate', {
      version: 2,
      prerequisites: [{ flag: 'deep', variants: ['on'] }],
    });
    const next = { ...base, version: 11, flags: [cyclic, ...flags.slice(1)] };
    const engine = compileConfigUpdate(
      previous,
      next,
      new RecompileSet(['gate', 'nav', 'deep'], false),
    );
    for (const key of ['gate', 'nav', 'deep'])
      expect(engine.evaluate(key, contexts[0]!, false)).toMatchObject({
        reason: 'error',
        errorCode: 'parse_error',
        errorMessage: expect.stringContaining('prerequisites form a cycle') as unknown,
      });
    expect(engine.evaluate('dutch', contexts[2]!, false).value).toBe(true);
  });
});
