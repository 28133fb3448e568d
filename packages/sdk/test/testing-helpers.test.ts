import { describe, expect, it } from 'vitest';
import { TripwireError } from '../src/index.js';
import {
  createTestClient,
  forEachVariantCombination,
  listVariantCombinations,
} from '../src/testing/index.js';
import { makeSnapshot } from './support/snapshot.js';

describe('createTestClient', () => {
  it('pins flags of a config to the overridden variant for every unit', async () => {
    const client = createTestClient({
      config: makeSnapshot(),
      overrides: { 'checkout-flow': 'treatment' },
    });
    for (const key of ['a', 'b', 'c', 'd']) {
      expect(client.getStringValue('checkout-flow', { targetingKey: key }, 'x')).toBe('new');
    }
    expect(client.getBooleanValue('new-nav', { targetingKey: 'a', beta: true }, false)).toBe(true);
    expect((await client.ready()).origin).toBe('static');
    await client.close();
  });

  it('creates flags that are not in the config from override values', async () => {
    const client = createTestClient({
      overrides: { 'dark-mode': { value: true }, limit: { value: 7 } },
    });
    expect(client.getBooleanValue('dark-mode', {}, false)).toBe(true);
    expect(client.getNumberValue('limit', {}, 0)).toBe(7);
    await client.close();
  });

  it('refuses an override naming an unknown flag or variant', () => {
    expect(() =>
      createTestClient({ config: makeSnapshot(), overrides: { 'checkout-flow': 'nope' } }),
    ).toThrow("overrides.checkout-flow: no variant 'nope' (has control, treatment)");
    expect(() => createTestClient({ overrides: { ghost: 'on' } })).toThrow(TripwireError);
  });
});

describe('forEachVariantCombination', () => {
  it('lists the cartesian product, first flag slowest', () => {
    expect(
      listVariantCombinations([
        ['a', ['1', '2']],
        ['b', ['x', 'y']],
      ]),
    ).toEqual([
      { a: '1', b: 'x' },
      { a: '1', b: 'y' },
      { a: '2', b: 'x' },
      { a: '2', b: 'y' },
    ]);
  });

  it('runs the scenario once per combination with the flags pinned', async () => {
    const seen: string[] = [];
    const ran = await forEachVariantCombination(
      ['checkout-flow', 'new-nav'],
      (client, combination) => {
        const flow = client.assign('checkout-flow', { targetingKey: 'u' }, 'x').variant;
        const nav = client.assign('new-nav', { targetingKey: 'u' }, false).variant;
        expect({ 'checkout-flow': flow, 'new-nav': nav }).toEqual(combination);
        seen.push(`${flow}/${nav}`);
      },
      { config: makeSnapshot() },
    );
    expect(ran).toHaveLength(4);
    expect(seen).toEqual(['control/off', 'control/on', 'treatment/off', 'treatment/on']);
  });

  it('names the combination when a scenario fails', async () => {
    await expect(
      forEachVariantCombination(
        { 'checkout-flow': ['control', 'treatment'] },
        (client) => {
          if (client.getStringValue('checkout-flow', {}, 'x') === 'new') throw new Error('boom');
        },
        { config: makeSnapshot() },
      ),
    ).rejects.toThrow('scenario failed for {"checkout-flow":"treatment"}: boom');
  });
});
