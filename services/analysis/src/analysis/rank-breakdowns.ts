/**
 * Orders breakdown rows so the first one says where a regression is: dimensions with a single
 * segment are left out (they only repeat the overall result), then rows are ranked by their
 * share of the overall change (segment lift × segment share of the arm's requests, over the
 * arm's overall lift), then by adjusted p-value, then by dimension, segment, metric and variant
 * so equal rows always come out in the same order.
 */
import type { BreakdownCell } from '../repositories/stats-rows.js';
import type { BreakdownRow } from './results-schema.js';

/** A breakdown row before ranking: the adjusted p-value is known, the contribution is not. */
export type UnrankedBreakdownRow = Omit<
  BreakdownRow,
  'trafficShare' | 'contribution' | 'contributionShare'
>;

/** The dimensions that have at least two segments among the cells (any variant). */
export function findSplitDimensions(cells: readonly BreakdownCell[]): Set<string> {
  const segments = new Map<string, Set<string>>();
  for (const cell of cells) {
    const seen = segments.get(cell.dimension) ?? new Set<string>();
    seen.add(cell.segment);
    segments.set(cell.dimension, seen);
  }
  return new Set([...segments].filter(([, seen]) => seen.size > 1).map(([dimension]) => dimension));
}

export interface RankBreakdownsOptions {
  /** Requests of a variant over every segment of a dimension (the share's denominator). */
  dimensionRequests: (variant: string, dimension: string) => number;
  /** The arm's overall absolute lift of a metric vs control (null when not estimable). */
  overallLift: (variant: string, metric: BreakdownRow['metric']) => number | null;
  /** Requests of the treatment arm in a row's segment. */
  segmentRequests: (row: UnrankedBreakdownRow) => number;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Adds traffic share and contribution to each row and sorts them (see the module comment). */
export function rankBreakdowns(
  rows: readonly UnrankedBreakdownRow[],
  options: RankBreakdownsOptions,
): BreakdownRow[] {
  const ranked = rows.map((row): BreakdownRow => {
    const total = options.dimensionRequests(row.variant, row.dimension);
    const trafficShare = total > 0 ? options.segmentRequests(row) / total : null;
    const contribution =
      trafficShare === null || row.absoluteLift === null ? null : row.absoluteLift * trafficShare;
    const overall = options.overallLift(row.variant, row.metric);
    const contributionShare =
      contribution === null || overall === null || overall === 0 ? null : contribution / overall;
    return { ...row, trafficShare, contribution, contributionShare };
  });
  return ranked.sort(
    (a, b) =>
      (b.contributionShare ?? -Infinity) - (a.contributionShare ?? -Infinity) ||
      (a.adjustedPValue ?? 1) - (b.adjustedPValue ?? 1) ||
      compareText(a.dimension, b.dimension) ||
      compareText(a.segment, b.segment) ||
      compareText(a.metric, b.metric) ||
      compareText(a.variant, b.variant),
  );
}
