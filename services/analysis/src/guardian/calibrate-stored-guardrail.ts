import { findBuiltinMetric, type Guardrail } from '@tripwire/schema';
import type { TableNames } from '../config.js';
import { createMetricStore } from '../control-plane/metric-store.js';
import type { ClickHouseClient } from '../storage/clickhouse.js';
import { calibrateCatalogGuardrail } from './calibrate-catalog-guardrail.js';
import {
  calibrateGuardrail,
  type CalibrationResult,
  type CalibrationRun,
} from './calibrate-guardrail.js';
import {
  readMetricPreTotals,
  readMetricUnitMinutes,
  readUnitMinutes,
} from './calibration-repository.js';
import { appliesCuped } from './evaluate-guardrail.js';

/**
 * Calibrates one guardrail of a flag on its stored telemetry: a built-in request metric from the
 * variant-requests view, a catalog metric (its current definition) from the raw signal, with
 * each unit's pre-exposure totals when the guardian decides it on CUPED-adjusted estimates.
 */
export async function calibrateStoredGuardrail(
  client: ClickHouseClient,
  tables: TableNames,
  input: { flagKey: string; run: Omit<CalibrationRun, 'guardrail'>; guardrail: Guardrail },
): Promise<CalibrationResult> {
  const { flagKey, guardrail } = input;
  const run = { ...input.run, guardrail };
  if (findBuiltinMetric(guardrail.metric) !== undefined) {
    return calibrateGuardrail({ ...run, rows: await readUnitMinutes(client, tables, input) });
  }
  const metric = await createMetricStore({ clickhouse: client, tables }).get(guardrail.metric);
  if (metric === undefined) {
    throw new Error(`guardrail ${guardrail.id}: no metric "${guardrail.metric}" is defined`);
  }
  const { definition } = metric;
  const rows = await readMetricUnitMinutes(client, tables, { flagKey, definition });
  if (!appliesCuped(definition)) return calibrateCatalogGuardrail({ ...run, definition, rows });
  const preTotals = await readMetricPreTotals(client, tables, { flagKey, definition });
  return calibrateCatalogGuardrail({ ...run, definition, rows, preTotals });
}
