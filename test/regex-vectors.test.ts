import { readFileSync } from 'node:fs';
import { compileConfig } from '@tripwire/sdk';
import {
  compileMatchPattern,
  MAX_MATCH_INPUT_LENGTH,
  validateFlag,
  type ConfigSnapshot,
  type Flag,
} from '@tripwire/schema';
import { describe, expect, it } from 'vitest';
import type { RegexCase, RegexInput } from './vectors/regex-cases.js';

/** The `matches` golden vectors (test/vectors/regex.json), shared with the Python SDK. */
const vectors = JSON.parse(
  readFileSync(new URL('./vectors/regex.json', import.meta.url), 'utf8'),
) as { specVersion: number; maxInputLength: number; cases: RegexCase[] };

const expand = (input: RegexInput): string =>
  typeof input === 'string' ? input : input.repeat.repeat(input.times) + (input.then ?? '');

/** A flag that serves `on` when attribute `v` matches the pattern, `off` otherwise. */
function matchFlag(pattern: string): Flag {
  return {
    key: 'regex.vector',
    kind: 'release',
    type: 'boolean',
    variants: [
      { key: 'off', value: false },
      { key: 'on', value: true },
    ],
    defaultVariant: 'off',
    salt: 'regex.vector',
    metadata: { owner: 'vectors', createdAt: '2026-01-01T00:00:00Z' },
    environments: {
      production: {
        enabled: true,
        rules: [
          {
            id: 'm',
            when: { attribute: 'v', op: 'matches', values: [pattern] },
            serve: { variant: 'on' },
          },
        ],
        fallthrough: { variant: 'off' },
      },
    },
    version: 1,
  };
}

function compileFlag(pattern: string) {
  const snapshot: ConfigSnapshot = {
    schemaVersion: 1,
    environment: 'production',
    version: 1,
    generatedAt: '2026-01-02T00:00:00Z',
    flags: [matchFlag(pattern)],
    segments: [],
  };
  return compileConfig(snapshot);
}

describe('regex golden vectors', () => {
  it('state the input cap the schema uses', () => {
    expect([vectors.specVersion, vectors.maxInputLength]).toEqual([1, MAX_MATCH_INPUT_LENGTH]);
  });

  it.each(vectors.cases.filter((c) => c.tests))('$name', ({ pattern, tests }) => {
    const source = expand(pattern);
    const compiled = compileMatchPattern(source);
    expect('error' in compiled ? compiled.error : undefined).toBeUndefined();
    expect(validateFlag(matchFlag(source))).toMatchObject({ ok: true });
    const config = compileFlag(source);
    for (const [input, matches] of tests!) {
      const value = expand(input);
      if ('pattern' in compiled)
        expect(compiled.pattern.test(value), JSON.stringify(input)).toBe(matches);
      expect(config.evaluate('regex.vector', { v: value }, false).value).toBe(matches);
    }
  });

  it.each(vectors.cases.filter((c) => c.refused))('$name', ({ pattern }) => {
    const source = expand(pattern);
    expect(compileMatchPattern(source)).toHaveProperty('error');
    const result = validateFlag(matchFlag(source));
    expect(result.ok).toBe(false);
    const pointer = '/environments/production/rules/0/when/values/0';
    expect(result.ok ? [] : result.errors.map((i) => i.instancePath)).toContain(pointer);
    const evaluated = compileFlag(source).evaluate('regex.vector', { v: 'a' }, false);
    expect(evaluated.errorCode).toBe('parse_error');
  });
});
