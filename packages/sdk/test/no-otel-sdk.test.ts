import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { SpanNames } from '@tripwire/schema';
import { describe, expect, it } from 'vitest';
import { createClient } from '../src/index.js';
import { HASH_KEY, makeSnapshot } from './support/snapshot.js';

// Its own process (pool: 'forks'): the global tracer provider starts unregistered here.
describe('a client in a process with no OpenTelemetry SDK', () => {
  it('keeps no exposure record until an SDK registers, then exposes the same units for the first time', async () => {
    const client = createClient({
      environment: 'production',
      hashKey: HASH_KEY,
      source: { type: 'static', config: makeSnapshot() },
      logger: null,
    });
    const units = ['user-1', 'user-2', 'user-3'];
    const before = units.map((unit) =>
      client.assign('checkout-flow', { targetingKey: unit }, 'old'),
    );
    expect(before.every((result) => result.reason === 'split')).toBe(true);

    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    const after = units.map((unit) =>
      client.assign('checkout-flow', { targetingKey: unit }, 'old'),
    );
    expect(after.map((r) => r.variant)).toEqual(before.map((r) => r.variant));
    const exposed = exporter.getFinishedSpans().filter((span) => span.name === SpanNames.exposure);
    expect(exposed.map((span) => span.attributes['feature_flag.context.id'])).toEqual(
      units.map((unit) => client.hashUnit(unit)),
    );
    await client.close();
  });
});
