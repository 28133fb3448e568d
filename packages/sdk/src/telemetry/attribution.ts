import type { Context } from '@opentelemetry/api';
import { createContextKey, propagation, trace } from '@opentelemetry/api';
import { TripwireAttributes } from '@tripwire/schema';
import { AssignmentBaggage, AssignmentCollector } from './assignment-baggage.js';
import { findOpenLocalRoot } from './local-root.js';
import type { ResultSlot } from './evaluation-tally.js';

const COLLECTOR_KEY = createContextKey('@tripwire/sdk.assignment-collector');

/**
 * A context whose baggage carries, live, every assignment made while it is active (see
 * `AssignmentBaggage`), on top of the baggage `ctx` already had. Spans started in it and
 * requests sent from it carry `tripwire.unit` / `tripwire.assignments`.
 */
export function createAssignmentContext(ctx: Context): Context {
  const collector = new AssignmentCollector();
  const baggage = new AssignmentBaggage(propagation.getBaggage(ctx), collector);
  return propagation.setBaggage(ctx, baggage).setValue(COLLECTOR_KEY, collector);
}

/**
 * Records one assignment for attribution in `ctx`: into the scope's baggage (when inside
 * `withAssignments`), and as `tripwire.variant.<flagKey>` + `tripwire.unit.id` on the active
 * span and on the open local root span of its trace (the server span, when a
 * `TripwireSpanProcessor` is installed).
 */
export function stampAssignment(ctx: Context, unitId: string, slot: ResultSlot): void {
  (ctx.getValue(COLLECTOR_KEY) as AssignmentCollector | undefined)?.record(
    unitId,
    slot.flagKey,
    slot.variant,
  );
  const span = trace.getSpan(ctx);
  if (span === undefined || !span.isRecording()) return;
  span.setAttribute(slot.attribute, slot.variant);
  span.setAttribute(TripwireAttributes.unitId, unitId);
  const root = findOpenLocalRoot(span);
  if (root === undefined) return;
  root.setAttribute(slot.attribute, slot.variant);
  root.setAttribute(TripwireAttributes.unitId, unitId);
}
