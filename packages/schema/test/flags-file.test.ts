import { describe, expect, it } from 'vitest';
import { expandFlagsFile, isFlagsFile } from '../src/index.js';
import type { FlagsFile } from '../src/index.js';

const expand = (doc: unknown) => expandFlagsFile(doc as FlagsFile, { environment: 'development' });

describe('flags files', () => {
  it('expands a split and a rule into a valid snapshot of the environment', () => {
    const result = expand({
      flags: {
        'checkout-flow': { variants: ['old', 'new'], split: [50, 50] },
        'new-nav': {
          variants: [false, true],
          rules: { when: { attribute: 'beta', op: 'equals', values: true }, serve: true },
        },
      },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [checkout, nav] = result.value.flags;
    expect(result.value).toMatchObject({ environment: 'development', version: 1, segments: [] });
    expect(checkout).toMatchObject({
      kind: 'experiment',
      type: 'string',
      variants: [
        { key: 'old', value: 'old' },
        { key: 'new', value: 'new' },
      ],
      defaultVariant: 'old',
      environments: {
        development: {
          enabled: true,
          rules: [],
          fallthrough: {
            rollout: {
              coverage: 10_000,
              weights: [
                { variant: 'old', weight: 50 },
                { variant: 'new', weight: 50 },
              ],
            },
          },
        },
      },
    });
    expect(nav).toMatchObject({
      kind: 'release',
      type: 'boolean',
      defaultVariant: 'false',
      environments: {
        development: {
          rules: [
            {
              id: 'rule-1',
              when: { attribute: 'beta', op: 'equals', values: [true] },
              serve: { variant: 'true' },
            },
          ],
          fallthrough: { variant: 'false' },
        },
      },
    });
  });

  it('takes variants by key, weights by key and single values inside nested conditions', () => {
    const result = expand({
      flags: {
        banner: {
          variants: { control: 'none', promo: 'winter-sale' },
          split: { control: 90, promo: 10 },
          rules: [
            { when: { all: [{ attribute: 'country', op: 'in', values: 'NL' }] }, serve: 'promo' },
          ],
        },
      },
    });
    expect(result.ok && result.value.flags[0]?.environments.development?.rules[0]?.when).toEqual({
      all: [{ attribute: 'country', op: 'in', values: ['NL'] }],
    });
  });

  it('names the field of a bad shorthand', () => {
    expect(expand({ flags: { a: { variants: [] } } })).toEqual({
      ok: false,
      errors: [{ instancePath: '/flags/a/variants', message: 'variants must not be empty' }],
    });
    const badServe = expand({
      flags: {
        a: {
          variants: ['x', 'y'],
          rules: [{ when: { attribute: 'p', op: 'exists' }, serve: 'z' }],
        },
      },
    });
    expect(!badServe.ok && badServe.errors[0]?.instancePath).toBe('/flags/a/rules/0/serve');
    const badSplit = expand({ flags: { a: { variants: ['x'], split: { y: 1 } } } });
    expect(!badSplit.ok && badSplit.errors[0]?.instancePath).toBe('/flags/a/split/y');
    const mixed = expand({ flags: { a: { variants: ['x', 1] } } });
    expect(!mixed.ok && mixed.errors[0]?.message).toBe('variants must all have the same type');
  });

  it('passes problems past the shorthand to the snapshot validation', () => {
    const result = expand({
      flags: {
        a: { variants: ['x'], rules: { when: { attribute: 'p', op: 'nope' }, serve: 'x' } },
      },
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0]?.instancePath).toMatch(
      /^\/flags\/0\/environments\/development\/rules\/0/,
    );
  });

  it('tells a flags file from a snapshot', () => {
    expect(isFlagsFile({ flags: {} })).toBe(true);
    expect(isFlagsFile({ schemaVersion: 1, flags: {} })).toBe(false);
    expect(isFlagsFile({ flags: [] })).toBe(false);
    expect(isFlagsFile(null)).toBe(false);
  });
});
