import { describe, expect, it } from 'vitest';
import { computeBackoffDelay } from '../src/internal/backoff.js';

describe('computeBackoffDelay', () => {
  it('doubles per attempt between half and all of the ceiling', () => {
    const at = (attempt: number, random: number) =>
      computeBackoffDelay({ attempt, baseMs: 100, maxMs: 10_000, random });
    expect([at(0, 0), at(0, 0.999)]).toEqual([50, 100]);
    expect([at(3, 0), at(3, 0.5)]).toEqual([400, 600]);
  });

  it('never exceeds the maximum, even after many attempts', () => {
    const delays = [0, 0.5, 0.9999].map((random) =>
      computeBackoffDelay({ attempt: 500, baseMs: 100, maxMs: 5000, random }),
    );
    expect(delays).toEqual([2500, 3750, 5000]);
  });
});
