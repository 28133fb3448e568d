import { describe, expect, it } from 'vitest';
import { compareSemver, parseSemver } from '../../src/evaluation/index.js';

const parse = (v: string) => {
  const parsed = parseSemver(v);
  if (!parsed) throw new Error(`not semver: ${v}`);
  return parsed;
};

describe('semver', () => {
  // The precedence example of https://semver.org/#spec-item-11, plus release ordering.
  const ordered = [
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.0.1',
    '1.1.0',
    '1.10.0',
    '2.0.0',
    '10.0.0',
  ];

  it('orders versions by SemVer 2.0.0 precedence', () => {
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const order = Math.sign(compareSemver(parse(ordered[i]!), parse(ordered[j]!)));
        expect(order, `${ordered[i]} vs ${ordered[j]}`).toBe(Math.sign(i - j));
      }
    }
  });

  it('ignores build metadata', () => {
    expect(compareSemver(parse('1.0.0+build.1'), parse('1.0.0+build.2'))).toBe(0);
  });

  it.each(['1.0', 'v1.0.0', '01.0.0', '1.0.0-01', '1.0.0-', '', ' 1.0.0'])('rejects %j', (v) => {
    expect(parseSemver(v)).toBeUndefined();
  });
});
