import { readFileSync } from 'node:fs';
import { bucketUnit, compileConfig, murmur3 } from '@tripwire/sdk';
import type { ConfigSnapshot, EvaluationContext, EvaluationResult } from '@tripwire/schema';
import { describe, expect, it } from 'vitest';

/** Golden vectors shared by every Tripwire SDK (see test/vectors/*.json). */
const load = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8')) as T;

interface Vectors<C> {
  specVersion: number;
  cases: C[];
}
const murmur = load<Vectors<{ input: string; seed: number; hash: number }>>('murmur3.json');
const bucketing = load<
  Vectors<{
    salt: string;
    seed: number;
    unitKey: string;
    hashInput: string;
    hash: number;
    bucket: number;
  }>
>('bucketing.json');
const evaluation = load<
  Vectors<{
    name: string;
    flagKey: string;
    context: EvaluationContext;
    defaultValue: unknown;
    expected: EvaluationResult<unknown>;
  }> & { config: ConfigSnapshot }
>('evaluation.json');

describe('golden vectors, spec version 1', () => {
  it('are all spec version 1', () => {
    expect([murmur.specVersion, bucketing.specVersion, evaluation.specVersion]).toEqual([1, 1, 1]);
  });

  it.each(murmur.cases)('murmur3($input, seed $seed) = $hash', ({ input, seed, hash }) => {
    expect(murmur3(input, seed)).toBe(hash);
  });

  it.each(bucketing.cases)('bucket of $unitKey with salt $salt and seed $seed is $bucket', (c) => {
    expect(murmur3(c.hashInput)).toBe(c.hash);
    expect(c.hash % 10_000).toBe(c.bucket);
    expect(bucketUnit({ salt: c.salt, seed: c.seed, unitKey: c.unitKey })).toBe(c.bucket);
  });

  const config = compileConfig(evaluation.config);
  it.each(evaluation.cases)('$name', ({ flagKey, context, defaultValue, expected }) => {
    const { errorMessage, ...result } = config.evaluate(flagKey, context, defaultValue);
    expect(result).toEqual(expected);
    expect(errorMessage === undefined).toBe(expected.errorCode === undefined);
  });
});
