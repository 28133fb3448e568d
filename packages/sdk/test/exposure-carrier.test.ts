import type { Context, Span, Tracer } from '@opentelemetry/api';
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  ParentBasedSampler,
  AlwaysOnSampler,
} from '@opentelemetry/sdk-trace-base';
import { SpanNames } from '@tripwire/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import type { TripwireClient } from '../src/client-types.js';
import { TripwireSpanProcessor } from '../src/telemetry/tripwire-span-processor.js';
import { makeFlag, makeRollout, makeSnapshot } from './evaluation/fixtures.js';
import { installOtelGlobals } from './support/otel.js';

const FLAG_KEYS = ['exp-a', 'exp-b', 'exp-c'];
const snapshot = makeSnapshot(
  FLAG_KEYS.map((key) => makeFlag({ key }, makeRollout([1, 1], 10_000))),
);

/** Counts the spans it sees start and end, so a test can tell a carried exposure (end only). */
class CountingProcessor implements SpanProcessor {
  started = 0;
  ending = 0;
  ended: ReadableSpan[] = [];
  onStart(): void {
    this.started += 1;
  }
  onEnding(): void {
    this.ending += 1;
  }
  onEnd(span: ReadableSpan): void {
    this.ended.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Host {
  provider: BasicTracerProvider;
  tracer: Tracer;
  client: TripwireClient;
  exporter: InMemorySpanExporter;
  counting: CountingProcessor;
  exposures: () => ReadableSpan[];
}

const hosts: Host[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) {
    await host.client.close();
    await host.provider.shutdown();
  }
});

/** A host whose exporting processors go through Tripwire's (`carrier`) or sit beside it. */
function createHost(carrier: boolean): Host {
  installOtelGlobals();
  const exporter = new InMemorySpanExporter();
  const counting = new CountingProcessor();
  const exporting = [new BatchSpanProcessor(exporter), counting];
  const provider = new BasicTracerProvider({
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: carrier
      ? [new TripwireSpanProcessor({ spanProcessors: exporting })]
      : [new TripwireSpanProcessor(), ...exporting],
  });
  const tracer = provider.getTracer('@tripwire/sdk');
  const client = createClient({
    environment: 'production',
    hashKey: 'carrier-test-hash-key-01',
    source: { type: 'static', config: snapshot },
    tracer,
    logger: null,
  });
  const exposures = () => exporter.getFinishedSpans().filter((s) => s.name === SpanNames.exposure);
  const host = { provider, tracer, client, exporter, counting, exposures };
  hosts.push(host);
  return host;
}

/** The first exposures of `units` × FLAG_KEYS, inside a server span (or none), in order. */
async function exposeAll(host: Host, units: string[], inSpan: boolean): Promise<Span | undefined> {
  const server = inSpan ? host.tracer.startSpan('GET /checkout', {}, ROOT_CONTEXT) : undefined;
  const ctx: Context = server === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, server);
  context.with(ctx, () => {
    for (const targetingKey of units)
      for (const flagKey of FLAG_KEYS) host.client.assign(flagKey, { targetingKey }, 'x');
  });
  server?.end();
  await host.provider.forceFlush();
  return server;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  [field: string]: unknown;
}
interface OtlpRequest {
  resourceSpans: { resource: unknown; scopeSpans: { scope: unknown; spans: OtlpSpan[] }[] }[];
}

/** What the analysis reads of an exposure span, and what the OTLP exporters write of it. */
function described(span: ReadableSpan) {
  return {
    name: span.name,
    kind: span.kind,
    attributes: span.attributes,
    traceFlags: span.spanContext().traceFlags,
    status: span.status,
    scope: span.instrumentationScope,
    resource: span.resource.attributes,
    ended: span.ended,
  };
}

describe('the fast exposure carrier (TripwireSpanProcessor with spanProcessors)', () => {
  it('delivers every later first exposure to the processors’ onEnd as the tracer would have made it', async () => {
    const carried = createHost(true);
    const traced = createHost(false);
    const units = ['u-1', 'u-2', 'u-3'];
    const before = Date.now();
    const [carriedServer, tracedServer] = [
      await exposeAll(carried, units, true),
      await exposeAll(traced, units, true),
    ];
    const after = Date.now();
    const spans = carried.exposures();
    expect(spans).toHaveLength(units.length * FLAG_KEYS.length);
    // Only the first exposure (the probe) went through the tracer: the others never started.
    expect(carried.counting.started).toBe(2); // the server span and the probe
    expect(carried.counting.ended).toHaveLength(spans.length + 1);
    expect(spans.map(described)).toEqual(traced.exposures().map(described));
    for (const span of traced.exposures())
      expect(span.parentSpanContext?.spanId).toBe(tracedServer!.spanContext().spanId);
    const serverSpanId = carriedServer!.spanContext().spanId;
    for (const span of spans) {
      expect(span.spanContext().traceId).toBe(carriedServer!.spanContext().traceId);
      expect(span.parentSpanContext?.spanId).toBe(serverSpanId);
      expect(span.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/);
      const ms = span.startTime[0] * 1000 + span.startTime[1] / 1e6;
      expect(ms).toBeGreaterThanOrEqual(before - 1);
      expect(ms).toBeLessThanOrEqual(after + 1);
    }
    expect(new Set(spans.map((s) => s.spanContext().spanId)).size).toBe(spans.length);
    // The probe (spans[0]) was the tracer's; a carried exposure starts and ends at once.
    for (const span of spans.slice(1)) expect(span.startTime).toEqual(span.endTime);
    // The same resource object as the host's spans: OTLP groups them under one resource.
    const server = carried.exporter.getFinishedSpans().find((s) => s.name === 'GET /checkout')!;
    for (const span of spans) expect(span.resource).toBe(server.resource);
  });

  it('starts a new trace for an exposure outside any span, and serializes like a tracer span', async () => {
    const carried = createHost(true);
    const traced = createHost(false);
    await exposeAll(carried, ['u-1', 'u-2'], false);
    await exposeAll(traced, ['u-1', 'u-2'], false);
    const spans = carried.exposures();
    expect(carried.counting.started).toBe(1);
    const traceIds = spans.map((s) => s.spanContext().traceId);
    expect(new Set(traceIds).size).toBe(spans.length);
    for (const id of traceIds) expect(id).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
    for (const span of spans) expect(span.parentSpanContext).toBeUndefined();
    const otlp = (list: ReadableSpan[]) => {
      const request = JSON.parse(
        new TextDecoder().decode(JsonTraceSerializer.serializeRequest(list)),
      ) as OtlpRequest;
      expect(request.resourceSpans).toHaveLength(1);
      expect(request.resourceSpans[0]!.scopeSpans).toHaveLength(1);
      const { resource, scopeSpans } = request.resourceSpans[0]!;
      // Ids and times differ between any two spans; the rest is what the exporter writes.
      const exported = scopeSpans[0]!.spans.map(
        ({ traceId, spanId, startTimeUnixNano, endTimeUnixNano, ...rest }) => {
          expect(traceId).toMatch(/^[0-9a-f]{32}$/);
          expect(spanId).toMatch(/^[0-9a-f]{16}$/);
          expect(Number(endTimeUnixNano)).toBeGreaterThanOrEqual(Number(startTimeUnixNano));
          return rest;
        },
      );
      return { resource, scope: scopeSpans[0]!.scope, exported };
    };
    expect(otlp(spans)).toEqual(otlp(traced.exposures()));
  });

  it('exports exposures of sampled-out requests (the experiment’s denominator), once carried', async () => {
    const carried = createHost(true);
    const traced = createHost(false);
    await exposeAll(carried, ['probe'], false); // finds the carrier
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    for (const host of [carried, traced]) {
      context.with(unsampled, () => host.client.assign('exp-a', { targetingKey: 'u-9' }, 'x'));
      await host.provider.forceFlush();
    }
    expect(traced.exposures()).toHaveLength(0);
    const span = carried
      .exposures()
      .find((s) => s.attributes['feature_flag.context.id'] === carried.client.hashUnit('u-9'));
    expect(span?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(span?.spanContext().traceFlags).toBe(TraceFlags.SAMPLED);
  });

  it('still does its own work on host spans and forwards them, flushes and shuts down', async () => {
    const carried = createHost(true);
    const scope = carried.client.withAssignments(() => {
      carried.client.assign('exp-a', { targetingKey: 'u-1' }, 'x');
      const span = carried.tracer.startSpan('db.query');
      span.end();
      return span;
    });
    await carried.provider.forceFlush();
    const exported = carried.exporter.getFinishedSpans().find((s) => s.name === 'db.query');
    expect(exported?.spanContext().spanId).toBe(scope.spanContext().spanId);
    expect(exported?.attributes['tripwire.unit.id']).toBe(carried.client.hashUnit('u-1'));
    expect(carried.counting.started).toBe(2);
    expect(carried.counting.ending).toBe(2); // tracer spans end through onEnding too
  });

  it('refuses what is not a span processor, naming it', () => {
    expect(() => new TripwireSpanProcessor({ spanProcessors: [{} as never] })).toThrow(
      /spanProcessors\[0\] is not a span processor \(no onStart, onEnd, forceFlush, shutdown\)/,
    );
    expect(() => new TripwireSpanProcessor({ spanProcessors: 'batch' as never })).toThrow(
      /spanProcessors must be an array/,
    );
  });

  it('keeps exposures as tracer spans without the wrapper', async () => {
    const traced = createHost(false);
    await exposeAll(traced, ['u-1', 'u-2'], true);
    expect(traced.exposures()).toHaveLength(2 * FLAG_KEYS.length);
    expect(traced.counting.started).toBe(1 + 2 * FLAG_KEYS.length);
  });
});
