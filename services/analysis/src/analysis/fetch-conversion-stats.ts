import type { CovariateStats, MeanStats } from '@tripwire/stats';
import { buildConversionMomentsSql, type ScopeParams } from './arm-queries.js';
import { queryRows, type AnalysisContext } from './query-rows.js';

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

/** Conversion statistics per variant for one event ('' = any event). */
export async function fetchConversionStats(
  context: AnalysisContext,
  options: { params: ScopeParams; event: string; windowSeconds: number },
): Promise<{ byVariant: Map<string, ConversionArm>; sql: string }> {
  const sql = buildConversionMomentsSql(context.tables);
  const rows = await queryRows<ConversionRow>(context, sql, {
    ...options.params,
    event: options.event,
    windowSeconds: options.windowSeconds,
  });
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
  return { byVariant, sql };
}
