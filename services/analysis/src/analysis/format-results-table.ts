import { BUILTIN_METRICS } from '@tripwire/schema';
import type { Comparison, ResultsResponse } from './results-schema.js';

/** A value in its metric's display unit: fractions as percentages, others with their unit. */
function formatValue(unit: string | null, value: number | null): string {
  if (value === null) return '–';
  if (unit === 'fraction') return `${(value * 100).toFixed(2)}%`;
  const digits = Math.abs(value) < 10 ? 2 : 1;
  return unit === null ? value.toFixed(digits) : `${value.toFixed(digits)} ${unit}`;
}

function formatSigned(value: number | null, percent: boolean): string {
  if (value === null) return '–';
  const text = percent ? `${(value * 100).toFixed(1)}%` : value.toPrecision(3);
  return value > 0 ? `+${text}` : text;
}

function formatInterval(interval: readonly (number | null)[] | undefined): string {
  if (interval === undefined) return '';
  return `[${formatSigned(interval[0] ?? null, true)}, ${formatSigned(interval[1] ?? null, true)}]`;
}

function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined) return '–';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

/** The fixed-horizon MDE: relative (±%) when the comparison has a relative lift, else absolute. */
function formatMde(power: Comparison['power']): string {
  if (power === undefined) return '';
  if (power.relativeMinimumDetectableEffect !== null) {
    return `±${(power.relativeMinimumDetectableEffect * 100).toFixed(1)}%`;
  }
  return power.minimumDetectableEffect === null
    ? ''
    : `±${power.minimumDetectableEffect.toPrecision(3)}`;
}

function renderTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths?.[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function describeFreshness(freshness: NonNullable<ResultsResponse['freshness']>): string {
  const read = `read ${freshness.computedAt} in ${freshness.computeSeconds.toFixed(1)} s`;
  return freshness.source === 'live'
    ? `data: live, ${read}`
    : `data: background snapshot, ${Math.round(freshness.ageSeconds)} s old (${read})`;
}

/** One line per metric result with an error: why its value or comparison is missing or declined. */
function describeMetricErrors(results: ResultsResponse): string[] {
  const lines = results.variants.flatMap((variant) =>
    variant.metrics.flatMap((m) =>
      m.error === undefined ? [] : [`  ${m.key}  ${variant.variant}: ${m.error.message}`],
    ),
  );
  return lines.length === 0 ? [] : ['', 'not computed or declined:', ...lines];
}

/** Catalog metrics whose definition changed after the first exposure, and ids nothing defines. */
function describeMetricNotes(results: ResultsResponse): string[] {
  const changed = results.metrics
    .filter((metric) => metric.changedDuringExperiment === true)
    .map(
      (metric) =>
        `  ${metric.key}: now version ${metric.version}, changed ${metric.updatedAt ?? '?'} by ${metric.updatedBy ?? '?'} (GET /api/v1/metrics/${metric.id}/history)`,
    );
  return [
    ...(changed.length === 0
      ? []
      : ['', 'metric definitions changed during the experiment:', ...changed]),
    ...(results.unknownMetrics?.length
      ? ['', `named but not defined: ${results.unknownMetrics.join(', ')}`]
      : []),
  ];
}

/** Each CUPED-adjusted lift (relative when there is one) with its variance reduction, and why not. */
function describeCuped(results: ResultsResponse): string[] {
  const adjusted = results.variants.flatMap((variant) =>
    variant.metrics.flatMap((m) => {
      const cuped = m.comparison?.cuped;
      if (cuped === undefined) return [];
      const lift = cuped.relative ?? cuped.absolute;
      const text =
        cuped.relative === undefined
          ? `${formatSigned(lift.estimate, false)} [${formatSigned(lift.interval[0] ?? null, false)}, ${formatSigned(lift.interval[1] ?? null, false)}]`
          : `${formatSigned(lift.estimate, true)} ${formatInterval(lift.interval)}`;
      const reduction = cuped.varianceReduction ?? 0;
      return [
        `  ${m.key}  ${variant.variant}: ${text} (variance −${(reduction * 100).toFixed(0)}%)`,
      ];
    }),
  );
  const skipped = results.metrics.flatMap((metric) =>
    metric.cuped?.applied === false ? [`  ${metric.key}: ${metric.cuped.reason}`] : [],
  );
  const lines = [...adjusted, ...skipped];
  return lines.length === 0 ? [] : ['', 'CUPED (pre-exposure covariate):', ...lines];
}

const unitOf = (metric: keyof typeof BUILTIN_METRICS) => BUILTIN_METRICS[metric].unit ?? null;

/** The results as terminal text: header, SRM, one row per metric and variant, breakdown. */
export function formatResultsTable(results: ResultsResponse): string {
  const alphaPct = `${Math.round((1 - results.alpha) * 100)}%`;
  const lines = [
    `${results.flagKey}  control: ${results.control}  environment: ${results.environment ?? 'all'}`,
    `units: ${results.variants.map((v) => `${v.variant} ${v.units}`).join(', ')}; excluded (seen in more than one variant): ${results.units.excludedMultiVariant}`,
    ...(results.freshness === undefined ? [] : [describeFreshness(results.freshness)]),
    results.srm === null
      ? 'SRM: no rollout weights to check against'
      : `SRM: χ² = ${results.srm.statistic.toFixed(2)}, p = ${formatP(results.srm.pValue)}${results.srm.mismatch ? '  MISMATCH: the split is broken, do not trust these results' : '  ok'}`,
    '',
  ];
  const rows: string[][] = [
    [
      'metric',
      'variant',
      'value',
      'abs lift',
      'rel lift',
      `${alphaPct} CI (rel)`,
      'p',
      'always-valid p',
      'MDE (80% power)',
    ],
  ];
  for (const described of results.metrics) {
    for (const variant of results.variants) {
      const metric = variant.metrics.find((m) => m.key === described.key);
      if (metric === undefined) continue;
      const comparison = metric.comparison;
      const scale = comparison?.relative ?? comparison?.absolute;
      rows.push([
        described.roles === undefined
          ? described.key
          : `${described.key} [${described.roles.join(', ')}]`,
        variant.variant,
        formatValue(described.unit, metric.value),
        comparison === undefined ? '' : formatSigned(comparison.absolute.estimate, false),
        comparison?.relative === undefined ? '' : formatSigned(comparison.relative.estimate, true),
        comparison?.relative === undefined ? '' : formatInterval(comparison.relative.interval),
        // A declined test (an arm with zero variance) shows no p-value, not p = 1.
        comparison === undefined ? '' : formatP(scale?.status === 'ok' ? scale.pValue : null),
        comparison === undefined ? '' : formatP(scale?.alwaysValidPValue),
        formatMde(comparison?.power),
      ]);
    }
  }
  lines.push(
    renderTable(rows),
    ...describeCuped(results),
    ...describeMetricErrors(results),
    ...describeMetricNotes(results),
  );
  const significant = results.breakdowns.filter((row) => row.significant);
  lines.push('', `breakdown (Benjamini–Hochberg, alpha ${results.alpha}):`);
  if (significant.length === 0) lines.push('  no segment differs significantly');
  for (const row of significant.slice(0, 10)) {
    lines.push(
      `  ${row.dimension}=${row.segment}  ${row.metric}  ${row.variant}: ${formatValue(unitOf(row.metric), row.controlValue)} → ${formatValue(unitOf(row.metric), row.treatmentValue)} (${formatSigned(row.relativeLift, true)}, adjusted p ${formatP(row.adjustedPValue)})`,
    );
  }
  return `${lines.join('\n')}\n`;
}
