// A flag the guardian kills on a catalog ratio metric with CUPED: each unit fails its API calls
// at its own rate the day before its exposure (spans with its id, no variant of this flag) and
// after it (the treatment twice as often), so the kill report's breach is CUPED-adjusted.
import { FlagAttributes, SpanNames, TripwireAttributes } from '@tripwire/schema';
import { createRng, type SpanRow } from '../dashboards/demo-telemetry.js';
import { makeApiErrorsMetric } from '../../services/analysis/test/metrics/metric-fixtures.js';
import { callApi, createFlag, secrets, sendTelemetry } from './results-fixture.js';

export const CUPED_KILLED_FLAG = 'api-rewrite';
const METRIC_ID = 'api_errors';
const CALLS = 20;
const DAY_MS = 86_400_000;

const API_ERRORS = makeApiErrorsMetric({ id: METRIC_ID, owner: 'platform', cuped: true });

/** "2026-12-07 13:00:00.123000000" (the demo's span times) ⇄ epoch ms. */
const toMs = (timestamp: string) => Date.parse(`${timestamp.slice(0, 23).replace(' ', 'T')}Z`);
const toTimestamp = (ms: number) =>
  `${new Date(ms).toISOString().replace('T', ' ').slice(0, 23)}000000`;

/** CALLS calls per exposed unit before its exposure and CALLS after, at the unit's own rate. */
function addApiCalls(spans: SpanRow[]): SpanRow[] {
  const rng = createRng(31);
  const stampKey = TripwireAttributes.variantPrefix + CUPED_KILLED_FLAG;
  return spans
    .filter((span) => span.SpanName === SpanNames.exposure)
    .flatMap((exposure) => {
      const unitId = exposure.SpanAttributes[TripwireAttributes.unitId]!;
      const variant = exposure.SpanAttributes[FlagAttributes.variant]!;
      const rate = 0.02 + 0.3 * rng() ** 2;
      const at = toMs(exposure.Timestamp);
      const call = (ms: number, stamp: Record<string, string>, failRate: number): SpanRow => ({
        ...exposure,
        Timestamp: toTimestamp(ms),
        TraceId: `${exposure.TraceId.slice(0, 24)}${Math.floor(rng() * 0xffffffff)
          .toString(16)
          .padStart(8, '0')}`,
        SpanId: Math.floor(rng() * 2 ** 52)
          .toString(16)
          .padStart(16, '0'),
        SpanName: 'GET /api',
        SpanKind: 'Server',
        SpanAttributes: { [TripwireAttributes.unitId]: unitId, ...stamp },
        StatusCode: rng() < failRate ? 'Error' : 'Unset',
      });
      return Array.from({ length: CALLS }, (_, c) => [
        call(at - DAY_MS + 1000 * c, {}, rate),
        call(
          at + 1000 + 3000 * c,
          { [stampKey]: variant },
          variant === 'treatment' ? 2 * rate : rate,
        ),
      ]).flat();
    });
}

/** The metric, the flag (its one guardrail kills on the metric) and its telemetry. */
export async function setUpCupedKill(): Promise<void> {
  await callApi('POST', '/api/v1/metrics', secrets.editor, {
    metric: API_ERRORS,
    reason: 'API rewrite guardrail',
  });
  await createFlag(CUPED_KILLED_FLAG, 'kill', {
    guardrails: [
      {
        id: 'api-errors',
        metric: METRIC_ID,
        direction: 'lower_is_better',
        margin: 0.05,
        minSample: 50,
        action: 'kill',
      },
    ],
  });
  // After the flag's creation, as the guardian reads a rollout's telemetry.
  await sendTelemetry(CUPED_KILLED_FLAG, new Date(Date.now() + 31 * 60_000), {
    units: 600,
    treatmentErrorRate: 0.03,
    seed: 15,
    addSpans: addApiCalls,
  });
}
