/**
 * Regenerates the golden vectors: `npx tsx test/vectors/generate.ts`.
 * Expected results of targeting and error cases are written here by hand; rollout cases are
 * computed from the documented bucketing formula (murmur3 → bucket → ranges), implemented
 * again below without the SDK's allocation code, so the vectors check the SDK rather than
 * restate it. MurmurHash3 expectations marked `published` are the widely cited reference
 * values for MurmurHash3_x86_32; the others come from this implementation, cross-checked
 * against murmurhash3js on UTF-8 bytes when they were first generated.
 */
import { writeFileSync } from 'node:fs';
import { murmur3 } from '@tripwire/sdk';
import { regexCases } from './regex-cases.js';
import {
  MAX_MATCH_INPUT_LENGTH,
  type ConfigSnapshot,
  type EvaluationResult,
  type Flag,
} from '@tripwire/schema';

const SPEC_VERSION = 1;
const here = new URL('.', import.meta.url);
const write = (name: string, data: unknown) =>
  writeFileSync(new URL(name, here), `${JSON.stringify(data, null, 2)}\n`);

// ---------------------------------------------------------------- murmur3
const published: [string, number, number][] = [
  ['', 0, 0x00000000],
  ['', 1, 0x514e28b7],
  ['', 0xffffffff, 0x81f16f39],
  ['\u0000\u0000\u0000\u0000', 0, 0x2362f9de],
  ['a', 0x9747b28c, 0x7fa09ea6],
  ['aa', 0x9747b28c, 0x5d211726],
  ['aaa', 0x9747b28c, 0x283e0130],
  ['aaaa', 0x9747b28c, 0x5a97808a],
  ['ab', 0x9747b28c, 0x74875592],
  ['abc', 0x9747b28c, 0xc84a62dd],
  ['abcd', 0x9747b28c, 0xf0478627],
  ['abc', 0, 0xb3dd93fa],
  ['Hello, world!', 0x9747b28c, 0x24884cba],
  ['ππππππππ', 0x9747b28c, 0xd58063c1],
  ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
];
const extra = ['user-1', 'café', '中文', '😀', 'naïve-über-user', 'a'.repeat(37)];
write('murmur3.json', {
  specVersion: SPEC_VERSION,
  description:
    'MurmurHash3 x86 32-bit over the UTF-8 bytes of `input` with hash seed `seed`; `hash` is unsigned.',
  cases: [
    ...published.map(([input, seed, hash]) => ({ input, seed, hash, source: 'published' })),
    ...extra.map((input) => ({ input, seed: 0, hash: murmur3(input), source: 'tripwire' })),
  ],
});

// ---------------------------------------------------------------- bucketing
const bucketOf = (salt: string, seed: number, unitKey: string) =>
  murmur3(`${salt}.${seed}.${unitKey}`) % 10_000;
const bucketCases = [
  ['checkout.new-flow', 0, 'user-1'],
  ['checkout.new-flow', 0, 'user-2'],
  ['checkout.new-flow', 1, 'user-1'],
  ['search.ranking', 0, 'user-1'],
  ['search.ranking', 7, 'акаунт-42'],
  ['café', 0, '😀'],
  ['s', 0, ''],
].map(([salt, seed, unitKey]) => {
  const hashInput = `${salt as string}.${seed as number}.${unitKey as string}`;
  return {
    salt,
    seed,
    unitKey,
    hashInput,
    hash: murmur3(hashInput),
    bucket: bucketOf(salt as string, seed as number, unitKey as string),
  };
});
write('bucketing.json', {
  specVersion: SPEC_VERSION,
  description:
    'bucket = murmur3_x86_32(utf8(salt + "." + decimal(seed) + "." + unitKey), 0) mod 10000. Resolution 1/10000.',
  cases: bucketCases,
});

// ---------------------------------------------------------------- evaluation
/** Reference allocation, written from the documented formula (see the SDK evaluation README). */
function allocate(weights: number[], coverage: number, bucket: number): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let before = 0;
  for (let i = 0; i < weights.length; i++) {
    const start = Math.floor((before * 10_000) / total);
    before += weights[i]!;
    const end = Math.floor((before * 10_000) / total);
    if (bucket >= start && bucket < end)
      return (bucket - start) * 10_000 < (end - start) * coverage ? i : -1;
  }
  return -1;
}

const meta = { owner: 'vectors', createdAt: '2026-01-01T00:00:00Z' };
const bool = [
  { key: 'off', value: false },
  { key: 'on', value: true },
];
function flag(partial: Partial<Flag> & Pick<Flag, 'key'>): Flag {
  return {
    kind: 'release',
    type: 'boolean',
    variants: bool,
    defaultVariant: 'off',
    salt: partial.key,
    metadata: meta,
    environments: { production: { enabled: true, rules: [], fallthrough: { variant: 'on' } } },
    version: 1,
    ...partial,
  };
}
const rollout = (
  weights: [string, number][],
  coverage: number,
  extra: { seed?: number; bucketBy?: string } = {},
) => ({
  rollout: {
    coverage,
    weights: weights.map(([variant, weight]) => ({ variant, weight })),
    ...extra,
  },
});

const flags: Flag[] = [
  flag({ key: 'release.banner' }),
  flag({
    key: 'ops.kill',
    kind: 'operational',
    environments: {
      production: { enabled: false, rules: [], fallthrough: { variant: 'on' }, offVariant: 'off' },
    },
  }),
  flag({
    key: 'exp.checkout',
    kind: 'experiment',
    type: 'string',
    variants: [
      { key: 'control', value: 'old' },
      { key: 'treatment', value: 'new' },
    ],
    defaultVariant: 'control',
    environments: {
      production: {
        enabled: true,
        rules: [],
        fallthrough: rollout(
          [
            ['control', 50],
            ['treatment', 50],
          ],
          10_000,
        ),
      },
    },
    version: 4,
  }),
  flag({
    key: 'exp.partial',
    kind: 'experiment',
    environments: {
      production: {
        enabled: true,
        rules: [],
        fallthrough: rollout(
          [
            ['off', 1],
            ['on', 1],
          ],
          2_000,
        ),
      },
    },
  }),
  flag({
    key: 'exp.weighted',
    kind: 'experiment',
    type: 'number',
    variants: [
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
      { key: 'c', value: 3 },
    ],
    defaultVariant: 'a',
    salt: 'weighted-salt',
    environments: {
      production: {
        enabled: true,
        rules: [],
        fallthrough: rollout(
          [
            ['a', 1],
            ['b', 2],
            ['c', 7],
          ],
          10_000,
          { seed: 3, bucketBy: 'accountId' },
        ),
      },
    },
  }),
  flag({
    key: 'perm.beta',
    kind: 'permission',
    environments: {
      production: {
        enabled: true,
        rules: [
          {
            id: 'countries',
            when: {
              any: [
                { attribute: 'country', op: 'in', values: ['NL', 'DE'] },
                { attribute: 'email', op: 'ends_with', values: ['@example.com'] },
              ],
            },
            serve: { variant: 'on' },
          },
          { id: 'staff', when: { segment: 'staff' }, serve: { variant: 'on' } },
          {
            id: 'adult-pro',
            when: {
              all: [
                { attribute: 'plan', op: 'equals', values: ['pro'] },
                { not: { attribute: 'age', op: 'lt', values: [18] } },
              ],
            },
            serve: { variant: 'on' },
          },
        ],
        fallthrough: { variant: 'off' },
      },
    },
  }),
  flag({
    key: 'ops.semver',
    type: 'string',
    variants: [
      { key: 'legacy', value: 'legacy' },
      { key: 'modern', value: 'modern' },
      { key: 'preview', value: 'preview' },
    ],
    defaultVariant: 'legacy',
    environments: {
      production: {
        enabled: true,
        rules: [
          {
            id: 'prerelease',
            when: {
              all: [
                { attribute: 'appVersion', op: 'semver_gte', values: ['3.0.0-alpha'] },
                { attribute: 'appVersion', op: 'semver_lt', values: ['3.0.0'] },
              ],
            },
            serve: { variant: 'preview' },
          },
          {
            id: 'modern',
            when: { attribute: 'appVersion', op: 'semver_gte', values: ['2.0.0'] },
            serve: { variant: 'modern' },
          },
        ],
        fallthrough: { variant: 'legacy' },
      },
    },
  }),
  flag({
    key: 'ops.operators',
    type: 'string',
    variants: [
      'none',
      'not-in',
      'not-equals',
      'contains',
      'starts',
      'regex',
      'exists',
      'not-exists',
      'gte',
      'array',
    ].map((k) => ({ key: k, value: k })),
    defaultVariant: 'none',
    environments: {
      production: {
        enabled: true,
        rules: [
          {
            id: 'r-not-in',
            when: { attribute: 'tier', op: 'not_in', values: ['free', 'trial'] },
            serve: { variant: 'not-in' },
          },
          {
            id: 'r-not-equals',
            when: { attribute: 'region', op: 'not_equals', values: ['eu'] },
            serve: { variant: 'not-equals' },
          },
          {
            id: 'r-contains',
            when: { attribute: 'ua', op: 'contains', values: ['Mobile'] },
            serve: { variant: 'contains' },
          },
          {
            id: 'r-starts',
            when: { attribute: 'path', op: 'starts_with', values: ['/admin', '/ops'] },
            serve: { variant: 'starts' },
          },
          {
            id: 'r-regex',
            when: { attribute: 'email', op: 'matches', values: ['^[a-z]+@corp\\.example$'] },
            serve: { variant: 'regex' },
          },
          {
            id: 'r-exists',
            when: { attribute: 'beta', op: 'exists' },
            serve: { variant: 'exists' },
          },
          {
            id: 'r-gte',
            when: { attribute: 'score', op: 'gte', values: [0.5] },
            serve: { variant: 'gte' },
          },
          {
            id: 'r-array',
            when: { attribute: 'groups', op: 'equals', values: ['qa'] },
            serve: { variant: 'array' },
          },
          {
            id: 'r-not-exists',
            when: { attribute: 'session', op: 'not_exists' },
            serve: { variant: 'not-exists' },
          },
        ],
        fallthrough: { variant: 'none' },
      },
    },
  }),
  flag({
    key: 'dep.child',
    prerequisites: [{ flag: 'perm.beta', variants: ['on'] }],
    environments: {
      production: { enabled: true, rules: [], fallthrough: { variant: 'on' }, offVariant: 'off' },
    },
  }),
  flag({ key: 'dep.missing', prerequisites: [{ flag: 'ghost', variants: ['on'] }] }),
  flag({
    key: 'broken.regex',
    environments: {
      production: {
        enabled: true,
        rules: [
          {
            id: 'bad',
            when: { attribute: 'x', op: 'matches', values: ['('] },
            serve: { variant: 'on' },
          },
        ],
        fallthrough: { variant: 'off' },
      },
    },
  }),
  flag({
    key: 'broken.segment',
    environments: {
      production: {
        enabled: true,
        rules: [{ id: 'seg', when: { segment: 'nobody' }, serve: { variant: 'on' } }],
        fallthrough: { variant: 'off' },
      },
    },
  }),
  flag({
    key: 'json.theme',
    type: 'json',
    variants: [
      { key: 'light', value: { bg: '#fff', sizes: [1, 2] } },
      { key: 'dark', value: { bg: '#000', sizes: [3] } },
    ],
    defaultVariant: 'light',
    environments: { production: { enabled: true, rules: [], fallthrough: { variant: 'dark' } } },
  }),
  flag({ key: 'archived.flag', archived: true }),
  flag({
    key: 'other.env',
    environments: { staging: { enabled: true, rules: [], fallthrough: { variant: 'on' } } },
  }),
];
const snapshot: ConfigSnapshot = {
  schemaVersion: 1,
  environment: 'production',
  version: 12,
  generatedAt: '2026-01-02T00:00:00Z',
  flags,
  segments: [
    {
      key: 'staff',
      included: ['alice'],
      excluded: ['mallory'],
      when: { attribute: 'email', op: 'ends_with', values: ['@corp.example'] },
      version: 2,
    },
  ],
};

type Case = {
  name: string;
  flagKey: string;
  context: Record<string, unknown>;
  defaultValue: unknown;
  expected: EvaluationResult<unknown>;
};
const ok = (
  value: unknown,
  variant: string,
  reason: EvaluationResult<unknown>['reason'],
  flagVersion = 1,
) => ({ value, variant, reason, flagVersion });
const err = (
  value: unknown,
  errorCode: NonNullable<EvaluationResult<unknown>['errorCode']>,
  flagVersion?: number,
) => ({
  value,
  reason: 'error' as const,
  errorCode,
  ...(flagVersion === undefined ? {} : { flagVersion }),
});

const cases: Case[] = [
  {
    name: 'a flag without rules serves its fallthrough variant as static',
    flagKey: 'release.banner',
    context: {},
    defaultValue: false,
    expected: ok(true, 'on', 'static'),
  },
  {
    name: 'a disabled flag serves its offVariant as disabled',
    flagKey: 'ops.kill',
    context: { targetingKey: 'u' },
    defaultValue: true,
    expected: ok(false, 'off', 'disabled'),
  },
  {
    name: 'an archived flag is served as disabled',
    flagKey: 'archived.flag',
    context: {},
    defaultValue: true,
    expected: ok(false, 'off', 'disabled'),
  },
  {
    name: 'a flag without state for the environment is served as disabled',
    flagKey: 'other.env',
    context: {},
    defaultValue: true,
    expected: ok(false, 'off', 'disabled'),
  },
  {
    name: 'an unknown flag returns the code default with flag_not_found',
    flagKey: 'nope',
    context: {},
    defaultValue: 'x',
    expected: err('x', 'flag_not_found'),
  },
  {
    name: 'a wrong-typed default returns the code default with type_mismatch',
    flagKey: 'release.banner',
    context: {},
    defaultValue: 'yes',
    expected: err('yes', 'type_mismatch', 1),
  },
  {
    name: 'a rollout without the unit attribute returns targeting_key_missing',
    flagKey: 'exp.checkout',
    context: { country: 'NL' },
    defaultValue: 'x',
    expected: err('x', 'targeting_key_missing', 4),
  },
  {
    name: 'an empty targetingKey counts as missing',
    flagKey: 'exp.checkout',
    context: { targetingKey: '' },
    defaultValue: 'x',
    expected: err('x', 'targeting_key_missing', 4),
  },
  {
    name: 'a rollout by another attribute without it returns invalid_context',
    flagKey: 'exp.weighted',
    context: { targetingKey: 'u' },
    defaultValue: 0,
    expected: err(0, 'invalid_context', 1),
  },
  {
    name: 'in matches one of the listed values',
    flagKey: 'perm.beta',
    context: { country: 'DE' },
    defaultValue: false,
    expected: ok(true, 'on', 'targeting_match'),
  },
  {
    name: 'any matches when a later branch matches',
    flagKey: 'perm.beta',
    context: { country: 'FR', email: 'x@example.com' },
    defaultValue: false,
    expected: ok(true, 'on', 'targeting_match'),
  },
  {
    name: 'comparisons are case sensitive',
    flagKey: 'perm.beta',
    context: { country: 'nl' },
    defaultValue: false,
    expected: ok(false, 'off', 'default'),
  },
  {
    name: 'segment included keys match',
    flagKey: 'perm.beta',
    context: { targetingKey: 'alice' },
    defaultValue: false,
    expected: ok(true, 'on', 'targeting_match'),
  },
  {
    name: 'segment excluded keys win over the segment condition',
    flagKey: 'perm.beta',
    context: { targetingKey: 'mallory', email: 'm@corp.example' },
    defaultValue: false,
    expected: ok(false, 'off', 'default'),
  },
  {
    name: 'segment condition matches other units',
    flagKey: 'perm.beta',
    context: { targetingKey: 'bob', email: 'bob@corp.example' },
    defaultValue: false,
    expected: ok(true, 'on', 'targeting_match'),
  },
  {
    name: 'all with not: an adult pro matches',
    flagKey: 'perm.beta',
    context: { plan: 'pro', age: 30 },
    defaultValue: false,
    expected: ok(true, 'on', 'targeting_match'),
  },
  {
    name: 'all with not: a minor pro does not match',
    flagKey: 'perm.beta',
    context: { plan: 'pro', age: 16 },
    defaultValue: false,
    expected: ok(false, 'off', 'default'),
  },
  {
    name: 'not of a condition on a missing attribute is true',
    flagKey: 'perm.beta',
    context: { plan: 'pro' },
    defaultValue: false,
    expected: ok(true, 'on', 'targeting_match'),
  },
  {
    name: 'numeric ops do not coerce strings',
    flagKey: 'perm.beta',
    context: { plan: 'pro', age: '16' },
    defaultValue: false,
    expected: ok(true, 'on', 'targeting_match'),
  },
  {
    name: 'semver: 2.10.0 is at least 2.0.0',
    flagKey: 'ops.semver',
    context: { appVersion: '2.10.0' },
    defaultValue: '',
    expected: ok('modern', 'modern', 'targeting_match'),
  },
  {
    name: 'semver: a prerelease sorts before its release',
    flagKey: 'ops.semver',
    context: { appVersion: '3.0.0-beta.2' },
    defaultValue: '',
    expected: ok('preview', 'preview', 'targeting_match'),
  },
  {
    name: 'semver: build metadata is ignored',
    flagKey: 'ops.semver',
    context: { appVersion: '3.0.0+build.7' },
    defaultValue: '',
    expected: ok('modern', 'modern', 'targeting_match'),
  },
  {
    name: 'semver: 1.9.9 falls through',
    flagKey: 'ops.semver',
    context: { appVersion: '1.9.9' },
    defaultValue: '',
    expected: ok('legacy', 'legacy', 'default'),
  },
  {
    name: 'semver: a non-SemVer attribute never matches',
    flagKey: 'ops.semver',
    context: { appVersion: 'v2.1' },
    defaultValue: '',
    expected: ok('legacy', 'legacy', 'default'),
  },
  {
    name: 'not_in matches a present value outside the list',
    flagKey: 'ops.operators',
    context: { tier: 'gold', session: 's' },
    defaultValue: '',
    expected: ok('not-in', 'not-in', 'targeting_match'),
  },
  {
    name: 'not_in and not_equals never match a missing attribute',
    flagKey: 'ops.operators',
    context: { session: 's' },
    defaultValue: '',
    expected: ok('none', 'none', 'default'),
  },
  {
    name: 'not_equals matches a different value',
    flagKey: 'ops.operators',
    context: { tier: 'free', region: 'us', session: 's' },
    defaultValue: '',
    expected: ok('not-equals', 'not-equals', 'targeting_match'),
  },
  {
    name: 'contains matches a substring',
    flagKey: 'ops.operators',
    context: { tier: 'free', ua: 'Foo Mobile Safari', session: 's' },
    defaultValue: '',
    expected: ok('contains', 'contains', 'targeting_match'),
  },
  {
    name: 'starts_with matches any listed prefix',
    flagKey: 'ops.operators',
    context: { tier: 'free', path: '/ops/x', session: 's' },
    defaultValue: '',
    expected: ok('starts', 'starts', 'targeting_match'),
  },
  {
    name: 'matches tests a regular expression',
    flagKey: 'ops.operators',
    context: { tier: 'free', email: 'ann@corp.example', session: 's' },
    defaultValue: '',
    expected: ok('regex', 'regex', 'targeting_match'),
  },
  {
    name: 'matches fails on a non-matching string',
    flagKey: 'ops.operators',
    context: { tier: 'free', email: 'Ann@corp.example', session: 's' },
    defaultValue: '',
    expected: ok('none', 'none', 'default'),
  },
  {
    name: 'exists matches a present attribute of any value',
    flagKey: 'ops.operators',
    context: { tier: 'free', beta: false, session: 's' },
    defaultValue: '',
    expected: ok('exists', 'exists', 'targeting_match'),
  },
  {
    name: 'null counts as missing for exists',
    flagKey: 'ops.operators',
    context: { tier: 'free', beta: null, session: 's' },
    defaultValue: '',
    expected: ok('none', 'none', 'default'),
  },
  {
    name: 'gte compares numbers',
    flagKey: 'ops.operators',
    context: { tier: 'free', score: 0.5, session: 's' },
    defaultValue: '',
    expected: ok('gte', 'gte', 'targeting_match'),
  },
  {
    name: 'an array attribute matches when any element matches',
    flagKey: 'ops.operators',
    context: { tier: 'free', groups: ['dev', 'qa'], session: 's' },
    defaultValue: '',
    expected: ok('array', 'array', 'targeting_match'),
  },
  {
    name: 'not_exists matches a missing attribute',
    flagKey: 'ops.operators',
    context: { tier: 'free' },
    defaultValue: '',
    expected: ok('not-exists', 'not-exists', 'targeting_match'),
  },
  {
    name: 'a met prerequisite lets the flag evaluate',
    flagKey: 'dep.child',
    context: { country: 'NL' },
    defaultValue: false,
    expected: ok(true, 'on', 'static'),
  },
  {
    name: 'an unmet prerequisite serves the offVariant as disabled',
    flagKey: 'dep.child',
    context: { country: 'FR' },
    defaultValue: true,
    expected: ok(false, 'off', 'disabled'),
  },
  {
    name: 'a missing prerequisite flag returns flag_not_found',
    flagKey: 'dep.missing',
    context: {},
    defaultValue: true,
    expected: err(true, 'flag_not_found', 1),
  },
  {
    name: 'an invalid regex makes the flag a parse_error',
    flagKey: 'broken.regex',
    context: { x: 'a' },
    defaultValue: true,
    expected: err(true, 'parse_error', 1),
  },
  {
    name: 'an unknown segment makes the flag a parse_error',
    flagKey: 'broken.segment',
    context: {},
    defaultValue: true,
    expected: err(true, 'parse_error', 1),
  },
  {
    name: 'a json flag returns its object value',
    flagKey: 'json.theme',
    context: {},
    defaultValue: {},
    expected: ok({ bg: '#000', sizes: [3] }, 'dark', 'static'),
  },
  {
    name: 'a json flag rejects a string default',
    flagKey: 'json.theme',
    context: {},
    defaultValue: 'x',
    expected: err('x', 'type_mismatch', 1),
  },
];

// Rollout cases: expectations from the reference formula above.
const checkout = ['control', 'treatment'];
for (const unit of ['user-1', 'user-2', 'user-3', 'user-4', 'user-5', 'user-6', 'ünïcödé', '42']) {
  const index = allocate([50, 50], 10_000, bucketOf('exp.checkout', 0, unit));
  const variant = checkout[index]!;
  cases.push({
    name: `50/50 split assigns ${unit} by its bucket`,
    flagKey: 'exp.checkout',
    context: { targetingKey: unit },
    defaultValue: '',
    expected: ok(variant === 'control' ? 'old' : 'new', variant, 'split', 4),
  });
}
cases.push({
  name: 'a numeric unit key is bucketed by its decimal form',
  flagKey: 'exp.checkout',
  context: { targetingKey: 42 },
  defaultValue: '',
  expected: cases.at(-1)!.expected,
});
for (const unit of Array.from({ length: 24 }, (_, i) => `u-${i + 1}`)) {
  const index = allocate([1, 1], 2_000, bucketOf('exp.partial', 0, unit));
  const expected =
    index < 0 ? ok(false, 'off', 'default') : ok(index === 1, ['off', 'on'][index]!, 'split');
  cases.push({
    name: `20% coverage: ${unit} is ${index < 0 ? 'outside (default variant)' : 'inside'}`,
    flagKey: 'exp.partial',
    context: { targetingKey: unit },
    defaultValue: false,
    expected,
  });
}
for (const account of ['acct-1', 'acct-2', 'acct-3', 'acct-4', 'acct-5', 'acct-6']) {
  const index = allocate([1, 2, 7], 10_000, bucketOf('weighted-salt', 3, account));
  cases.push({
    name: `1/2/7 weights with seed 3 bucket ${account} by accountId`,
    flagKey: 'exp.weighted',
    context: { targetingKey: 'same-user', accountId: account },
    defaultValue: 0,
    expected: ok(index + 1, ['a', 'b', 'c'][index]!, 'split'),
  });
}

write('evaluation.json', {
  specVersion: SPEC_VERSION,
  description:
    'Evaluate `flagKey` in `config` with `context` and code default `defaultValue`; compare value, variant, reason, errorCode and flagVersion (errorMessage is free text).',
  config: snapshot,
  cases,
});
write('regex.json', {
  specVersion: SPEC_VERSION,
  description:
    'Compile `pattern` as a `matches` value: with `tests`, every SDK accepts it and each [input, matches] holds (RE2 semantics, unanchored search, inputs past maxInputLength code points never match); with `refused`, every validator and SDK refuses it. An input or pattern given as { repeat, times, then? } is `repeat` repeated `times` times followed by `then`.',
  maxInputLength: MAX_MATCH_INPUT_LENGTH,
  cases: regexCases,
});
console.log(
  `wrote ${published.length + extra.length} murmur3, ${bucketCases.length} bucketing, ${cases.length} evaluation, ${regexCases.length} regex vectors`,
);
