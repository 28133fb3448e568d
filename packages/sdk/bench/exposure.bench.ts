/**
 * Exposure benchmark: what the client adds on top of the pure evaluation core, in one process
 * and one run, with a real OpenTelemetry SDK (BasicTracerProvider, TripwireSpanProcessor, a
 * BatchSpanProcessor with an exporter that drops everything), and through the fast exposure
 * carrier (the BatchSpanProcessor wired through TripwireSpanProcessor's `spanProcessors`).
 * Run: `npm run bench -w @tripwire/sdk` (both benches) or `npx tsx bench/exposure.bench.ts`.
 * Prints mitata's table, then a summary of the derived figures against the targets.
 * A table, not a test: nothing here asserts timings.
 */
import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { cpus, loadavg } from 'node:os';
import { bench, do_not_optimize, group, run } from 'mitata';
import { compileConfig, createClient, hashUnit, TripwireSpanProcessor } from '../src/index.js';
import { createCryptoUnitHasher, createUnitHasher } from '../src/telemetry/hash-unit.js';
import {
  contexts,
  createCarrierProvider,
  createDroppingProvider,
  FLAGS,
  flagKeys,
  measurePaired,
  clientOptions,
  snapshot,
  UNITS,
} from './exposure-fixtures.js';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const provider = createDroppingProvider(new TripwireSpanProcessor());
const tracer = provider.getTracer('bench');
// Every ratio's baseline: a bare span on a provider with only the OTel SDK's own processor.
const plainProvider = createDroppingProvider();
const plainTracer = plainProvider.getTracer('bench');
// The fast carrier: the exporting processor wired through TripwireSpanProcessor.
const carrierProvider = createCarrierProvider(TripwireSpanProcessor);
const carrierTracer = carrierProvider.getTracer('bench');
const options = { ...clientOptions, tracer };
const core = compileConfig(snapshot);
const client = createClient(options);
// Every call a new unit (fresh keys), with the default cache size: its generations turn over
// as they would in a service seeing a stream of new users.
const forgetful = createClient(options);
/** A client that has hashed every unit already (HMAC cached), so its first exposures pay no HMAC. */
function createKnownUnitsClient(tracerOption = tracer) {
  const known = createClient({ ...options, tracer: tracerOption });
  for (const ctx of contexts) known.hashUnit(ctx.targetingKey);
  return known;
}
// Known units, each call a (unit, flag) pair not exposed before: 10k × 64 pairs.
const knownUnits = createKnownUnitsClient();
const knownUnitsCarried = createKnownUnitsClient(carrierTracer);
const forgetfulCarried = createClient({ ...options, tracer: carrierTracer });

let i = 0;
const next = () => contexts[(i = (i + 1) % UNITS)]!;
// Warm the dedup cache: every later exposure of `client` is a repeat.
for (const ctx of contexts) client.assign('exp', ctx, false);
/** A request's pattern: several flags evaluated in a row for one unit, then the next unit. */
const FLAGS_PER_UNIT = 8;
for (const ctx of contexts) {
  for (let f = 0; f < FLAGS_PER_UNIT; f += 1) client.assign(`exp-${f}`, ctx, false);
}
// Flag keys as services pass them: the same string each time (a literal), not one built per call.
const requestFlagKeys = Array.from({ length: FLAGS_PER_UNIT }, (_, f) => `exp-${f}`);
let call = 0;
const nextInRequest = (): [string, { targetingKey: string }] => {
  call += 1;
  const unit = Math.floor(call / FLAGS_PER_UNIT) % UNITS;
  return [requestFlagKeys[call % FLAGS_PER_UNIT]!, contexts[unit]!];
};
let fresh = 0;
const freshContext = () => ({ targetingKey: `fresh-${(fresh += 1)}` });
/** A cursor over the 10k × 64 (flag, unit) pairs, each pair once per 640k calls. */
function createPairCursor(): () => [string, { targetingKey: string }] {
  let pair = 0;
  return () => {
    pair += 1;
    return [flagKeys[Math.floor(pair / UNITS) % FLAGS]!, contexts[pair % UNITS]!];
  };
}
const nextPair = createPairCursor();
const activeSpan = tracer.startSpan('GET /bench', {}, ROOT_CONTEXT);
const inRequest = trace.setSpan(ROOT_CONTEXT, activeSpan);

const NAMES = {
  core: 'core evaluate (50/50)',
  repeat: 'client.assign, repeat exposure, no active span',
  repeatInSpan: 'client.assign, repeat exposure, in a recording span',
  repeatPerUnit: 'client.assign, repeat exposure, 8 flags per unit in a row',
  first: 'client.assign, first exposure of a new unit (HMAC + span)',
  firstKnown: 'client.assign, first exposure of a known unit (span)',
  firstKnownCarried: 'client.assign, first exposure of a known unit, fast carrier',
  firstCarried: 'client.assign, first exposure of a new unit, fast carrier (HMAC + span)',
  bareSpan: 'bare OTel span (startSpan + end), plain provider',
  hmac: 'hashUnit (HMAC-SHA256 by createHmac, uncached)',
  hasher: 'client unit hasher (same HMAC, WebAssembly SHA-256 from prepared pad states, uncached)',
  cryptoHasher: 'node:crypto unit hasher (same HMAC, two crypto.hash calls, uncached)',
} as const;

const unitHasher = createUnitHasher(options.hashKey);
const cryptoHasher = createCryptoUnitHasher(options.hashKey);
/** What the OTel SDK alone charges for an exposure span: same name, kind and 8 attributes. */
const exposureAttributes = Object.entries({
  'feature_flag.key': 'exp',
  'feature_flag.result.variant': 'on',
  'feature_flag.result.reason': 'split',
  'feature_flag.provider.name': 'tripwire',
  'feature_flag.set.id': 'production',
  'feature_flag.version': '1',
  'tripwire.unit.kind': 'targetingKey',
  'feature_flag.context.id': '0123456789abcdef0123456789abcdef',
});
const spanWithAttributes = () => {
  const span = plainTracer.startSpan(
    'tripwire.exposure',
    { kind: SpanKind.INTERNAL },
    context.active(),
  );
  for (const [key, value] of exposureAttributes) span.setAttribute(key, value);
  span.end();
};

group('exposure cost', () => {
  bench(NAMES.core, () => do_not_optimize(core.evaluate('exp', next(), false)));
  bench(NAMES.repeat, () => do_not_optimize(client.assign('exp', next(), false)));
  bench(NAMES.repeatPerUnit, () => {
    const [flagKey, ctx] = nextInRequest();
    do_not_optimize(client.assign(flagKey, ctx, false));
  });
  bench(NAMES.repeatInSpan, () =>
    context.with(inRequest, () => do_not_optimize(client.assign('exp', next(), false))),
  );
  bench(NAMES.first, () => do_not_optimize(forgetful.assign('exp', freshContext(), false)));
  bench(NAMES.firstKnown, () => {
    const [flagKey, ctx] = nextPair();
    do_not_optimize(knownUnits.assign(flagKey, ctx, false));
  });
  const nextCarriedPair = createPairCursor();
  bench(NAMES.firstKnownCarried, () => {
    const [flagKey, ctx] = nextCarriedPair();
    do_not_optimize(knownUnitsCarried.assign(flagKey, ctx, false));
  });
  bench(NAMES.firstCarried, () =>
    do_not_optimize(forgetfulCarried.assign('exp', freshContext(), false)),
  );
  bench(NAMES.bareSpan, () => plainTracer.startSpan('bare').end());
  bench(NAMES.hmac, () => do_not_optimize(hashUnit(next().targetingKey, 'k')));
  bench(NAMES.hasher, () => do_not_optimize(unitHasher(next().targetingKey)));
  bench(NAMES.cryptoHasher, () => do_not_optimize(cryptoHasher(next().targetingKey)));
});

// BENCH_FILTER=<regex> runs only the matching mitata benches (the paired summary always runs).
const filter = process.env.BENCH_FILTER;
await run(filter === undefined ? {} : { filter: new RegExp(filter) });

// Fresh clients, so first exposures in the paired runs are really first.
const pairedKnown = createKnownUnitsClient();
const pairedNew = createClient(options);
// The same on a host that registered no TripwireSpanProcessor (the exposure span skips its onStart).
const pairedPlain = createKnownUnitsClient(plainTracer);
// The same through the fast carrier (plain-provider bare span as the base all the same).
const pairedCarrierKnown = createKnownUnitsClient(carrierTracer);
const pairedCarrierNew = createClient({ ...options, tracer: carrierTracer });
/** First exposures of `known`'s units, one (flag, unit) pair after the other. */
function firstExposuresOf(known: typeof pairedKnown): () => unknown {
  const nextFirst = createPairCursor();
  return () => {
    const [flagKey, ctx] = nextFirst();
    return known.assign(flagKey, ctx, false);
  };
}
const firstKnownExposure = firstExposuresOf(pairedKnown);
const firstKnownPlain = firstExposuresOf(pairedPlain);
const bareSpan = () => plainTracer.startSpan('bare').end();
const repeat = measurePaired(
  () => core.evaluate('exp', next(), false),
  () => client.assign('exp', next(), false),
);
const repeatPerUnit = measurePaired(
  () => {
    const [flagKey, ctx] = nextInRequest();
    return core.evaluate(flagKey, ctx, false);
  },
  () => {
    const [flagKey, ctx] = nextInRequest();
    return client.assign(flagKey, ctx, false);
  },
);
const repeatInSpan = measurePaired(
  () => context.with(inRequest, () => core.evaluate('exp', next(), false)),
  () => context.with(inRequest, () => client.assign('exp', next(), false)),
);
const attributesFloor = measurePaired(bareSpan, spanWithAttributes);
// The same flags and units as `firstKnownExposure`, evaluated by the core, plus the span with
// its attributes: what a first exposure costs with no client work at all.
const nextFloorPair = createPairCursor();
const evaluationAndSpan = () => {
  const [flagKey, ctx] = nextFloorPair();
  const result = core.evaluate(flagKey, ctx, false);
  spanWithAttributes();
  return result;
};
const evaluationFloor = measurePaired(bareSpan, evaluationAndSpan);
const firstKnown = measurePaired(bareSpan, firstKnownExposure);
const firstKnownNoProcessor = measurePaired(bareSpan, firstKnownPlain);
const firstNew = measurePaired(bareSpan, () => pairedNew.assign('exp', freshContext(), false));
const firstKnownCarried = measurePaired(bareSpan, firstExposuresOf(pairedCarrierKnown));
const firstNewCarried = measurePaired(bareSpan, () =>
  pairedCarrierNew.assign('exp', freshContext(), false),
);
// The HMAC's own cost, in bare spans: a bare span plus the client's hasher on a new key, ÷ one
// bare span, minus one. The new-unit target is 1.2× plus this, from the same run.
const hmacInSpans =
  measurePaired(bareSpan, () => {
    bareSpan();
    return unitHasher(freshContext().targetingKey);
  }).ratio - 1;
const rows: [string, string, string][] = [
  [
    'repeat exposure, on top of evaluation, another unit every call (no active span)',
    `${repeat.diff.toFixed(0)} ns`,
    '≤ 30 ns',
  ],
  [
    'repeat exposure, on top of evaluation, 8 flags per unit in a row (no active span)',
    `${repeatPerUnit.diff.toFixed(0)} ns`,
    '≤ 30 ns',
  ],
  [
    'repeat exposure + stamping the active and root span',
    `${repeatInSpan.diff.toFixed(0)} ns`,
    '-',
  ],
  [
    "a span with the exposure's 8 attributes (no client) ÷ one bare span",
    `${attributesFloor.ratio.toFixed(2)} ×`,
    '-',
  ],
  [
    'evaluation + a span with the 8 attributes (no client) ÷ one bare span',
    `${evaluationFloor.ratio.toFixed(2)} ×`,
    '-',
  ],
  ['first exposure, known unit ÷ one bare span', `${firstKnown.ratio.toFixed(2)} ×`, '≤ 1.2×'],
  [
    'first exposure, known unit, host without TripwireSpanProcessor ÷ one bare span',
    `${firstKnownNoProcessor.ratio.toFixed(2)} ×`,
    '≤ 1.2×',
  ],
  [
    "the HMAC's own cost (client hasher, new key) ÷ one bare span",
    `${hmacInSpans.toFixed(2)} ×`,
    '-',
  ],
  [
    'first exposure, new unit (+ HMAC) ÷ one bare span',
    `${firstNew.ratio.toFixed(2)} ×`,
    `≤ ${(1.2 + hmacInSpans).toFixed(2)}× (1.2 + HMAC)`,
  ],
  [
    'fast carrier: first exposure, known unit ÷ one bare span',
    `${firstKnownCarried.ratio.toFixed(2)} ×`,
    '≤ 1.2×',
  ],
  [
    'fast carrier: first exposure, new unit (+ HMAC) ÷ one bare span',
    `${firstNewCarried.ratio.toFixed(2)} ×`,
    `≤ ${(1.2 + hmacInSpans).toFixed(2)}× (1.2 + HMAC)`,
  ],
];
console.log(
  `\nsummary: paired medians, same run (load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} CPUs)`,
);
console.log('| figure | measured | target |\n|---|---|---|');
for (const [what, value, target] of rows) console.log(`| ${what} | ${value} | ${target} |`);
await Promise.all(
  [pairedKnown, pairedNew, pairedPlain, pairedCarrierKnown, pairedCarrierNew].map((c) => c.close()),
);
activeSpan.end();
await Promise.all([
  client.close(),
  forgetful.close(),
  knownUnits.close(),
  knownUnitsCarried.close(),
  forgetfulCarried.close(),
  provider.shutdown(),
  carrierProvider.shutdown(),
  plainProvider.shutdown(),
]);
