import { describe, expect, it } from 'vitest';
import { TripwireHttpError } from '../../src/errors.js';
import { InflightBudget } from '../../src/ingest/inflight-budget.js';

describe('InflightBudget', () => {
  it('admits bodies up to the budget, then answers 503 with Retry-After until bytes are released', () => {
    const budget = new InflightBudget(100);
    budget.reserve(60);
    budget.reserve(40);
    const refused = (() => {
      try {
        budget.reserve(1);
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(TripwireHttpError);
    expect(refused).toMatchObject({ statusCode: 503, retryAfter: 1 });
    budget.release(40);
    budget.reserve(30);
    expect(budget.heldBytes).toBe(90);
  });

  it('always admits a request alone, and lets a request grow when it holds everything', () => {
    const budget = new InflightBudget(100);
    budget.reserve(500);
    budget.reserve(300, 500);
    expect(budget.heldBytes).toBe(800);
    budget.release(800);
    budget.reserve(10);
    expect(() => budget.reserve(200)).toThrow(/--max-inflight-bytes/);
  });
});
