import type { ScopeParams } from './arm-queries.js';
import { queryRows, type AnalysisContext } from './query-rows.js';
import {
  buildRollupMixedUnitsSql,
  buildRollupPartsSql,
  type RollupMerge,
} from './rollup-queries.js';

/** Largest share of a flag's by-unit rows outside its largest merged part for which that part is read as is. */
export const LARGEST_PART_MAX_OUTSIDE = 0.1;

/**
 * Scope parameters with `largestPart` chosen from the flag's by-unit parts: 1 (read the largest
 * merged part as is, merge the rest) when some but at most 10% of the rows lie outside it, else 0
 * (FINAL, which costs nothing more than a plain read when there is one part); and `mixedUnits`:
 * 1 when some units need their maps read (so the queries that follow skip that pass when none do).
 */
export async function chooseRollupMerge(
  context: AnalysisContext,
  params: ScopeParams,
): Promise<ScopeParams> {
  const [parts] = await queryRows<{ rows: string | number; largest: string | number }>(
    context,
    buildRollupPartsSql(context.tables),
    params,
  );
  const rows = Number(parts?.rows ?? 0);
  const outside = rows - Number(parts?.largest ?? 0);
  const largestPart = outside > 0 && outside <= LARGEST_PART_MAX_OUTSIDE * rows ? 1 : 0;
  const merged = { ...params, largestPart };
  const [mixed] = await queryRows<{ mixed: string | number }>(
    context,
    buildRollupMixedUnitsSql(context.tables, rollupMergeOf(merged)),
    merged,
  );
  return { ...merged, mixedUnits: Number(mixed?.mixed ?? 0) > 0 ? 1 : 0 };
}

/** The merge the scope parameters ask for (see `ScopeParams.largestPart`). */
export function rollupMergeOf(params: Pick<ScopeParams, 'largestPart'>): RollupMerge {
  return params.largestPart === 1 ? 'largest-part' : 'final';
}
