/**
 * Which flags' results a definition change outdates, for the results snapshots to recompute at
 * once: a new version of a catalog metric (written through this process) outdates every flag
 * naming it; a flag write that changes the catalog metrics it names (ids or order), that flag.
 */
import type { AppContext } from '../context.js';
import { listCatalogMetricIds } from './fetch-scope-data.js';

/** Calls `notify` with each outdated flag's key; returns the function that stops watching. */
export function watchDefinitionChanges(
  context: Pick<AppContext, 'flags' | 'metricChanges'>,
  notify: (flagKey: string) => void,
): () => void {
  const stopMetrics = context.metricChanges.onChange((change) => {
    for (const flag of context.flags.list()) {
      if (listCatalogMetricIds(flag).includes(change.id)) notify(flag.key);
    }
  });
  const stopFlags = context.flags.onChange(({ entry, before }) => {
    if (entry.entity !== 'flag') return;
    const ids = listCatalogMetricIds(entry.document);
    const previous = before === undefined ? [] : listCatalogMetricIds(before);
    if (ids.length !== previous.length || ids.some((id, i) => id !== previous[i])) {
      notify(entry.key);
    }
  });
  return () => {
    stopMetrics();
    stopFlags();
  };
}
