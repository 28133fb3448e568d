/**
 * Cost of one guardian check of a 5-variant experiment (control + 4 treatments) with 20
 * guardrail metrics, from sufficient statistics as ClickHouse returns them: 80 decisions,
 * an SRM test and a Holm adjustment. Run: `npm run bench -w packages/stats`.
 */
import { bench, do_not_optimize, group, run, summary } from 'mitata';
import {
  adjustPValues,
  decideGuardrail,
  normalQuantile,
  quantileSketchLevels,
  sampleRatioMismatch,
  summarizeQuantile,
  welchTest,
} from '@tripwire/stats';
import type { BuiltinMetricId } from '@tripwire/schema';
import type { Guardrail, MetricStats } from '@tripwire/stats';

const UNITS = 50_000;
const REQUESTS_PER_UNIT = 5;

/** Deterministic per-arm statistics; `shift` makes arms differ slightly. */
function buildStats(metric: BuiltinMetricId, shift: number): MetricStats {
  const n = UNITS;
  const r = REQUESTS_PER_UNIT;
  switch (metric) {
    case 'conversion': {
      const conversions = Math.round(n * (0.1 + shift / 100));
      return { kind: 'mean', units: n, sum: conversions, sumSquares: conversions };
    }
    case 'error_rate':
    case 'latency_mean': {
      const perRequest = metric === 'error_rate' ? 0.02 + shift / 1000 : 120 + shift;
      const y = perRequest * r;
      const spread = metric === 'error_rate' ? 0.3 : 40;
      return {
        kind: 'ratio',
        units: n,
        sumNumerator: n * y,
        sumDenominator: n * r,
        sumNumeratorSquares: n * (y * y + spread * spread),
        sumDenominatorSquares: n * (r * r + 2),
        sumCrossProducts: n * (y * r + 0.5 * spread),
      };
    }
    case 'latency_p50':
    case 'latency_p95':
    case 'latency_p99': {
      const p = metric === 'latency_p50' ? 0.5 : metric === 'latency_p95' ? 0.95 : 0.99;
      const levels = quantileSketchLevels(p);
      const requests = n * r;
      const below = Math.round(requests * p);
      return {
        kind: 'quantile',
        probability: p,
        units: n,
        levels,
        values: levels.map((level) => (100 + shift) * Math.exp(0.78 * normalQuantile(level))),
        sumBelow: below,
        sumRequests: requests,
        sumBelowSquares: n * ((below / n) ** 2 + 1.5),
        sumRequestsSquares: n * (r * r + 2),
        sumBelowRequests: n * ((below / n) * r + 1.2),
      };
    }
  }
}

const METRICS: BuiltinMetricId[] = [
  ...Array<BuiltinMetricId>(4).fill('error_rate'),
  ...Array<BuiltinMetricId>(4).fill('latency_mean'),
  ...Array<BuiltinMetricId>(3).fill('latency_p50'),
  ...Array<BuiltinMetricId>(3).fill('latency_p95'),
  ...Array<BuiltinMetricId>(3).fill('latency_p99'),
  ...Array<BuiltinMetricId>(3).fill('conversion'),
];
const VARIANTS = 5;
const experiment = METRICS.map((metric) => ({
  guardrail: {
    metric,
    direction: metric === 'conversion' ? 'higher_is_better' : 'lower_is_better',
    margin: 0.05,
    alpha: 0.05 / (VARIANTS - 1),
    minimumUnits: 1000,
  } satisfies Guardrail,
  arms: Array.from({ length: VARIANTS }, (_, arm) => buildStats(metric, arm * 0.5)),
}));

/** One guardian tick: SRM, then every (metric, treatment) decision, then Holm over the p-values. */
function checkExperiment(): number {
  const srm = sampleRatioMismatch({
    counts: [50_000, 50_100, 49_950, 50_020, 49_980],
    weights: [1, 1, 1, 1, 1],
  });
  const pValues: number[] = [];
  for (const { guardrail, arms } of experiment) {
    const [control, ...treatments] = arms;
    if (control === undefined) continue;
    for (const treatment of treatments) {
      pValues.push(decideGuardrail({ guardrail, control, treatment }).evidence.pValue ?? 1);
    }
  }
  return adjustPValues({ pValues, method: 'holm' }).length + srm.pValue;
}

const errorRate = experiment[0];
const p95 = experiment.find((entry) => entry.guardrail.metric === 'latency_p95');
if (errorRate === undefined || p95 === undefined) throw new Error('bench fixture is incomplete');

summary(() => {
  group('guardian tick: 5 variants × 20 guardrail metrics', () => {
    bench('check experiment (80 decisions + SRM + Holm)', () => do_not_optimize(checkExperiment()));
  });
});
group('single calls', () => {
  bench('decideGuardrail error_rate (ratio, delta method)', () =>
    do_not_optimize(
      decideGuardrail({
        guardrail: errorRate.guardrail,
        control: errorRate.arms[0] as MetricStats,
        treatment: errorRate.arms[1] as MetricStats,
      }),
    ),
  );
  bench('decideGuardrail latency_p95 (clustered quantile)', () =>
    do_not_optimize(
      decideGuardrail({
        guardrail: p95.guardrail,
        control: p95.arms[0] as MetricStats,
        treatment: p95.arms[1] as MetricStats,
      }),
    ),
  );
  bench('summarizeQuantile (81-level sketch)', () =>
    do_not_optimize(summarizeQuantile(p95.arms[0] as Extract<MetricStats, { kind: 'quantile' }>)),
  );
  bench('welchTest', () =>
    do_not_optimize(
      welchTest({
        control: { units: UNITS, sum: 6_000_000, sumSquares: 800_000_000 },
        treatment: { units: UNITS, sum: 6_050_000, sumSquares: 810_000_000 },
      }),
    ),
  );
});

await run();
