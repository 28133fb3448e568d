import { adjustPValues, estimateLift } from '@tripwire/stats';
import type { BreakdownCell } from '../repositories/stats-rows.js';
import { toFinite, trySummarize, type InferenceSettings } from './compare-arms.js';
import {
  findSplitDimensions,
  rankBreakdowns,
  type RankBreakdownsOptions,
  type UnrankedBreakdownRow,
} from './rank-breakdowns.js';
import type { ResultsData } from './results-data.js';
import type { BreakdownRow } from './results-schema.js';

/**
 * Error rate and mean latency per segment, each treatment vs control, with the
 * Benjamini–Hochberg adjustment over all rows (one family), most significant first.
 */
export function buildBreakdowns(input: {
  data: ResultsData;
  control: string;
  settings: InferenceSettings;
}): BreakdownRow[] {
  const { data, control, settings } = input;
  const { alpha } = settings;
  const rows: Omit<UnrankedBreakdownRow, 'adjustedPValue' | 'significant'>[] = [];
  const split = findSplitDimensions(data.breakdown);
  for (const cell of data.breakdown) {
    if (cell.variant === control || !split.has(cell.dimension)) continue;
    const base = data.breakdown.find(
      (c) => c.variant === control && c.dimension === cell.dimension && c.segment === cell.segment,
    );
    if (base === undefined) continue;
    for (const metric of ['error_rate', 'latency_mean'] as const) {
      const pick = metric === 'error_rate' ? 'errorRate' : 'latencyMean';
      const c = trySummarize(base.moments[pick], settings);
      const t = trySummarize(cell.moments[pick], settings);
      if (c === undefined || t === undefined) continue;
      if (!Number.isFinite(c.variance) || !Number.isFinite(t.variance)) continue;
      const lift = estimateLift({ control: c, treatment: t, ...settings });
      rows.push({
        dimension: cell.dimension as BreakdownRow['dimension'],
        segment: cell.segment,
        metric,
        variant: cell.variant,
        controlValue: toFinite(c.mean),
        treatmentValue: toFinite(t.mean),
        controlUnits: c.units,
        treatmentUnits: t.units,
        absoluteLift: toFinite(lift.absolute.estimate),
        relativeLift: toFinite(lift.relative?.estimate),
        pValue: toFinite(lift.absolute.pValue),
      });
    }
  }
  const pValues = rows.map((row) => row.pValue ?? 1);
  const adjusted =
    pValues.length === 0 ? [] : adjustPValues({ pValues, method: 'benjamini-hochberg' });
  const unranked = rows.map((row, i) => {
    const adjustedPValue = adjusted[i] ?? 1;
    return { ...row, adjustedPValue, significant: adjustedPValue < alpha };
  });
  return rankBreakdowns(unranked, describeBreakdownTraffic({ data, control, settings }));
}

/** Requests per segment and dimension, and the overall lifts, that rank the breakdown. */
function describeBreakdownTraffic(input: {
  data: ResultsData;
  control: string;
  settings: InferenceSettings;
}): RankBreakdownsOptions {
  const { data, control, settings } = input;
  const requestsOf = (cell: BreakdownCell) => cell.moments.errorRate.sumDenominator;
  const cellOf = (variant: string, dimension: string, segment: string) =>
    data.breakdown.find(
      (c) => c.variant === variant && c.dimension === dimension && c.segment === segment,
    );
  const overallMean = (variant: string, metric: BreakdownRow['metric']) => {
    const moments = data.requests.get(variant);
    const stats = metric === 'error_rate' ? moments?.errorRate : moments?.latencyMean;
    return trySummarize(stats, settings)?.mean;
  };
  return {
    dimensionRequests: (variant, dimension) =>
      data.breakdown
        .filter((c) => c.variant === variant && c.dimension === dimension)
        .reduce((sum, c) => sum + requestsOf(c), 0),
    segmentRequests: (row) => {
      const cell = cellOf(row.variant, row.dimension, row.segment);
      return cell === undefined ? 0 : requestsOf(cell);
    },
    overallLift: (variant, metric) =>
      toFinite((overallMean(variant, metric) ?? NaN) - (overallMean(control, metric) ?? NaN)),
  };
}
