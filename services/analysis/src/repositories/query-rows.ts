import type { AppContext } from '../context.js';
import { createError } from '../errors.js';
import { formatSettingsClause } from '../storage/clickhouse.js';

/** What the analysis needs from the app: the ClickHouse client and the table names. */
export type AnalysisContext = Pick<AppContext, 'clickhouse' | 'tables'>;

export type QueryParams = Record<
  string,
  string | number | readonly string[] | readonly number[] | readonly (readonly number[])[]
>;

/** Runs one analysis query (JSONEachRow); storage failures become TRIPWIRE_ERR_STORAGE. */
export async function queryRows<T>(
  context: AnalysisContext,
  sql: string,
  params: QueryParams,
  options: { indexForInSubqueries?: boolean } = {},
): Promise<T[]> {
  try {
    // The valid-units set is large; using it for primary-key analysis costs more than it saves,
    // except for the rollup's look-ups of the (few) converting units by primary key. In the SQL,
    // not `clickhouse_settings`, so it holds for this query alone (`formatSettingsClause`).
    const settings = formatSettingsClause({
      use_index_for_in_with_subqueries: options.indexForInSubqueries === true ? 1 : 0,
    });
    const result = await context.clickhouse.query({
      query: `${sql}\n${settings}`,
      query_params: params,
      format: 'JSONEachRow',
    });
    return await result.json<T>();
  } catch (cause) {
    throw createError(
      'TRIPWIRE_ERR_STORAGE',
      `analysis query failed: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}
