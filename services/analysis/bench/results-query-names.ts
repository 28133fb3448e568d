/**
 * Names of the analysis queries by their SQL text (the text is fixed per table set), so the
 * results bench can time each query the endpoint runs.
 */
import {
  buildConversionMomentsSql,
  buildLatencyHistogramSql,
  buildQuantileMomentsSql,
  buildRequestMomentsSql,
  buildUnitCountsSql,
} from '../src/repositories/arm-queries.js';
import {
  buildBreakdownSql,
  buildConversionEventsSql,
  buildExposureSeriesSql,
  buildRequestSeriesSql,
  buildSeriesConversionsSql,
  buildSeriesHistogramsSql,
  buildSeriesMomentIncrementsSql,
  buildSeriesQuantileMomentsSql,
  buildTimeRangeSql,
} from '../src/repositories/results-queries.js';
import {
  buildExcludedHistogramSql,
  buildExcludedRequestSeriesSql,
  buildRollupArmsSql,
  buildRollupBreakdownSql,
  buildRollupConversionsByEventSql,
  buildRollupConversionMomentsSql,
  buildRollupExposureSeriesSql,
  buildRollupMinuteHistogramSql,
  buildRollupMixedUnitsSql,
  buildRollupPartsSql,
  buildRollupQuantileMomentsSql,
  buildRollupRequestMomentsSql,
  buildRollupRequestSeriesSql,
  buildRollupSeriesConversionsSql,
  buildRollupTimeRangeSql,
  buildRollupWindowUnitsSql,
  type RollupMerge,
} from '../src/repositories/rollup-queries.js';
import type { TableNames } from '../src/config.js';

export function nameQueries(tables: TableNames): Map<string, string> {
  const named: [string, (t: TableNames, merge?: RollupMerge) => string][] = [
    ['raw: unit counts (SRM)', buildUnitCountsSql],
    ['raw: arm request moments', buildRequestMomentsSql],
    ['raw: latency histograms', buildLatencyHistogramSql],
    ['raw: quantile moments (CIs)', buildQuantileMomentsSql],
    ['raw: conversion events', buildConversionEventsSql],
    ['raw: conversion moments + CUPED', buildConversionMomentsSql],
    ['raw: breakdowns', buildBreakdownSql],
    ['raw: time range', buildTimeRangeSql],
    ['raw: request series', buildRequestSeriesSql],
    ['raw: exposure series', buildExposureSeriesSql],
    [
      'series moments (per-point intervals; per-unit table on both paths)',
      buildSeriesMomentIncrementsSql,
    ],
    ['raw: series conversions (per-point conversion intervals)', buildSeriesConversionsSql],
    [
      'series histograms (per-point quantiles; per-unit table on both paths)',
      buildSeriesHistogramsSql,
    ],
    [
      'series quantile moments (12 checkpoints; per-unit table on both paths)',
      buildSeriesQuantileMomentsSql,
    ],
    ['rollup: time range', buildRollupTimeRangeSql],
    ['rollup: part sizes (FINAL or largest part)', buildRollupPartsSql],
    ['rollup: units the scalar columns do not decide', buildRollupMixedUnitsSql],
    ['rollup: units (SRM) + arm request moments', buildRollupArmsSql],
    ['rollup: latency histograms, by minute', buildRollupMinuteHistogramSql],
    ['rollup: latency histograms of excluded units', buildExcludedHistogramSql],
    ['rollup: quantile moments (CIs)', buildRollupQuantileMomentsSql],
    ['rollup: breakdowns', buildRollupBreakdownSql],
    ['rollup: exposure series', buildRollupExposureSeriesSql],
    ['rollup: conversions of every event (moments + CUPED)', buildRollupConversionsByEventSql],
    ['rollup: conversion moments + CUPED', buildRollupConversionMomentsSql],
    ['rollup: conversion window units', buildRollupWindowUnitsSql],
    ['rollup: request series', buildRollupRequestSeriesSql],
    [
      'rollup: series conversions (per-point conversion intervals)',
      buildRollupSeriesConversionsSql,
    ],
    ['rollup: excluded request series', buildExcludedRequestSeriesSql],
    ['rollup: arm request moments', buildRollupRequestMomentsSql],
  ];
  const names = new Map<string, string>();
  for (const [name, build] of named) {
    const largestPart = build(tables, 'largest-part');
    names.set(largestPart, `${name} [largest part]`);
    names.set(build(tables, 'final'), name); // same text for queries without the choice
  }
  return names;
}
