export { StatsError, StatsErrorCodes } from './stats-error.js';
export type { StatsErrorCode } from './stats-error.js';
export type {
  Alternative,
  Interval,
  SampleMoments,
  MeanStats,
  RatioStats,
  QuantileStats,
  MetricStats,
  ArmEstimate,
  Direction,
  StatsEngine,
  Inference,
  InferenceStatus,
  TestResult,
  LiftEstimate,
  LiftResult,
  Guardrail,
  GuardrailMetric,
  GuardrailDirection,
  GuardrailState,
  GuardrailEvidence,
  GuardrailDecision,
  GuardrailAdjustment,
} from './types.js';
export {
  normalCdf,
  normalSurvival,
  normalQuantile,
  normalDensity,
  binomialCdf,
  binomialQuantile,
  betaCdf,
  hypergeometricLogPmf,
  studentTCdf,
  studentTSurvival,
  studentTQuantile,
  chiSquareCdf,
  chiSquareSurvival,
  chiSquareQuantile,
} from './distributions.js';
export {
  summarizeMean,
  summarizeRatio,
  summarizeQuantile,
  summarizeMetric,
  quantileSketchLevels,
} from './summarize-metric.js';
export type { SummarizeOptions } from './summarize-metric.js';
export {
  estimateLift,
  computeRelativeVariance,
  computeRelativeComponents,
} from './estimate-lift.js';
export type { EstimateLiftOptions } from './estimate-lift.js';
export { welchTest } from './welch-test.js';
export type { WelchTestOptions } from './welch-test.js';
export { twoProportionTest, computeWilsonInterval } from './two-proportion-test.js';
export type { ProportionCounts, TwoProportionTestOptions } from './two-proportion-test.js';
export {
  confidenceSequence,
  alwaysValidPValue,
  computeMixingUnits,
} from './confidence-sequence.js';
export type {
  ConfidenceSequenceOptions,
  ConfidenceSequenceResult,
  AlwaysValidPValueOptions,
} from './confidence-sequence.js';
export { msprtPValue } from './msprt-p-value.js';
export type { MsprtOptions, MsprtResult } from './msprt-p-value.js';
export { sampleRatioMismatch } from './sample-ratio-mismatch.js';
export type {
  SampleRatioMismatchOptions,
  SampleRatioMismatchResult,
} from './sample-ratio-mismatch.js';
export { mannWhitneyU } from './mann-whitney-u.js';
export { estimateShift, MAX_PAIRWISE_DIFFERENCES } from './hodges-lehmann-shift.js';
export type { ShiftEstimate } from './hodges-lehmann-shift.js';
export { fisherExactTest } from './fisher-exact-test.js';
export type { FisherExactTestOptions, FisherExactResult } from './fisher-exact-test.js';
export { quantileInterval } from './quantile-interval.js';
export type { QuantileIntervalOptions, QuantileIntervalResult } from './quantile-interval.js';
export { judgeCanary } from './judge-canary.js';
export type {
  CanaryClassification,
  CanaryJudgement,
  CanaryMetric,
  CanaryMetricResult,
  JudgeCanaryOptions,
} from './judge-canary.js';
export type { MannWhitneyOptions, MannWhitneyResult } from './mann-whitney-u.js';
export { adjustPValues } from './adjust-p-values.js';
export type { PValueAdjustment } from './adjust-p-values.js';
export { compareBayesian } from './compare-bayesian.js';
export type { CompareBayesianOptions, CompareBayesianResult } from './compare-bayesian.js';
export { computePower, computeMinimumDetectableEffect } from './power-analysis.js';
export type { PowerOptions } from './power-analysis.js';
export { adjustWithCuped } from './adjust-with-cuped.js';
export type { CovariateStats, CupedResult } from './adjust-with-cuped.js';
export { adjustRatioWithCuped } from './adjust-ratio-with-cuped.js';
export type {
  RatioCovariateStats,
  RatioCupedAdjustment,
  RatioCupedResult,
} from './adjust-ratio-with-cuped.js';
export { decideGuardrail, DEFAULT_GUARDRAIL_TARGET_UNITS } from './decide-guardrail.js';
export type { DecideGuardrailOptions } from './decide-guardrail.js';
export type { GuardrailCovariates } from './internal/adjust-guardrail-arms.js';
