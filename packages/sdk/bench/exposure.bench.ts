/**
 * Exposure benchmark: what the client adds on top of the pure evaluation core, in one process
 * and one run, with a real OpenTelemetry SDK (BasicTracerProvider, TripwireSpanProcessor, a
 * BatchSpanProcessor with an exporter that drops everything).
 * Run: `npm run bench -w @tripwire/sdk` (both benches) or `npx tsx bench/exposure.bench.ts`.
 * Prints mitata's table, then a summary of the derived figures against the targets.
 * A table, not a test: nothing here asserts timings.
 */
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ConfigSnapshot, Flag } from '@tripwire/schema';
import { cpus, loadavg } from 'node:os';
import { bench, do_not_optimize, group, run } from 'mitata';
import { compileConfig, createClient, hashUnit, TripwireSpanProcessor } from '../src/index.js';

const UNITS = 10_000;
const FLAGS = 64;
const contexts = Array.from({ length: UNITS }, (_, i) => ({ targetingKey: `user-${i}` }));

/** A 50/50 boolean experiment. */
function makeExperiment(key: string): Flag {
  return {
    key,
    kind: 'experiment',
    type: 'boolean',
    variants: [
      { key: 'off', value: false },
      { key: 'on', value: true },
    ],
    defaultVariant: 'off',
    salt: key,
    metadata: { owner: 'bench', createdAt: '2026-01-01T00:00:00Z' },
    environments: {
      production: {
        enabled: true,
        rules: [],
        fallthrough: {
          rollout: {
            coverage: 10_000,
            weights: [
              { variant: 'off', weight: 50 },
              { variant: 'on', weight: 50 },
            ],
          },
        },
      },
    },
    version: 1,
  };
}

const snapshot: ConfigSnapshot = {
  schemaVersion: 1,
  environment: 'production',
  version: 1,
  generatedAt: '2026-01-01T00:00:00Z',
  segments: [],
  flags: [
    makeExperiment('exp'),
    ...Array.from({ length: FLAGS }, (_, f) => makeExperiment(`exp-${f}`)),
  ],
};

/** An exporter that drops spans: the bench measures the SDK path, not export I/O. */
class DroppingExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const provider = new BasicTracerProvider({
  spanProcessors: [new TripwireSpanProcessor(), new BatchSpanProcessor(new DroppingExporter())],
});
const tracer = provider.getTracer('bench');
const options = {
  environment: 'production',
  hashKey: 'bench-hash-key-0123456789',
  source: { type: 'static' as const, config: snapshot },
  tracer,
  logger: null,
};
const core = compileConfig(snapshot);
const client = createClient(options);
// Every call a new unit: a cache of 2 units forgets each one before it comes back.
const forgetful = createClient({ ...options, unitCacheSize: 2 });
// Known units (HMAC cached), each call a (unit, flag) pair not exposed before: 10k × 64 pairs.
const knownUnits = createClient(options);
for (const ctx of contexts) knownUnits.hashUnit(ctx.targetingKey);

let i = 0;
const next = () => contexts[(i = (i + 1) % UNITS)]!;
// Warm the dedup cache: every later exposure of `client` is a repeat.
for (const ctx of contexts) client.assign('exp', ctx, false);
let fresh = 0;
const freshContext = () => ({ targetingKey: `fresh-${(fresh += 1)}` });
let pair = 0;
const flagKeys = Array.from({ length: FLAGS }, (_, f) => `exp-${f}`);
const nextPair = (): [string, { targetingKey: string }] => {
  pair += 1;
  return [flagKeys[Math.floor(pair / UNITS) % FLAGS]!, contexts[pair % UNITS]!];
};
const activeSpan = tracer.startSpan('GET /bench', {}, ROOT_CONTEXT);
const inRequest = trace.setSpan(ROOT_CONTEXT, activeSpan);

const NAMES = {
  core: 'core evaluate (50/50)',
  repeat: 'client.assign, repeat exposure, no active span',
  repeatInSpan: 'client.assign, repeat exposure, in a recording span',
  first: 'client.assign, first exposure of a new unit (HMAC + span)',
  firstKnown: 'client.assign, first exposure of a known unit (span)',
  bareSpan: 'bare OTel span (startSpan + end)',
  hmac: 'hashUnit (HMAC-SHA256, uncached)',
} as const;

group('exposure cost', () => {
  bench(NAMES.core, () => do_not_optimize(core.evaluate('exp', next(), false)));
  bench(NAMES.repeat, () => do_not_optimize(client.assign('exp', next(), false)));
  bench(NAMES.repeatInSpan, () =>
    context.with(inRequest, () => do_not_optimize(client.assign('exp', next(), false))),
  );
  bench(NAMES.first, () => do_not_optimize(forgetful.assign('exp', freshContext(), false)));
  bench(NAMES.firstKnown, () => {
    const [flagKey, ctx] = nextPair();
    do_not_optimize(knownUnits.assign(flagKey, ctx, false));
  });
  bench(NAMES.bareSpan, () => tracer.startSpan('bare').end());
  bench(NAMES.hmac, () => do_not_optimize(hashUnit(next().targetingKey, 'k')));
});

const { benchmarks } = await run();
/** Median (p50): on a shared machine the mean is dominated by scheduler stalls. */
const median = (name: string): number => {
  const stats = benchmarks.find((b) => b.alias === name)?.runs[0]?.stats;
  if (stats === undefined) throw new Error(`no result for ${name}`);
  return stats.p50;
};
const core_ = median(NAMES.core);
const bare = median(NAMES.bareSpan);
const rows: [string, number, 'ns' | '×', string][] = [
  ['repeat exposure on top of evaluation', median(NAMES.repeat) - core_, 'ns', '≤ 50 ns'],
  ['repeat exposure + stamping a recording span', median(NAMES.repeatInSpan) - core_, 'ns', '-'],
  ['first exposure, known unit / bare span', median(NAMES.firstKnown) / bare, '×', '≤ 1.2×'],
  ['first exposure, new unit (+HMAC) / bare span', median(NAMES.first) / bare, '×', '≤ 1.2×'],
  ['HMAC of a new unit', median(NAMES.hmac), 'ns', '-'],
];
console.log(
  `\nsummary (medians, same run; load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} CPUs)`,
);
console.log('| figure | measured | target |\n|---|---|---|');
for (const [what, value, unit, target] of rows) {
  console.log(`| ${what} | ${value.toFixed(unit === '×' ? 2 : 0)} ${unit} | ${target} |`);
}
activeSpan.end();
await Promise.all([client.close(), forgetful.close(), knownUnits.close(), provider.shutdown()]);
