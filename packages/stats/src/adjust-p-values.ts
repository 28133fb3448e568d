import { requireFinite, requireOneOf } from './internal/validate-input.js';
import { StatsError } from './stats-error.js';

export type PValueAdjustment = 'holm' | 'benjamini-hochberg';

/**
 * Adjusted p-values in the input order, exactly R's `p.adjust(p, method = 'holm' | 'BH')`:
 * Holm p̃_(i) = max_{j ≤ i} min(1, (m − j + 1)·p_(j)) (step-down, FWER);
 * Benjamini–Hochberg p̃_(i) = min_{j ≥ i} min(1, m/j·p_(j)) (step-up, FDR, independent or PRDS).
 */
export function adjustPValues(options: {
  readonly pValues: readonly number[];
  readonly method: PValueAdjustment;
}): number[] {
  const method = requireOneOf(options.method, ['holm', 'benjamini-hochberg'], 'method');
  const p = options.pValues;
  p.forEach((value, i) => {
    if (!(requireFinite(value, `pValues[${i}]`) >= 0 && value <= 1)) {
      throw new StatsError('invalid_probability', `pValues[${i}] must be in [0, 1], got ${value}`);
    }
  });
  const m = p.length;
  const order = p.map((_, i) => i).sort((a, b) => (p[a] ?? 0) - (p[b] ?? 0) || a - b);
  const adjusted = new Array<number>(m).fill(1);
  if (method === 'holm') {
    let running = 0;
    order.forEach((index, rank) => {
      running = Math.max(running, Math.min(1, (m - rank) * (p[index] ?? 1)));
      adjusted[index] = running;
    });
  } else {
    let running = 1;
    for (let rank = m - 1; rank >= 0; rank -= 1) {
      const index = order[rank] ?? 0;
      running = Math.min(running, (m / (rank + 1)) * (p[index] ?? 1));
      adjusted[index] = Math.min(1, running);
    }
  }
  return adjusted;
}
