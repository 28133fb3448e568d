/**
 * Calibration of a guardrail on a catalog metric: the same permutation replays as the built-in
 * request metrics (`runCalibration`), over each unit's per-minute record totals of the metric's
 * definition (`readMetricUnitMinutes`), summarized by the definition's kind module exactly as
 * its SQL summarizes units; with CUPED, each look decides on the adjusted estimates as the
 * guardian does (the kind's `summarizeCovariates` of each unit's pre-exposure totals). Quantile metrics cannot be replayed from totals (they need every
 * record's value).
 */
import type { MetricDefinition } from '@tripwire/schema';
import { METRIC_KIND_MODULES } from '../repositories/metrics/metric-kinds.js';
import {
  addUnitTotals,
  EMPTY_UNIT_TOTALS,
  type UnitTotals,
} from '../repositories/metrics/metric-kind.js';
import {
  runCalibration,
  type CalibrationResult,
  type CalibrationRun,
  type ReplayModel,
  type ReplayRow,
} from './calibrate-guardrail.js';

/** One unit's record totals of a catalog metric in one minute. */
export interface MetricUnitMinute extends ReplayRow {
  totals: UnitTotals;
}

/** A catalog guardrail's replay input: its definition, rows and (CUPED) pre-exposure totals. */
export interface CatalogReplay {
  definition: MetricDefinition;
  rows: readonly MetricUnitMinute[];
  /**
   * Per unit its totals over the records before its first exposure (`readMetricPreTotals`), when
   * the guardian decides this metric on CUPED-adjusted estimates (`appliesCuped`); a unit absent
   * has none. The replays then decide on the same adjusted estimates.
   */
  preTotals?: ReadonlyMap<string, UnitTotals> | undefined;
}

export function calibrateCatalogGuardrail(
  options: CalibrationRun & CatalogReplay,
): CalibrationResult {
  return runCalibration({ ...options, model: createCatalogModel(options) });
}

/** How a catalog metric's unit totals add up, become a half's statistics and carry the harm. */
export function createCatalogModel(
  options: Pick<CalibrationRun, 'guardrail' | 'effect'> & CatalogReplay,
): ReplayModel<MetricUnitMinute> {
  const { definition, guardrail, preTotals } = options;
  const kind = METRIC_KIND_MODULES[definition.kind];
  const summarize = kind.summarizeUnits;
  if (summarize === undefined) {
    throw new Error(
      `calibration cannot replay ${definition.kind} metrics (${definition.id}): their statistics need every record's value`,
    );
  }
  // The harm: the metric moves by `effect` in its bad direction.
  const factor = 1 + (guardrail.direction === 'lower_is_better' ? 1 : -1) * options.effect;
  const units = new Map<string, number>();
  for (const row of options.rows) {
    units.set(row.unitId, (units.get(row.unitId) ?? 0) + row.totals.yPositive);
  }
  const positiveShare = [...units.values()].filter((n) => n > 0).length / Math.max(1, units.size);
  return {
    accumulate: (total, row) =>
      total === undefined ? row : { ...total, totals: addUnitTotals(total.totals, row.totals) },
    toStats: (rows) =>
      summarize(
        rows.map((row) => row.totals),
        definition,
      ),
    inject: (row, draw) =>
      definition.kind === 'proportion'
        ? injectIntoProportion(row, { factor, positiveShare, draw })
        : { ...row, totals: scaleNumerator(row.totals, factor) },
    ...(preTotals === undefined ? {} : { toCovariate: createCovariateReader(options) }),
  };
}

/** A half's CUPED input: each unit's cumulative totals with its pre-exposure totals. */
function createCovariateReader(options: CatalogReplay) {
  const { definition, preTotals } = options;
  const summarize = METRIC_KIND_MODULES[definition.kind].summarizeCovariates;
  if (summarize === undefined)
    throw new Error(
      `calibration cannot replay CUPED on ${definition.kind} metrics (${definition.id})`,
    );
  return (rows: readonly MetricUnitMinute[]) =>
    summarize(
      rows.map((row) => ({
        post: row.totals,
        pre: preTotals?.get(row.unitId) ?? EMPTY_UNIT_TOTALS,
      })),
      definition,
    );
}

/** The numerator's values (and, for counts, its records) times `factor`. */
function scaleNumerator(totals: UnitTotals, factor: number): UnitTotals {
  return {
    ...totals,
    ySum: totals.ySum * factor,
    yHits: totals.yHits * factor,
    yMax: totals.yMax * factor,
    yMin: totals.yMin * factor,
  };
}

/**
 * The share of units with a positive record times `factor`: per unit (one draw per unit and
 * run), units without one gain one with probability p(f − 1)/(1 − p), or units with one lose
 * it with probability 1 − f.
 */
function injectIntoProportion(
  row: MetricUnitMinute,
  input: { factor: number; positiveShare: number; draw: (unitId: string) => number },
): MetricUnitMinute {
  const { factor, positiveShare: p } = input;
  const u = input.draw(row.unitId);
  if (factor >= 1) {
    const gain = p >= 1 ? 0 : Math.min(1, (p * (factor - 1)) / (1 - p));
    return u < gain
      ? { ...row, totals: { ...row.totals, yPositive: row.totals.yPositive + 1 } }
      : row;
  }
  return u < 1 - factor ? { ...row, totals: { ...row.totals, yPositive: 0 } } : row;
}
