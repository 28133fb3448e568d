// Shapes of the API answers the page reads. The results payload comes from its TypeBox schema
// (so a schema change breaks the page's type check); the others are restated from their routes.
import type { Flag } from '@tripwire/schema';
import type {
  BreakdownRow,
  Comparison,
  Lift,
  MetricResult,
  ResultMetric,
  ResultsResponse,
  VariantResult,
} from '../analysis/results-schema.js';

export type {
  BreakdownRow,
  Comparison,
  Flag,
  Lift,
  MetricResult,
  ResultMetric,
  ResultsResponse,
  VariantResult,
};

export interface KillMarker {
  environment: string;
  version: number;
  actor: string;
  reason: string;
  killedAt: string;
}

/** `GET /api/v1/flags/:key`. */
export interface FlagResource {
  project: string;
  flag: Flag;
  kills: KillMarker[];
}

export interface HistoryEntry {
  version: number;
  action: string;
  environment?: string | null;
  actor: string;
  reason: string;
  createdAt: string;
}

export interface Principal {
  name: string;
  role: 'viewer' | 'editor' | 'admin';
}

export interface GuardrailRule {
  id: string;
  metric: string;
  direction: string;
  margin: number;
  minSample: number;
  action: string;
  alpha?: number;
  service?: string;
  spanName?: string;
}

/** One guardian decision row (`GET /api/v1/flags/:key/guardrail-decisions`). */
export interface GuardrailCheck {
  kind: string;
  checkedAt: string;
  guardrailId: string;
  metric: string;
  variant: string;
  controlVariant: string;
  state: string;
  action: string;
  actionTaken: string;
  test: string;
  scale: 'relative' | 'absolute';
  estimate: number | null;
  relativeEstimate: number | null;
  intervalLower: number | null;
  intervalUpper: number | null;
  alpha: number;
  margin: number;
  nControl: number;
  nTreatment: number;
  controlMean: number | null;
  treatmentMean: number | null;
}

/** The effective guardrails with the newest check per guardrail × variant and when each breach began. */
export interface GuardrailInfo {
  usesDefaults: boolean;
  guardrails: GuardrailRule[];
  states: (GuardrailCheck & { since?: string })[];
}

export interface KillReport {
  breachId: string;
  environment: string;
  metric: string;
  variant: string;
  control: string;
  outcome: string;
  decision: {
    state: string;
    test: string;
    scale: 'relative' | 'absolute';
    estimate: number | null;
    relativeEstimate: number | null;
    interval: [number | null, number | null];
    alpha: number;
    margin: number;
    /** CUPED on the guardrail's metric: `applied` (the interval is of the adjusted estimates) or why not. */
    adjustment: {
      method: 'cuped';
      status: 'applied' | 'no_pre_period' | 'constant_covariate' | 'too_few_units';
      theta: number;
      varianceReduction: number;
    } | null;
  };
  n: { control: number; treatment: number };
  means: { control: number | null; treatment: number | null };
  query: string;
  exemplarTraceIds: string[];
  kill: { version: number | null; at: string; detail: string } | null;
  timeline: { at: string; event: string; detail: string }[];
}

export interface TraceSpan {
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  status: string;
  start: string;
  durationMs: number;
  attributes: Record<string, string>;
}

export interface Trace {
  traceId: string;
  spans: TraceSpan[];
}
