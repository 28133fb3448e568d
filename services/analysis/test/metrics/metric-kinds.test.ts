import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_METRICS,
  BuiltinMetricIds,
  MetricKinds,
  type MetricDefinition,
} from '@tripwire/schema';
import { summarizeMetric } from '@tripwire/stats';
import { METRIC_KIND_MODULES } from '../../src/repositories/metrics/metric-kinds.js';
import { buildMetricSql } from '../../src/repositories/metrics/metric-sql.js';
import { tableNames } from '../../src/config.js';
import { makeErrorLogsMetric } from './metric-fixtures.js';

const definitionOf: Record<(typeof MetricKinds)[number], MetricDefinition> = {
  proportion: BUILTIN_METRICS.conversion,
  mean: {
    id: 'revenue',
    name: 'Revenue',
    source: 'spans',
    value: { type: 'attribute', attribute: 'amount' },
    kind: 'mean',
    direction: 'higher_is_better',
    capping: { type: 'absolute', lower: 0, upper: 500 },
  },
  ratio: BUILTIN_METRICS.error_rate,
  quantile: BUILTIN_METRICS.latency_p95,
  count: makeErrorLogsMetric(),
};

const row = {
  variant: 'treatment',
  units: '3',
  sum_y: 6,
  sum_y_sq: 14,
  sum_x: 9,
  sum_x_sq: 29,
  sum_xy: 20,
  arm_values: [1, 2, 3, 4, 5, 6, 7].slice(0, 0),
  sum_b: 5,
  sum_n: 9,
  sum_b_sq: 9,
  sum_n_sq: 29,
  sum_bn: 16,
};

describe.each(MetricKinds)('the %s kind', (kind) => {
  const module = METRIC_KIND_MODULES[kind];
  const definition = definitionOf[kind];

  it('is registered under its own name', () => {
    expect(module.kind).toBe(kind);
  });

  it('reads its statistics from a result row (64-bit integers as strings)', () => {
    const levels = module.emptyStats(definition);
    const values = levels.kind === 'quantile' ? levels.levels.map((_, i) => i + 1) : [];
    const stats = module.readStats({ ...row, arm_values: values }, definition);
    expect(stats.units).toBe(3);
    expect(Number.isFinite(summarizeMetric(stats).mean)).toBe(true);
  });

  it('has zero statistics for an arm without data', () => {
    expect(module.emptyStats(definition).units).toBe(0);
  });

  it('builds SQL whose values are all typed parameters', () => {
    const { sql, params } = buildMetricSql({
      definition,
      tables: tableNames(),
      scope: { flagKey: "x'); DROP TABLE t; --", environment: '', sinceMs: 0, untilMs: 1 },
    });
    expect(sql).not.toContain('DROP');
    for (const name of Object.keys(params)) expect(sql).toContain(`{${name}:`);
  });
});

/** Source files under `dir` (recursively), skipping build output and dependencies. */
function listSources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return listSources(path);
    return /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

describe('the list of metrics', () => {
  it('is spelled out only in the registry: any other source file naming three built-in ids fails', () => {
    const root = join(import.meta.dirname, '../../../..');
    const files = ['packages', 'services'].flatMap((top) => listSources(join(root, top)));
    const spelled = files
      .filter((file) => !file.includes('/test/') && !file.includes('/bench/'))
      .filter((file) => {
        const text = readFileSync(file, 'utf8');
        // 'conversion' is also an ordinary word; the other ids are not.
        const ids = BuiltinMetricIds.filter((id) => id !== 'conversion');
        return ids.filter((id) => new RegExp(`\\b${id}\\b`).test(text)).length >= 3;
      })
      .map((file) => relative(root, file))
      .sort();
    expect(spelled).toEqual(['packages/schema/src/builtin-metrics.ts']);
  });

  it('has one module per kind', () => {
    expect(Object.keys(METRIC_KIND_MODULES).sort()).toEqual([...MetricKinds].sort());
  });
});
