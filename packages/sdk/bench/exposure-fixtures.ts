/**
 * What the two exposure benches share (exposure.bench.ts, exposure-ab.bench.ts): 10,000 units,
 * 64 + 1 50/50 boolean experiments (`exp`, `exp-0` … `exp-63`), a tracer provider whose
 * exporter drops everything, so the benches measure the SDK path, not export I/O, and the paired
 * measurement both report.
 */
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ConfigSnapshot, Flag } from '@tripwire/schema';
import { do_not_optimize } from 'mitata';

export const UNITS = 10_000;
export const FLAGS = 64;
export const contexts = Array.from({ length: UNITS }, (_, i) => ({ targetingKey: `user-${i}` }));
export const flagKeys = Array.from({ length: FLAGS }, (_, f) => `exp-${f}`);

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

export const snapshot: ConfigSnapshot = {
  schemaVersion: 1,
  environment: 'production',
  version: 1,
  generatedAt: '2026-01-01T00:00:00Z',
  segments: [],
  flags: [makeExperiment('exp'), ...flagKeys.map(makeExperiment)],
};

/** The exposure benches' client options over `snapshot`, but the tracer (each passes its own). */
export const clientOptions = {
  environment: 'production',
  hashKey: 'bench-hash-key-0123456789',
  source: { type: 'static' as const, config: snapshot },
  logger: null,
};

/** An exporter that drops spans. */
class DroppingExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A provider with a dropping batch export, and `tripwireProcessor` (a `TripwireSpanProcessor`)
 * before it when given; without one it is the plain provider every ratio is measured against.
 */
export function createDroppingProvider(tripwireProcessor?: SpanProcessor): BasicTracerProvider {
  const exporting = new BatchSpanProcessor(new DroppingExporter());
  return new BasicTracerProvider({
    spanProcessors: tripwireProcessor ? [tripwireProcessor, exporting] : [exporting],
  });
}

/**
 * A provider whose only processor is a `TripwireSpanProcessor` forwarding to the same dropping
 * batch export: the fast exposure carrier (clients deliver exposures to the batch processor).
 */
export function createCarrierProvider(
  TripwireSpanProcessor: new (options: { spanProcessors: SpanProcessor[] }) => SpanProcessor,
): BasicTracerProvider {
  const exporting = new BatchSpanProcessor(new DroppingExporter());
  return new BasicTracerProvider({
    spanProcessors: [new TripwireSpanProcessor({ spanProcessors: [exporting] })],
  });
}

/**
 * Paired measurement: A and B alternate in batches of `batch` calls (order flipped every round)
 * and each round yields B − A (ns per call) and B ÷ A; the medians over `rounds` cancel the slow
 * swings of a shared machine that make separate means incomparable.
 */
export function measurePaired(
  a: () => unknown,
  b: () => unknown,
  rounds = 401,
  batch = 1000,
): { diff: number; ratio: number } {
  const timeBatch = (fn: () => unknown): number => {
    const start = process.hrtime.bigint();
    for (let k = 0; k < batch; k += 1) do_not_optimize(fn());
    return Number(process.hrtime.bigint() - start) / batch;
  };
  const diffs: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    let ta: number;
    let tb: number;
    if (round % 2 === 0) {
      ta = timeBatch(a);
      tb = timeBatch(b);
    } else {
      tb = timeBatch(b);
      ta = timeBatch(a);
    }
    diffs.push(tb - ta);
    ratios.push(tb / ta);
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[xs.length >> 1]!;
  return { diff: median(diffs), ratio: median(ratios) };
}
