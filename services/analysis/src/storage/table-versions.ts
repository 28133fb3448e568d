import { formatSettingsClause, type ClickHouseClient } from './clickhouse.js';

/**
 * Per table of the current database, a version that changes whenever its data can have changed:
 * `null` when the engine keeps no parts to tell by (views, Distributed, Memory, …).
 */
export type TableVersions = ReadonlyMap<string, string | null>;

/**
 * A table's version from its active parts, per partition: the highest block number or data
 * version (every insert gets a new, higher block number; a mutation — `ALTER … DELETE/UPDATE`, a
 * lightweight delete — rewrites parts under a new, higher data version; a merged part keeps its
 * inputs' highest block number, though its data version falls back to its lowest) and the number
 * of blocks the parts cover (a dropped part lowers it; a merge keeps it, unless the merged parts
 * had a gap between them, which only costs a recomputation). Partitions are compared one by one,
 * so a replicated table's per-partition block numbers count as well.
 */
const TABLE_VERSIONS_SQL = `SELECT t.name AS name, t.engine LIKE '%MergeTree' AS versioned,
  ifNull(p.version, '') AS version
FROM system.tables AS t
LEFT JOIN (
  SELECT table, toString(cityHash64(arraySort(groupArray((partition_id, top, blocks))))) AS version
  FROM (
    SELECT table, partition_id, max(greatest(max_block_number, data_version)) AS top,
      sum(max_block_number - min_block_number + 1) AS blocks
    FROM system.parts
    WHERE active AND database = currentDatabase()
    GROUP BY table, partition_id
  )
  GROUP BY table
) AS p ON p.table = t.name
WHERE t.database = currentDatabase()
${formatSettingsClause({ join_use_nulls: 1 })}`;

/** Every table's version now (one query over `system.tables` and `system.parts`). */
export async function readTableVersions(client: ClickHouseClient): Promise<TableVersions> {
  const result = await client.query({
    query: TABLE_VERSIONS_SQL,
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ name: string; versioned: number | boolean; version: string }>();
  return new Map(
    rows.map((row) => [row.name, Number(row.versioned) === 1 ? row.version : null] as const),
  );
}
