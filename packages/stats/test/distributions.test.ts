import { describe, expect, it } from 'vitest';
import {
  chiSquareCdf,
  chiSquareQuantile,
  chiSquareSurvival,
  normalCdf,
  normalQuantile,
  normalSurvival,
  studentTCdf,
  studentTQuantile,
  studentTSurvival,
} from '@tripwire/stats';
import { relativeError } from './seeded-random.js';

// Reference values: R 4.2.2, `options(digits = 17)`; the R call is next to each number.
const cases: [string, () => number, number][] = [
  ['pnorm(1.96)', () => normalCdf(1.96), 9.7500210485177963e-1],
  ['pnorm(-1)', () => normalCdf(-1), 1.5865525393145705e-1],
  ['pnorm(-8)', () => normalCdf(-8), 6.2209605742717849e-16],
  ['pnorm(-8) upper tail of 8', () => normalSurvival(8), 6.2209605742717849e-16],
  ['pnorm(3.5)', () => normalCdf(3.5), 9.9976737092096446e-1],
  ['qnorm(0.975)', () => normalQuantile(0.975), 1.9599639845400536],
  ['qnorm(1e-10)', () => normalQuantile(1e-10), -6.3613409024040557],
  ['qnorm(0.9999999999)', () => normalQuantile(0.9999999999), 6.3613408896974208],
  ['qnorm(1e-15)', () => normalQuantile(1e-15), -7.9413453261709952],
  ['qnorm(0.5 + 1e-9)', () => normalQuantile(0.5 + 1e-9), 2.5066282037387119e-9],
  ['pt(2.5, 3)', () => studentTCdf(2.5, 3), 9.5614667649596718e-1],
  ['pt(-1.7, 17.776)', () => studentTCdf(-1.7, 17.776), 5.3280430771345685e-2],
  ['pt(0.3, 1000)', () => studentTCdf(0.3, 1000), 6.1788024791637786e-1],
  ['pt(-6, 4.5)', () => studentTCdf(-6, 4.5), 1.3207379027757908e-3],
  ['qt(0.975, 5)', () => studentTQuantile(0.975, 5), 2.5705818356363137],
  ['qt(0.95, 17.776)', () => studentTQuantile(0.95, 17.776), 1.73524819104777],
  ['qt(1e-6, 2.5)', () => studentTQuantile(1e-6, 2.5), -2.2017342917823751e2],
  ['pchisq(3.84, 1)', () => chiSquareCdf(3.84, 1), 9.4995647875129474e-1],
  ['pchisq(9.99, 4)', () => chiSquareCdf(9.99, 4), 9.5940353201168727e-1],
  ['pchisq(50, 3, lower.tail = FALSE)', () => chiSquareSurvival(50, 3), 7.9891792449514704e-11],
  ['pchisq(0.5, 7)', () => chiSquareCdf(0.5, 7), 5.5351860957503435e-4],
  ['qchisq(0.95, 1)', () => chiSquareQuantile(0.95, 1), 3.841458820694124],
  ['qchisq(0.99, 4)', () => chiSquareQuantile(0.99, 4), 1.3276704135987622e1],
  // R's lower-tail qchisq(0.999999999999, 10) is off by 2.6e-11 (its pchisq misses 1 − p by
  // 1e-9); the upper-tail call is exact, so it is the reference for p close to 1.
  [
    'qchisq(1 - 0.999999999999, 10, lower.tail = FALSE)',
    () => chiSquareQuantile(0.999999999999, 10),
    78.471695680246313,
  ],
  ['qchisq(1e-15, 3)', () => chiSquareQuantile(1e-15, 3), 2.4179879311416344e-10],
  ['qt(1e-20, 5)', () => studentTQuantile(1e-20, 5), -1.568392545436577e4],
  ['qt(1e-12, 30)', () => studentTQuantile(1e-12, 30), -11.397217523311411],
  ['pt(-50, 3)', () => studentTCdf(-50, 3), 8.8085760206359757e-6],
  ['pt(40, 1000, lower.tail = FALSE)', () => studentTSurvival(40, 1000), 5.2394260775864375e-210],
  [
    'pchisq(500, 10, lower.tail = FALSE)',
    () => chiSquareSurvival(500, 10),
    4.4147360999137316e-101,
  ],
  ['pnorm(-37)', () => normalCdf(-37), 5.7255712225245771e-300],
  ['qchisq(0.001, 10)', () => chiSquareQuantile(0.001, 10), 1.4787434638356649],
];

describe('distribution functions', () => {
  it.each(cases)('matches R %s to 1e-12 relative', (_name, compute, expected) => {
    expect(relativeError(compute(), expected)).toBeLessThan(1e-12);
  });

  it('matches closed forms: t with 1 and 2 df, χ² with 2 df, to 1e-12', () => {
    for (const x of [-30, -2.5, -0.3, 0.7, 4, 55]) {
      // t₁ is Cauchy: F(x) = 1/2 + atan(x)/π; t₂: F(x) = 1/2 + x/(2√(2 + x²)).
      expect(relativeError(studentTCdf(x, 1), 0.5 + Math.atan(x) / Math.PI)).toBeLessThan(1e-12);
      expect(relativeError(studentTCdf(x, 2), 0.5 + x / (2 * Math.sqrt(2 + x * x)))).toBeLessThan(
        1e-12,
      );
    }
    for (const x of [0.01, 1, 7.5, 40, 120]) {
      // χ²₂ is exponential with mean 2: P(X > x) = exp(−x/2), exact in the far tail too.
      expect(relativeError(chiSquareSurvival(x, 2), Math.exp(-x / 2))).toBeLessThan(1e-12);
      expect(relativeError(chiSquareCdf(x, 2), -Math.expm1(-x / 2))).toBeLessThan(1e-12);
    }
    for (const p of [0.001, 0.3, 0.9, 0.999999]) {
      expect(relativeError(chiSquareQuantile(p, 2), -2 * Math.log1p(-p))).toBeLessThan(1e-12);
      // t₁ quantile: tan(π(p − 1/2)) = −cot(πp), written without cancellation near p = 1.
      const cauchy = p > 0.5 ? 1 / Math.tan(Math.PI * (1 - p)) : -1 / Math.tan(Math.PI * p);
      expect(relativeError(studentTQuantile(p, 1), cauchy)).toBeLessThan(1e-12);
    }
  });

  it.each([
    [1e-20, -9.2623400897984052],
    [1e-100, -21.273453560965319],
    [1e-200, -30.205594179579634],
    [1e-300, -37.0470962993612],
  ])('matches R qnorm(%d) in the far tail to 1e-12', (p, expected) => {
    expect(relativeError(normalQuantile(p), expected)).toBeLessThan(1e-12);
  });

  it('keeps the normal quantile finite down to the smallest double', () => {
    expect(Number.isFinite(normalQuantile(5e-324))).toBe(true);
    expect(normalQuantile(5e-324)).toBeLessThan(normalQuantile(1e-300));
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
  });

  it('round-trips quantiles through CDFs to 1e-12', () => {
    for (const p of [1e-8, 0.025, 0.5, 0.8, 0.999]) {
      expect(relativeError(normalCdf(normalQuantile(p)), p)).toBeLessThan(1e-12);
      expect(relativeError(studentTCdf(studentTQuantile(p, 7.3), 7.3), p)).toBeLessThan(1e-12);
      expect(relativeError(chiSquareCdf(chiSquareQuantile(p, 3), 3), p)).toBeLessThan(1e-12);
    }
  });
});
