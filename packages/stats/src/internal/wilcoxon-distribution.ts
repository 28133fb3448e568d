/**
 * Exact null distribution of the Mann–Whitney U statistic without ties (as R's dwilcox/pwilcox/
 * qwilcox): arrangement counts by the recursion f(i, j, u) = f(i − 1, j, u − j) + f(i, j − 1, u)
 * (the largest value is an x beating all j y's, or a y).
 */
export interface WilcoxonDistribution {
  /** P(U ≤ q). */
  cdf(q: number): number;
  /** The smallest q with P(U ≤ q) ≥ p (R's qwilcox, with its 10·ε fuzz). */
  quantile(p: number): number;
}

function countArrangements(m: number, n: number): number[] {
  let previous: number[][] = Array.from({ length: n + 1 }, () => [1]);
  for (let i = 1; i <= m; i += 1) {
    const current: number[][] = [[1]];
    for (let j = 1; j <= n; j += 1) {
      const left = current[j - 1] ?? [];
      const up = previous[j] ?? [];
      const row = new Array<number>(i * j + 1);
      for (let u = 0; u <= i * j; u += 1) row[u] = (left[u] ?? 0) + (u >= j ? (up[u - j] ?? 0) : 0);
      current.push(row);
    }
    previous = current;
  }
  return previous[n] ?? [1];
}

/**
 * Memo of the last few laws by (m, n): a law is a pure function of its sizes and costs O(m²n²)
 * to count, while a test and its interval (and a canary judge over many metrics) ask again.
 */
const recent = new Map<string, WilcoxonDistribution>();
const RECENT_LIMIT = 16;

/** The distribution of U for samples of m and n values (O(m²n²) counts, memoised). */
export function createWilcoxonDistribution(m: number, n: number): WilcoxonDistribution {
  const key = `${m}:${n}`;
  const known = recent.get(key);
  if (known !== undefined) return known;
  const law = buildDistribution(m, n);
  if (recent.size >= RECENT_LIMIT) recent.delete(recent.keys().next().value ?? key);
  recent.set(key, law);
  return law;
}

function buildDistribution(m: number, n: number): WilcoxonDistribution {
  const counts = countArrangements(m, n);
  const total = counts.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let running = 0;
  for (const c of counts) {
    running += c;
    cumulative.push(running / total);
  }
  const last = cumulative.length - 1;
  return {
    cdf: (q) => (q < 0 ? 0 : q >= last ? 1 : (cumulative[Math.floor(q)] ?? 1)),
    quantile: (p) => {
      const target = p - 10 * Number.EPSILON;
      const index = cumulative.findIndex((c) => c >= target);
      return index < 0 ? last : index;
    },
  };
}
