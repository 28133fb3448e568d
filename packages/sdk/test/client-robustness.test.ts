import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import type { TripwireClient } from '../src/index.js';
import { createClient, hashUnit } from '../src/index.js';
import { createTracing } from './support/otel.js';
import { HASH_KEY, makeSnapshot } from './support/snapshot.js';

let client: TripwireClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

describe('evaluation never throws', () => {
  it('returns the default with an error code for a hostile context, wrong type or unknown flag', () => {
    const tracing = createTracing();
    client = createClient({
      environment: 'production',
      hashKey: HASH_KEY,
      source: { type: 'static', config: makeSnapshot() },
      tracer: tracing.tracer,
      logger: null,
    });
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('nope');
        },
      },
    );
    expect(client.assign('checkout-flow', hostile, 'd')).toMatchObject({
      value: 'd',
      reason: 'error',
    });
    expect(client.assign('checkout-flow', { targetingKey: 'u' }, 1)).toMatchObject({
      value: 1,
      errorCode: 'type_mismatch',
    });
    expect(client.getBooleanValue('nope', { targetingKey: 'u' }, true)).toBe(true);
    expect(() => client?.track('x', { value: Number.NaN })).not.toThrow();
  });

  it('still serves the flag value when the tracer throws', () => {
    const broken = {
      startSpan: () => {
        throw new Error('tracer down');
      },
    } as never;
    client = createClient({
      environment: 'production',
      hashKey: HASH_KEY,
      source: { type: 'static', config: makeSnapshot() },
      tracer: broken,
      logger: null,
    });
    const result = client.assign('checkout-flow', { targetingKey: 'u', plan: 'vip' }, 'd');
    expect(result).toMatchObject({ value: 'new', variant: 'treatment', reason: 'targeting_match' });
    expect(() => client?.track('purchase', { unitKey: 'u' })).not.toThrow();
  });
});

describe('semconv feature_flag.evaluation events (opt-in)', () => {
  function setup(emit: 'exposures' | 'all') {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      processors: [new SimpleLogRecordProcessor({ exporter })],
    });
    client = createClient({
      environment: 'production',
      hashKey: HASH_KEY,
      source: { type: 'static', config: makeSnapshot() },
      tracer: createTracing().tracer,
      logger: null,
      evaluationEvents: { logger: provider.getLogger('tripwire'), emit },
    });
    return { client, records: () => exporter.getFinishedLogRecords() };
  }

  it('emits one event per first exposure by default', () => {
    const { client, records } = setup('exposures');
    const first = client.assign('checkout-flow', { targetingKey: 'user-1' }, 'd');
    client.assign('checkout-flow', { targetingKey: 'user-1' }, 'd');
    client.assign('checkout-flow', { targetingKey: 'vip', plan: 'vip' }, 'd');
    client.assign('page-size', { targetingKey: 'user-1' }, 1);
    expect(records()).toHaveLength(1);
    expect(records()[0]?.eventName).toBe('feature_flag.evaluation');
    expect(records()[0]?.attributes).toMatchObject({
      'feature_flag.key': 'checkout-flow',
      'feature_flag.result.variant': first.variant,
      'feature_flag.result.reason': 'split',
      'feature_flag.context.id': hashUnit('user-1', HASH_KEY),
      'tripwire.unit.id': hashUnit('user-1', HASH_KEY),
    });
  });

  it("emits on every evaluation with emit: 'all', errors included", () => {
    const { client, records } = setup('all');
    client.assign('checkout-flow', { targetingKey: 'vip', plan: 'vip' }, 'd');
    client.assign('checkout-flow', { targetingKey: 'vip', plan: 'vip' }, 'd');
    client.assign('missing', { targetingKey: 'vip' }, 'd');
    expect(records()).toHaveLength(3);
    expect(records()[2]?.attributes).toMatchObject({
      'feature_flag.result.reason': 'error',
      'error.type': 'flag_not_found',
    });
  });
});
