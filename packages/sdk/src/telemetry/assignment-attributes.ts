import type { Baggage, Context } from '@opentelemetry/api';
import { context as contextApi, propagation } from '@opentelemetry/api';
import { BaggageKeys } from '@tripwire/schema';
import { AssignmentBaggage, parseAssignments, toSpanAttributes } from './assignment-baggage.js';

/**
 * The unit and variant attributes (`tripwire.unit.id`, `tripwire.variant.<flagKey>`) a baggage
 * stands for: a local assignment's as the client keeps them, another process's parsed and checked.
 */
export function baggageAttributes(baggage: Baggage): readonly [string, string][] {
  if (baggage instanceof AssignmentBaggage) return baggage.spanAttributes();
  const assignments = baggage.getEntry(BaggageKeys.assignments)?.value;
  return toSpanAttributes(
    baggage.getEntry(BaggageKeys.unit)?.value,
    assignments === undefined ? new Map() : parseAssignments(assignments),
  );
}

/**
 * The assignment attributes of `ctx` (default: the active context) as an OTel attributes
 * object, for metric instruments: `histogram.record(ms, { ...assignmentAttributes(), route })`
 * makes each data point carry the unit and variant, so a `metric_points` metric can compare
 * arms. Empty outside an assignment. One time series per unit: keep it to per-unit metrics.
 */
export function assignmentAttributes(ctx: Context = contextApi.active()): Record<string, string> {
  const baggage = propagation.getBaggage(ctx);
  return baggage === undefined ? {} : Object.fromEntries(baggageAttributes(baggage));
}
