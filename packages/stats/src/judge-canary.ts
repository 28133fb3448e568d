/**
 * A Kayenta-style canary judge (Netflix/Google Kayenta's NetflixACAJudge with its
 * MannWhitneyClassifier): each metric's canary (treatment) sample is compared with the
 * baseline (control) by the Mann–Whitney test and the Hodges–Lehmann interval of the shift;
 * the metric is `high` when the whole interval lies above `margin`·|median(control)|, `low`
 * when it lies below −that, else `pass`. A `high` fails a metric whose increase is bad, a `low`
 * one whose decrease is bad, either fails a metric with direction `either`. The score is the
 * weighted share of metrics that did not fail (0–100); a failed `critical` metric fails the run.
 */
import { computeMedian } from './hodges-lehmann-shift.js';
import { mannWhitneyU } from './mann-whitney-u.js';
import type { MannWhitneyResult } from './mann-whitney-u.js';
import { requireFinite, requireOpenProbability } from './internal/validate-input.js';
import { StatsError } from './stats-error.js';
import type { Direction } from './types.js';

export interface CanaryMetric {
  readonly name: string;
  readonly control: readonly number[];
  readonly treatment: readonly number[];
  /** Which change fails the metric; default 'either'. */
  readonly direction?: Direction | 'either';
  /** A failed critical metric fails the whole judgement. Default false. */
  readonly critical?: boolean;
  /** Weight in the score; default 1. */
  readonly weight?: number;
}

export type CanaryClassification = 'pass' | 'high' | 'low' | 'no_data';

export interface CanaryMetricResult {
  readonly name: string;
  readonly classification: CanaryClassification;
  /** The classification fails the metric for its direction. */
  readonly isFailed: boolean;
  /** The rank test with the Hodges–Lehmann shift; absent for `no_data`. */
  readonly test?: MannWhitneyResult;
}

export interface CanaryJudgement {
  /** Weighted share of judged metrics that did not fail, 0–100. */
  readonly score: number;
  /** `pass` when score ≥ passScore and no critical metric failed, `marginal` ≥ marginalScore. */
  readonly verdict: 'pass' | 'marginal' | 'fail';
  readonly metrics: readonly CanaryMetricResult[];
}

export interface JudgeCanaryOptions {
  readonly metrics: readonly CanaryMetric[];
  /** Level of each metric's interval; default 0.05. */
  readonly alpha?: number;
  /** Relative shift (of the control median) tolerated before high/low; default 0. */
  readonly margin?: number;
  /** Default 95 (Kayenta's default pass threshold). */
  readonly passScore?: number;
  /** Default 75 (Kayenta's default marginal threshold). */
  readonly marginalScore?: number;
}

function classifyMetric(metric: CanaryMetric, alpha: number, margin: number): CanaryMetricResult {
  if (metric.control.length === 0 || metric.treatment.length === 0) {
    return { name: metric.name, classification: 'no_data', isFailed: false };
  }
  const test = mannWhitneyU({ control: metric.control, treatment: metric.treatment, alpha });
  const tolerance = margin * Math.abs(computeMedian([...metric.control].sort((a, b) => a - b)));
  const [lower, upper] = test.interval;
  const classification: CanaryClassification =
    test.status !== 'ok'
      ? 'pass'
      : lower > tolerance
        ? 'high'
        : upper < -tolerance
          ? 'low'
          : 'pass';
  const direction = metric.direction ?? 'either';
  const isFailed =
    (classification === 'high' && direction !== 'higher_is_better') ||
    (classification === 'low' && direction !== 'lower_is_better');
  return { name: metric.name, classification, isFailed, test };
}

/** Judges a canary against its baseline over several metrics (see the module comment). */
export function judgeCanary(options: JudgeCanaryOptions): CanaryJudgement {
  const alpha = requireOpenProbability(options.alpha ?? 0.05, 'alpha');
  const margin = requireFinite(options.margin ?? 0, 'margin');
  const passScore = requireFinite(options.passScore ?? 95, 'passScore');
  const marginalScore = requireFinite(options.marginalScore ?? 75, 'marginalScore');
  if (options.metrics.length === 0) throw new StatsError('insufficient_data', 'metrics is empty');
  const metrics = options.metrics.map((metric) => classifyMetric(metric, alpha, margin));
  let total = 0;
  let passed = 0;
  options.metrics.forEach((metric, i) => {
    const result = metrics[i];
    if (result === undefined || result.classification === 'no_data') return;
    const weight = requireFinite(metric.weight ?? 1, `metrics[${i}].weight`);
    total += weight;
    if (!result.isFailed) passed += weight;
  });
  const score = total === 0 ? 0 : (100 * passed) / total;
  const isCriticalFailure = options.metrics.some(
    (metric, i) => metric.critical === true && metrics[i]?.isFailed === true,
  );
  const verdict =
    isCriticalFailure || score < marginalScore ? 'fail' : score >= passScore ? 'pass' : 'marginal';
  return { score, verdict, metrics };
}
