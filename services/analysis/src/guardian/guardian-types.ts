import type { Flag, Guardrail } from '@tripwire/schema';
import type { GuardrailCovariates, GuardrailDecision, MetricStats } from '@tripwire/stats';
import type { MetricCovariate } from '../repositories/metrics/metric-kind.js';

/** One environment of a flag that serves at least one treatment next to its control. */
export interface RunningRollout {
  flagKey: string;
  environment: string;
  flagVersion: number;
  /** The flag's `defaultVariant`: what a kill serves, and the arm every treatment is compared to. */
  control: string;
  treatments: string[];
  /** The flag's own guardrails, or the defaults when it has none. */
  guardrails: Guardrail[];
  usesDefaultGuardrails: boolean;
}

/** What ClickHouse says about one guardrail of one rollout: sufficient statistics per variant. */
export interface GuardrailFacts {
  /** Sufficient statistics per variant key (absent variant = no traffic yet). */
  arms: Map<string, MetricStats>;
  /** Trace ids of failing or slow spans per variant, newest first (none when not asked for). */
  exemplarTraceIds: Map<string, string[]>;
  /** The SQL text that produced `arms` (shown in kill reports). */
  query: string;
  /** The catalog metric's definition version the facts were computed with (built-ins: none). */
  metricVersion?: number;
  /** Per variant the CUPED input, when the catalog metric has `cuped` and CUPED applies to it. */
  covariates?: Map<string, MetricCovariate>;
}

export interface FactsRequest {
  flagKey: string;
  environment: string;
  guardrail: Guardrail;
  variants: string[];
  /** Only telemetry at or after this instant (the rollout's start). */
  since?: Date;
  /** Exemplar trace ids per arm: 0 for checks, a few when a breach builds its kill report. */
  exemplarLimit: number;
}

/** One version of a flag as the guardian needs it from the control plane's history. */
export interface FlagChange {
  version: number;
  action: string;
  environment: string | null;
  actor: string;
  reason: string;
  createdAt: string;
}

/** The control plane as the guardian uses it (adapted from `context.flags`). */
export interface GuardianFlags {
  list(): Promise<Flag[]>;
  get(key: string): Promise<Flag | undefined>;
  history(key: string): Promise<FlagChange[]>;
  /** Serves the control in `environment`: a new flag version by `actor`, pushed to SDKs. */
  kill(
    key: string,
    request: { environment: string; actor: string; reason: string },
  ): Promise<number>;
  /** Writes a new version of the flag document (used by ramps to change coverage). */
  update(
    flag: Flag,
    request: { actor: string; reason: string; expectedVersion: number },
  ): Promise<number>;
}

/** Everything the guardian reads and changes, so tests and the calibration replay can swap parts. */
export interface GuardianSources {
  flags: GuardianFlags;
  fetchFacts(request: FactsRequest): Promise<GuardrailFacts>;
  /**
   * Optional: told every request of one rollout's check before they are made, so the facts of
   * several catalog guardrails can be read in one query (`createFactsSources`).
   */
  prefetchFacts?(requests: readonly FactsRequest[]): Promise<void>;
  decide(input: {
    guardrail: Guardrail;
    control: MetricStats;
    treatment: MetricStats;
    /** Both arms' pre-exposure covariates: the decision tests the CUPED-adjusted estimates. */
    covariates?: GuardrailCovariates | undefined;
  }): GuardrailDecision;
}

/** The outcome of one guardrail check of one treatment. */
export interface CheckOutcome {
  checkId: string;
  checkedAt: Date;
  rollout: RunningRollout;
  guardrail: Guardrail;
  variant: string;
  decision: GuardrailDecision;
  facts: GuardrailFacts;
  /** Why the check could not decide (`invalid_data`: the statistics' error message). */
  detail?: string;
}
