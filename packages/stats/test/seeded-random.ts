/** Test-only seeded randomness: xoshiro128** (Blackman & Vigna 2018) seeded by splitmix32. */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Binomial(n, p) by normal approximation with continuity when n·p·(1 − p) > 30, else exact. */
  binomial(n: number, p: number): number;
  /** Poisson(λ) by inversion with one uniform (small λ only). */
  poisson(lambda: number): number;
  /** χ²(k) by the Wilson–Hilferty cube (relative error < 1e-3 in distribution for k ≥ 10). */
  chiSquare(k: number): number;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createSeededRandom(seed: number): SeededRandom {
  const init = splitmix32(seed);
  let s0 = init();
  let s1 = init();
  let s2 = init();
  let s3 = init();
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return (result + 0.5) / 4294967296;
  };
  let spare: number | undefined;
  const normal = (): number => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const r = Math.sqrt(-2 * Math.log(next()));
    const theta = 2 * Math.PI * next();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
  const binomial = (n: number, p: number): number => sampleBinomial(next, normal, n, p);
  const poisson = (lambda: number): number => samplePoisson(next, lambda);
  const chiSquare = (k: number): number => {
    const c = 2 / (9 * k);
    const cube = 1 - c + Math.sqrt(c) * normal();
    return k * Math.max(0, cube) ** 3;
  };
  return { next, normal, binomial, poisson, chiSquare };
}

function sampleBinomial(next: () => number, normal: () => number, n: number, p: number): number {
  const variance = n * p * (1 - p);
  if (variance > 30) {
    const draw = Math.round(n * p + Math.sqrt(variance) * normal());
    return Math.min(n, Math.max(0, draw));
  }
  // Inversion with one uniform: walk the pmf from k = 0.
  const u = next();
  const odds = p / (1 - p);
  let probability = (1 - p) ** n;
  let cumulative = probability;
  let k = 0;
  while (u > cumulative && k < n) {
    probability *= (odds * (n - k)) / (k + 1);
    k += 1;
    cumulative += probability;
  }
  return k;
}

function samplePoisson(next: () => number, lambda: number): number {
  const u = next();
  let probability = Math.exp(-lambda);
  let cumulative = probability;
  let k = 0;
  while (u > cumulative && k < 1000) {
    k += 1;
    probability *= lambda / k;
    cumulative += probability;
  }
  return k;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Asserts |actual − expected| ≤ tolerance·|expected| (absolute when expected is 0). */
export function relativeError(actual: number, expected: number): number {
  if (expected === 0) return Math.abs(actual);
  return Math.abs(actual - expected) / Math.abs(expected);
}
