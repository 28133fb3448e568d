/** How a treatment variant misbehaves relative to control (all neutral by default). */
export interface Regression {
  /** Multiplies the error probability (2 = twice the errors). Default 1. */
  errorMultiplier?: number;
  /** Multiplies the latency (1.3 = +30% at every quantile). Default 1. */
  latencyFactor?: number;
  /** Added to every treatment request, in milliseconds. Default 0. */
  addedLatencyMs?: number;
}

/** One shop endpoint and the flag it evaluates. */
export interface Feature {
  path: string;
  flagKey: string;
  /** Error probability of a control request. */
  baseErrorRate: number;
  /** Latency of a control request: `baseLatencyMs` + exponential with mean `jitterLatencyMs`. */
  baseLatencyMs: number;
  jitterLatencyMs: number;
}

export interface SimulatedRequest {
  latencyMs: number;
  fails: boolean;
}

/**
 * The outcome of one request (pure: randomness is passed in): control behaviour, changed by the
 * regression when the unit got a treatment.
 */
export function simulateRequest(
  feature: Feature,
  input: { isTreatment: boolean; regression: Regression | undefined; random: () => number },
): SimulatedRequest {
  const regression = input.isTreatment ? (input.regression ?? {}) : {};
  const jitter = -Math.log(1 - input.random()) * feature.jitterLatencyMs;
  const latencyMs =
    (feature.baseLatencyMs + jitter) * (regression.latencyFactor ?? 1) +
    (regression.addedLatencyMs ?? 0);
  const errorRate = Math.min(1, feature.baseErrorRate * (regression.errorMultiplier ?? 1));
  return { latencyMs, fails: input.random() < errorRate };
}
