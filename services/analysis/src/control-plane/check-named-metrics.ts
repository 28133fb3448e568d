import { isBuiltinMetricId } from '@tripwire/schema';
import { createError } from '../errors.js';
import type { MetricStore } from './metric-store.js';

/** Where a flag document names metric ids: JSON pointer (under the flag) → id. */
function namedMetrics(flag: unknown): [string, string][] {
  const named: [string, string][] = [];
  if (typeof flag !== 'object' || flag === null) return named;
  const { guardrails, metrics } = flag as { guardrails?: unknown; metrics?: unknown };
  if (Array.isArray(guardrails))
    guardrails.forEach((guardrail: { metric?: unknown } | null, i) => {
      if (typeof guardrail?.metric === 'string')
        named.push([`/guardrails/${i}/metric`, guardrail.metric]);
    });
  if (typeof metrics === 'object' && metrics !== null) {
    const { goal, secondary } = metrics as { goal?: unknown; secondary?: unknown };
    if (typeof goal === 'string') named.push(['/metrics/goal', goal]);
    if (Array.isArray(secondary))
      secondary.forEach((id, i) => {
        if (typeof id === 'string') named.push([`/metrics/secondary/${i}`, id]);
      });
  }
  return named;
}

/**
 * Every metric a flag names (guardrails, goal, secondary) is a built-in or in the catalog;
 * otherwise a 400 whose pointer is the first unknown one (prefixed with `pointerPrefix`).
 */
export async function checkNamedMetrics(
  catalog: Pick<MetricStore, 'get'>,
  flag: unknown,
  pointerPrefix = '',
): Promise<void> {
  for (const [pointer, id] of namedMetrics(flag)) {
    if (isBuiltinMetricId(id) || (await catalog.get(id)) !== undefined) continue;
    throw createError(
      'TRIPWIRE_ERR_BAD_REQUEST',
      `${pointer} names metric "${id}", which is neither built-in nor in the metric catalog`,
      { pointer: `${pointerPrefix}${pointer}` },
    );
  }
}
