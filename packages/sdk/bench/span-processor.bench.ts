/**
 * What `TripwireSpanProcessor` adds to the host's own spans: the same span started on a plain
 * provider (only the OTel SDK's BatchSpanProcessor, dropping exporter) and on one with the
 * processor registered before it, and with the batch processor wired through it
 * (`spanProcessors`, the fast exposure carrier's setup), paired in one process. Four host spans:
 * - a server span with no parent and no baggage (a request of a service that has no experiment);
 * - a child span of a local server span (an outbound call or a DB span in the same request);
 * - a downstream service's server span whose remote parent carries W3C baggage with a unit and
 *   3 assignments (attribution across services);
 * - a span inside `client.withAssignments`, after the request was assigned (local attribution).
 * Run in packages/sdk: `taskset -c 1 npx tsx --conditions=@tripwire/source bench/span-processor.bench.ts`.
 * A table, not a test: nothing here asserts timings.
 */
import type { Context, Tracer } from '@opentelemetry/api';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import { BaggageKeys } from '@tripwire/schema';
import { cpus, loadavg } from 'node:os';
import { createClient, TripwireSpanProcessor } from '../src/index.js';
import {
  contexts,
  createCarrierProvider,
  createDroppingProvider,
  measurePaired,
  clientOptions,
} from './exposure-fixtures.js';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CBaggagePropagator());
const plain = createDroppingProvider().getTracer('bench');
const tripwire = createDroppingProvider(new TripwireSpanProcessor()).getTracer('bench');
const wrapping = createCarrierProvider(TripwireSpanProcessor).getTracer('bench');

const client = createClient({ ...clientOptions, tracer: tripwire });

const unitId = client.hashUnit('user-1');

/** A context whose parent is a remote span with the baggage an upstream Tripwire service sends. */
function downstreamContext(assignments: string): Context {
  const baggage = propagation.createBaggage({
    [BaggageKeys.unit]: { value: unitId },
    [BaggageKeys.assignments]: { value: assignments },
  });
  const remote = trace.wrapSpanContext({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  return propagation.setBaggage(trace.setSpan(ROOT_CONTEXT, remote), baggage);
}

/** A context inside `withAssignments` after `exp` was assigned to a unit (what the client stamps from). */
function assignedContext(): Context {
  const scope = client.withAssignments(ROOT_CONTEXT);
  context.with(scope, () => client.assign('exp', contexts[1]!, false));
  return scope;
}

/** A span of `tracer` with the parent context `parent` (the host's own span, no attributes). */
const spanOf = (tracer: Tracer, parent: Context) => () =>
  tracer.startSpan('GET /orders', { kind: SpanKind.SERVER }, parent).end();

const VARIANT_ATTRIBUTES = ['exp', 'exp-1', 'exp-2'].map((key) => `tripwire.variant.${key}`);

/** The same plain span with the attributes the processor stamps, set by hand: the OTel SDK's own cost. */
const spanWith = (parent: Context, variants: number) => () => {
  const span = plain.startSpan('GET /orders', { kind: SpanKind.SERVER }, parent);
  if (variants > 0) span.setAttribute('tripwire.unit.id', unitId);
  for (let v = 0; v < variants; v += 1) span.setAttribute(VARIANT_ATTRIBUTES[v]!, 'on');
  span.end();
};

// The local-parent case uses a parent of each provider: the processor marks only its own spans.
const localParents = [plain, tripwire, wrapping].map((tracer) =>
  trace.setSpan(ROOT_CONTEXT, tracer.startSpan('GET /')),
);
const assigned = assignedContext();
/** [host span, its parent on the plain, Tripwire and wrapping providers, attributes stamped, target] */
const cases: [string, Context[], number, string][] = [
  ['server span, no parent, no baggage', [ROOT_CONTEXT, ROOT_CONTEXT, ROOT_CONTEXT], 0, '≤ 100 ns'],
  ['child of a local server span', localParents, 0, '≤ 100 ns'],
  [
    'span in an assigned request scope (unit + 1 assignment)',
    [assigned, assigned, assigned],
    1,
    '≤ 250 ns',
  ],
  ...[1, 3].map((n): [string, Context[], number, string] => {
    const parent = downstreamContext(['exp:on', 'exp-1:off', 'exp-2:on'].slice(0, n).join(','));
    return [
      `downstream server span, baggage: unit + ${n} assignments`,
      [parent, parent, parent],
      n,
      n === 1 ? '≤ 250 ns' : '-',
    ];
  }),
];

const rows: string[] = [];
for (const [name, [plainParent, tripwireParent, wrappingParent], variants, target] of cases) {
  const base = spanOf(plain, plainParent!);
  const noise = measurePaired(base, spanOf(plain, plainParent!));
  const floor = measurePaired(base, spanWith(plainParent!, variants));
  const added = measurePaired(base, spanOf(tripwire, tripwireParent!));
  const wrapped = measurePaired(base, spanOf(wrapping, wrappingParent!));
  const cells = [name, `${added.diff.toFixed(0)} ns`, `${added.ratio.toFixed(3)} ×`];
  cells.push(`${wrapped.diff.toFixed(0)} ns`, `${floor.diff.toFixed(0)} ns`);
  cells.push(`${noise.diff.toFixed(0)} ns`, target);
  rows.push(`| ${cells.join(' | ')} |`);
}
console.log(
  `span processor: paired medians, same run (load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} CPUs)`,
);
console.log(
  '| host span | added by the processor | ÷ plain | added, batch wired through it | of which setAttribute (OTel SDK, by hand) | plain vs itself (noise) | target |',
);
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const row of rows) console.log(row);
for (const parent of localParents) trace.getSpan(parent)?.end();
await client.close();
