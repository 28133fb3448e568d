import type { CovariateStats, MeanStats } from '@tripwire/stats';
import { buildConversionMomentsSql, type ScopeParams } from './arm-queries.js';
import { queryRows, type AnalysisContext } from './query-rows.js';
import { MAX_CONVERSION_EVENTS } from './results-data.js';
import { rollupMergeOf } from './choose-rollup-merge.js';
import {
  buildRollupConversionMomentsSql,
  buildRollupConversionsByEventSql,
  buildRollupWindowUnitsSql,
} from './rollup-queries.js';

/** Default attribution window of a conversion after a unit's first exposure: 7 days. */
export const DEFAULT_CONVERSION_WINDOW_SECONDS = 7 * 24 * 3600;

export interface ConversionArm {
  /** y_i = converted within the window after first exposure (0/1), per unit. */
  converted: MeanStats;
  /** The same with the pre-exposure period as covariate x_i (CUPED). */
  covariate: CovariateStats;
  /** Conversions counted (all of them, not just the first per unit). */
  conversions: number;
  /** Units that converted in the pre-exposure period (0 = no usable pre-period). */
  preConverted: number;
}

interface ConversionRow {
  variant: string;
  units: string | number;
  sum_converted: number;
  sum_pre: number;
  sum_pre_sq: number;
  sum_pre_converted: number;
  conversions: string | number;
}

export interface FetchConversionStatsOptions {
  params: ScopeParams;
  /** '' = any event. */
  event: string;
  windowSeconds: number;
  /**
   * 'rollup': look up only the converting units in the by-unit rollup (cost follows conversions,
   * not units); 'raw' (default): join every valid unit to the conversions.
   */
  source?: 'raw' | 'rollup' | undefined;
  /** Rollup only: valid units per arm first exposed in the window, when the caller has them. */
  windowUnits?: ReadonlyMap<string, number> | undefined;
}

/** Conversion statistics per variant for one event ('' = any event). */
export async function fetchConversionStats(
  context: AnalysisContext,
  options: FetchConversionStatsOptions,
): Promise<{ byVariant: Map<string, ConversionArm>; sql: string }> {
  if (options.source === 'rollup') return fetchRollupConversionStats(context, options);
  const sql = buildConversionMomentsSql(context.tables);
  const rows = await queryRows<ConversionRow>(context, sql, {
    ...options.params,
    event: options.event,
    windowSeconds: options.windowSeconds,
  });
  return { byVariant: buildConversionArms(rows), sql };
}

async function fetchRollupConversionStats(
  context: AnalysisContext,
  options: FetchConversionStatsOptions,
): Promise<{ byVariant: Map<string, ConversionArm>; sql: string }> {
  const sql = buildRollupConversionMomentsSql(context.tables, rollupMergeOf(options.params));
  const params = { ...options.params, event: options.event, windowSeconds: options.windowSeconds };
  const sums = await queryRows<Omit<ConversionRow, 'units'>>(
    context,
    sql,
    { ...params, unitFilter: 1 },
    { indexForInSubqueries: true },
  );
  const windowUnits =
    options.windowUnits ??
    new Map(
      (
        await queryRows<{ variant: string; units: string }>(
          context,
          buildRollupWindowUnitsSql(context.tables, rollupMergeOf(options.params)),
          params,
        )
      ).map((row) => [row.variant, Number(row.units)]),
    );
  return { byVariant: buildWindowConversionArms(sums, windowUnits), sql };
}

/**
 * Conversion statistics of the flag's most frequent events ({@link MAX_CONVERSION_EVENTS}), all
 * from one pass over the converting units of the rollup (`buildRollupConversionsByEventSql`).
 */
export async function fetchRollupConversionsByEvent(
  context: AnalysisContext,
  options: {
    params: ScopeParams;
    windowSeconds: number;
    windowUnits: ReadonlyMap<string, number>;
  },
): Promise<{ event: string; byVariant: Map<string, ConversionArm> }[]> {
  const rows = await queryRows<
    Omit<ConversionRow, 'units'> & { event: string; event_conversions: string | number }
  >(
    context,
    buildRollupConversionsByEventSql(context.tables, rollupMergeOf(options.params)),
    { ...options.params, event: '', windowSeconds: options.windowSeconds, unitFilter: 1 },
    { indexForInSubqueries: true },
  );
  const byEvent = new Map<string, { total: number; rows: typeof rows }>();
  for (const row of rows) {
    const entry = byEvent.get(row.event) ?? { total: 0, rows: [] };
    entry.total += Number(row.event_conversions);
    entry.rows.push(row);
    byEvent.set(row.event, entry);
  }
  return [...byEvent]
    .sort(([a, x], [b, y]) => y.total - x.total || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, MAX_CONVERSION_EVENTS)
    .map(([event, entry]) => ({
      event,
      byVariant: buildWindowConversionArms(entry.rows, options.windowUnits),
    }));
}

/**
 * Arms with valid units in the window (`windowUnits`), with the sums of their converting units
 * (arms without any add zeros: non-converting units add 0 to every sum).
 */
function buildWindowConversionArms(
  sums: readonly Omit<ConversionRow, 'units'>[],
  windowUnits: ReadonlyMap<string, number>,
): Map<string, ConversionArm> {
  const byArm = new Map(sums.map((row) => [row.variant, row]));
  const rows: ConversionRow[] = [...windowUnits]
    .filter(([, units]) => units > 0)
    .map(([variant, units]) => ({
      sum_converted: 0,
      sum_pre: 0,
      sum_pre_sq: 0,
      sum_pre_converted: 0,
      conversions: 0,
      ...byArm.get(variant),
      variant,
      units,
    }));
  return buildConversionArms(rows);
}

function buildConversionArms(rows: readonly ConversionRow[]): Map<string, ConversionArm> {
  const byVariant = new Map<string, ConversionArm>();
  for (const row of rows) {
    const units = Number(row.units);
    // y is 0/1, so Σy² = Σy.
    byVariant.set(row.variant, {
      converted: { kind: 'mean', units, sum: row.sum_converted, sumSquares: row.sum_converted },
      covariate: {
        units,
        sum: row.sum_converted,
        sumSquares: row.sum_converted,
        covariateSum: row.sum_pre,
        covariateSumSquares: row.sum_pre_sq,
        sumCrossProducts: row.sum_pre_converted,
      },
      conversions: Number(row.conversions),
      preConverted: row.sum_pre,
    });
  }
  return byVariant;
}
