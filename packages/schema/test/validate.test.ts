import { describe, expect, it } from 'vitest';
import {
  applyConfigPatch,
  migrateLegacyDirections,
  validateConfigPatch,
  validateConfigSnapshot,
  validateFlag,
  validateSegment,
  type Flag,
} from '../src/index.js';
import { makeFlag, makeSegment, makeSnapshot } from './fixtures.js';

/** Applies `mutate` to a fresh valid flag and returns the validation errors. */
function errorsAfter(mutate: (flag: Flag) => void): { instancePath: string; message: string }[] {
  const flag = structuredClone(makeFlag());
  mutate(flag);
  const result = validateFlag(flag);
  return result.ok ? [] : result.errors;
}

const production = (flag: Flag) => flag.environments.production!;

describe('validateFlag', () => {
  it('accepts a complete flag and returns it', () => {
    const flag = makeFlag();
    expect(validateFlag(flag)).toEqual({ ok: true, value: flag });
  });

  it('reports schema errors with JSON pointers', () => {
    const errors = errorsAfter((f) => {
      (f as { kind: string }).kind = 'nope';
      f.key = '-bad key';
    });
    expect(errors.map((e) => e.instancePath)).toEqual(expect.arrayContaining(['/kind', '/key']));
  });

  it('reports the error inside the condition shape the value has, not every shape it is not', () => {
    const errors = errorsAfter((f) => {
      production(f).rules[0]!.when = {
        all: [{ attribute: 'a', op: 'bogus' as 'in', values: [1] }],
      };
    });
    expect(errors).toEqual([
      {
        instancePath: '/environments/production/rules/0/when/all/0/op',
        message: 'must be equal to one of the allowed values',
      },
    ]);
  });

  it('rejects unknown properties so typos do not pass silently', () => {
    const errors = errorsAfter((f) => Object.assign(production(f), { enabeld: true }));
    expect(errors.some((e) => e.instancePath === '/environments/production')).toBe(true);
  });

  it.each<[string, (f: Flag) => void, string, string]>([
    [
      'duplicate variant keys',
      (f) => f.variants.push({ key: 'control', value: 'x' }),
      '/variants/2/key',
      "duplicate variant key 'control'",
    ],
    [
      'a variant value of the wrong type',
      (f) => (f.variants[0]!.value = 1),
      '/variants/0/value',
      'value must be a string for a string flag',
    ],
    [
      'an unknown defaultVariant',
      (f) => (f.defaultVariant = 'nope'),
      '/defaultVariant',
      "unknown variant 'nope'",
    ],
    [
      'an unknown offVariant',
      (f) => (production(f).offVariant = 'nope'),
      '/environments/production/offVariant',
      "unknown variant 'nope'",
    ],
    [
      'an unknown served variant',
      (f) => (production(f).rules[0]!.serve = { variant: 'x' }),
      '/environments/production/rules/0/serve/variant',
      "unknown variant 'x'",
    ],
    [
      'zero total weight',
      (f) =>
        (production(f).fallthrough = {
          rollout: { coverage: 10_000, weights: [{ variant: 'control', weight: 0 }] },
        }),
      '/environments/production/fallthrough/rollout/weights',
      'weights must sum to more than 0',
    ],
    [
      'a variant weighted twice',
      (f) =>
        (production(f).fallthrough = {
          rollout: {
            coverage: 100,
            weights: [
              { variant: 'control', weight: 1 },
              { variant: 'control', weight: 1 },
            ],
          },
        }),
      '/environments/production/fallthrough/rollout/weights/1/variant',
      "variant 'control' is weighted twice",
    ],
    [
      'duplicate rule ids',
      (f) => production(f).rules.push({ ...production(f).rules[0]! }),
      '/environments/production/rules/1/id',
      "duplicate rule id 'beta-testers'",
    ],
    [
      'an invalid regex',
      (f) => (production(f).rules[0]!.when = { attribute: 'a', op: 'matches', values: ['('] }),
      '/environments/production/rules/0/when/values/0',
      "value for 'matches' is not a valid regular expression",
    ],
    [
      'a non-SemVer operand',
      (f) => (production(f).rules[0]!.when = { attribute: 'a', op: 'semver_gt', values: ['1.2'] }),
      '/environments/production/rules/0/when/values/0',
      "value for 'semver_gt' must be a SemVer 2.0.0 version",
    ],
    [
      'a string operand for a numeric op',
      (f) => (production(f).rules[0]!.when = { attribute: 'a', op: 'lt', values: ['3'] }),
      '/environments/production/rules/0/when/values/0',
      "value for 'lt' must be a finite number",
    ],
    [
      'two values for equals',
      (f) => (production(f).rules[0]!.when = { attribute: 'a', op: 'equals', values: [1, 2] }),
      '/environments/production/rules/0/when/values',
      "op 'equals' takes exactly one value",
    ],
    [
      'no values for in',
      (f) => (production(f).rules[0]!.when = { attribute: 'a', op: 'in', values: [] }),
      '/environments/production/rules/0/when/values',
      "op 'in' needs at least one value",
    ],
    [
      'values for exists',
      (f) => (production(f).rules[0]!.when = { attribute: 'a', op: 'exists', values: [1] }),
      '/environments/production/rules/0/when/values',
      "op 'exists' takes no values",
    ],
    [
      'a self-prerequisite',
      (f) => (f.prerequisites = [{ flag: f.key, variants: ['control'] }]),
      '/prerequisites/0/flag',
      'a flag cannot be its own prerequisite',
    ],
    [
      'an expiry before creation',
      (f) => (f.metadata.expiresAt = '2025-01-01T00:00:00Z'),
      '/metadata/expiresAt',
      'expiresAt must be after createdAt',
    ],
    [
      'a conversion guardrail without an event',
      (f) =>
        (f.guardrails = [
          {
            id: 'c',
            metric: 'conversion',
            direction: 'higher_is_better',
            margin: 0.1,
            minSample: 100,
            action: 'alert',
          },
        ]),
      '/guardrails/0/conversionEvent',
      "a 'conversion' guardrail needs conversionEvent",
    ],
  ])('rejects %s', (_name, mutate, instancePath, message) => {
    expect(errorsAfter(mutate)).toContainEqual({
      instancePath,
      message: expect.stringContaining(message) as string,
    });
  });

  it('rejects conditions nested deeper than the limit', () => {
    const errors = errorsAfter((f) => {
      let when: Flag['environments'][string]['rules'][number]['when'] = {
        attribute: 'a',
        op: 'exists',
      };
      for (let i = 0; i < 20; i++) when = { not: when };
      production(f).rules[0]!.when = when;
    });
    expect(errors.some((e) => e.message.includes('nest deeper'))).toBe(true);
  });
});

describe('validateSegment', () => {
  it('accepts a valid segment and checks its condition values', () => {
    expect(validateSegment(makeSegment()).ok).toBe(true);
    const result = validateSegment(
      makeSegment({ when: { attribute: 'a', op: 'gt', values: ['x'] } }),
    );
    expect(result.ok ? [] : result.errors.map((e) => e.instancePath)).toEqual(['/when/values/0']);
  });
});

describe('validateConfigSnapshot', () => {
  it('accepts a consistent snapshot', () => {
    expect(validateConfigSnapshot(makeSnapshot()).ok).toBe(true);
  });

  it('rejects an unknown schemaVersion', () => {
    expect(validateConfigSnapshot({ ...makeSnapshot(), schemaVersion: 2 }).ok).toBe(false);
  });

  it('reports references to missing segments and prerequisite flags or variants', () => {
    const flag = makeFlag({ prerequisites: [{ flag: 'ghost', variants: ['on'] }] });
    const other = makeFlag({
      key: 'other',
      prerequisites: [{ flag: flag.key, variants: ['nope'] }],
    });
    const result = validateConfigSnapshot(makeSnapshot({ flags: [flag, other], segments: [] }));
    expect(result.ok ? [] : result.errors).toEqual(
      expect.arrayContaining([
        {
          instancePath: '/flags/0/environments/production/rules/0/when/all/2/segment',
          message: "unknown segment 'beta'",
        },
        {
          instancePath: '/flags/0/prerequisites/0/flag',
          message: "unknown prerequisite flag 'ghost'",
        },
        {
          instancePath: '/flags/1/prerequisites/0/variants/0',
          message: "flag 'checkout.new-flow' has no variant 'nope'",
        },
      ]),
    );
  });

  it('reports prerequisite and segment cycles and duplicate keys', () => {
    const a = makeFlag({ key: 'a', prerequisites: [{ flag: 'b', variants: ['control'] }] });
    const b = makeFlag({ key: 'b', prerequisites: [{ flag: 'a', variants: ['control'] }] });
    const s1 = makeSegment({ key: 's1', when: { segment: 's2' } });
    const s2 = makeSegment({ key: 's2', when: { segment: 's1' } });
    const result = validateConfigSnapshot(
      makeSnapshot({ flags: [a, b, b], segments: [makeSegment(), s1, s2] }),
    );
    const messages = result.ok ? [] : result.errors.map((e) => e.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        "duplicate key 'b'",
        expect.stringContaining('prerequisites form a cycle: a -> b -> a'),
        expect.stringContaining('segments reference each other in a cycle'),
      ]),
    );
  });
});

describe('config patches', () => {
  it('validates a patch and applies it by key', () => {
    const changed = makeFlag({ key: 'new.flag' });
    const patch = {
      version: 8,
      flags: [changed],
      segments: [],
      removedFlags: ['checkout.new-flow'],
    };
    expect(validateConfigPatch(patch).ok).toBe(true);
    const next = applyConfigPatch(makeSnapshot(), patch);
    expect(next.version).toBe(8);
    expect(next.flags.map((f) => f.key)).toEqual(['new.flag']);
  });

  it('ignores a patch that is not newer than the snapshot', () => {
    const snapshot = makeSnapshot();
    expect(
      applyConfigPatch(snapshot, {
        version: 7,
        flags: [],
        segments: [],
        removedFlags: ['checkout.new-flow'],
      }),
    ).toBe(snapshot);
  });
});

describe('legacy guardrail directions (before one direction vocabulary)', () => {
  const legacy = (direction: string) => {
    const flag = makeFlag();
    return { ...flag, guardrails: flag.guardrails?.map((g) => ({ ...g, direction })) };
  };

  it('rewrites increase_is_bad and decrease_is_bad to the metric vocabulary', () => {
    for (const [old, renamed] of [
      ['increase_is_bad', 'lower_is_better'],
      ['decrease_is_bad', 'higher_is_better'],
    ] as const) {
      const stored = legacy(old);
      expect(migrateLegacyDirections(stored).guardrails?.[0]?.direction).toBe(renamed);
      const result = validateFlag(stored);
      expect(result.ok && result.value.guardrails?.[0]?.direction).toBe(renamed);
      expect(stored.guardrails?.[0]?.direction).toBe(old);
    }
  });

  it('migrates every flag of a snapshot and a patch, and rejects unknown directions', () => {
    const snapshot = makeSnapshot({ flags: [legacy('increase_is_bad') as Flag] });
    const result = validateConfigSnapshot(snapshot);
    expect(result.ok && result.value.flags[0]?.guardrails?.[0]?.direction).toBe('lower_is_better');
    const patch = validateConfigPatch({
      version: 8,
      flags: [legacy('decrease_is_bad')],
      segments: [],
      removedFlags: [],
    });
    expect(patch.ok && patch.value.flags[0]?.guardrails?.[0]?.direction).toBe('higher_is_better');
    const bad = validateFlag(legacy('up_is_bad'));
    expect(bad.ok).toBe(false);
    expect(bad.ok ? '' : bad.errors[0]?.instancePath).toBe('/guardrails/0/direction');
    const current = makeFlag();
    expect(migrateLegacyDirections(current)).toBe(current);
  });
});
