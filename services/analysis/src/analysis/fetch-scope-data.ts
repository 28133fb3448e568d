/**
 * What a results snapshot holds for one scope: the built-in data (`fetchResultsData`) and, in
 * the same pass, the catalog metrics the flag names (`fetchCatalogMetrics`, with their series at
 * the built-in series' buckets). A snapshot answers a read only while the flag still names the
 * same catalog metrics at the versions it was computed with (`isCatalogCurrent`), so a new
 * version of a definition is never served the old version's numbers.
 */
import { isBuiltinMetricId, type Flag } from '@tripwire/schema';
import { createMetricStore } from '../control-plane/metric-store.js';
import type { AnalysisContext } from '../repositories/query-rows.js';
import { listSeriesBuckets } from './build-timeseries.js';
import { fetchCatalogMetrics, listExperimentMetrics } from './fetch-catalog-metrics.js';
import { fetchResultsData } from './fetch-results-data.js';
import type { ResultsData } from './results-data.js';
import type { ResultsScope } from './results-snapshots.js';

type NamingFlag = Pick<Flag, 'key' | 'metrics' | 'guardrails'>;

/** The catalog metric ids a flag names, in order, each with its current version (null: undefined). */
export type CatalogVersions = readonly (readonly [id: string, version: number | null])[];

/** The scope's built-in data, then the flag's catalog metrics (none when the flag is gone). */
export async function fetchScopeData(
  context: AnalysisContext,
  input: { scope: ResultsScope; flag: NamingFlag | undefined },
): Promise<ResultsData> {
  const { scope, flag } = input;
  const data = await fetchResultsData(context, scope);
  if (flag === undefined) return data;
  const { series } = data;
  const catalog = await fetchCatalogMetrics(context, {
    flag,
    environment: scope.environment,
    series: { bucketSeconds: series.bucketSeconds, buckets: listSeriesBuckets(series) },
  });
  return { ...data, catalog: catalog.metrics, unknownMetrics: catalog.unknown };
}

/** The catalog (not built-in) metric ids a flag names, in the order its snapshot holds them. */
export function listCatalogMetricIds(flag: NamingFlag): string[] {
  return [...listExperimentMetrics(flag).keys()].filter((id) => !isBuiltinMetricId(id));
}

/** The flag's catalog metric ids and their current versions (one query; none when it names none). */
export async function readCatalogVersions(
  context: AnalysisContext,
  flag: NamingFlag,
): Promise<CatalogVersions> {
  const ids = listCatalogMetricIds(flag);
  if (ids.length === 0) return [];
  const versions = await createMetricStore(context).currentVersions(ids);
  return ids.map((id) => [id, versions.get(id) ?? null] as const);
}

/**
 * Whether `data` holds exactly the catalog metrics `wanted` names, in its order, each at its
 * wanted version or a newer one, and leaves undefined exactly the ids still undefined.
 */
export function isCatalogCurrent(data: ResultsData, wanted: CatalogVersions): boolean {
  const metrics = data.catalog ?? [];
  const unknown = data.unknownMetrics ?? [];
  const defined = wanted.filter(([, version]) => version !== null);
  const undefinedIds = wanted.filter(([, version]) => version === null).map(([id]) => id);
  return (
    metrics.length === defined.length &&
    metrics.every((metric, i) => {
      const [id, version] = defined[i] ?? [];
      return metric.definition.id === id && metric.version >= (version ?? 0);
    }) &&
    unknown.length === undefinedIds.length &&
    unknown.every((id, i) => id === undefinedIds[i])
  );
}
