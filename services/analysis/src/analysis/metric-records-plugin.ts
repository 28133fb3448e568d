/**
 * Keeps the materialized records of the catalog metrics experiments name (`metric-records.ts`)
 * in step with the flags and the catalog: every `metricRecordsIntervalSeconds` on the writer, one
 * reconcile pass (new names and new versions get a view, filling ones their backfill, what no
 * experiment names any more is dropped).
 */
import type { FastifyPluginAsync } from 'fastify';
import { isBuiltinMetricId, type Flag } from '@tripwire/schema';
import type { AppContext, ContextPluginOptions } from '../context.js';
import { createMetricStore } from '../control-plane/metric-store.js';
import {
  createMetricRecordsKeeper,
  DEFAULT_METRIC_RECORDS_TIMING,
  type NamedMetric,
} from '../repositories/metrics/metric-records.js';
import { listExperimentMetrics } from './fetch-catalog-metrics.js';

/** The catalog metrics (current versions) the given flags name, per flag; archived flags name none. */
export function createNamedMetricsLister(
  context: Pick<AppContext, 'clickhouse' | 'tables'>,
  listFlags: () => readonly Flag[] | Promise<readonly Flag[]>,
): () => Promise<NamedMetric[]> {
  const catalog = createMetricStore(context);
  return async () => {
    const named: NamedMetric[] = [];
    const definitions = new Map<string, Awaited<ReturnType<typeof catalog.get>>>();
    for (const flag of await listFlags()) {
      if (flag.archived === true) continue;
      for (const id of listExperimentMetrics(flag).keys()) {
        if (isBuiltinMetricId(id)) continue;
        if (!definitions.has(id)) definitions.set(id, await catalog.get(id));
        const found = definitions.get(id);
        if (found === undefined) continue;
        named.push({
          key: { flagKey: flag.key, metricId: id, version: found.version },
          definition: found.definition,
        });
      }
    }
    return named;
  };
}

export const metricRecordsPlugin: FastifyPluginAsync<ContextPluginOptions> = async (
  app,
  { context },
) => {
  const intervalMs = context.config.metricRecordsIntervalSeconds * 1000;
  if (!context.flags.isWriter || intervalMs === 0) return;
  const keeper = createMetricRecordsKeeper({
    context,
    listNamed: createNamedMetricsLister(context, () => context.flags.list()),
    timing: {
      ...DEFAULT_METRIC_RECORDS_TIMING,
      latenessMs: context.config.metricRecordsLatenessSeconds * 1000,
    },
  });
  const log = context.log.child({ component: 'metric-records' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const pass = async () => {
    try {
      const summary = await keeper.reconcile();
      if (summary.created.length + summary.filled.length + summary.dropped.length > 0) {
        log.info(summary, 'metric records reconciled');
      }
    } catch (error) {
      log.warn({ err: error }, 'metric records pass failed');
    }
    if (!stopped) {
      timer = setTimeout(() => {
        running = pass();
      }, intervalMs);
    }
  };
  app.addHook('onReady', async () => {
    running = pass();
  });
  app.addHook('onClose', async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  });
};
