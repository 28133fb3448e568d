import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { hashUnit } from '../src/index.js';
import type { ConfigSnapshot } from '@tripwire/schema';
import type { ClientOptions } from '../src/index.js';
import { BaggageKeys, MetricNames, SpanNames } from '@tripwire/schema';
import { afterEach, describe, expect, it } from 'vitest';
import type { TripwireClient } from '../src/index.js';
import { createClient } from '../src/index.js';
import { createMetrics } from './support/metrics.js';
import { createTracing } from './support/otel.js';
import { HASH_KEY, makeExperimentFlag, makeReleaseFlag, makeSnapshot } from './support/snapshot.js';

let client: TripwireClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

function setup(
  options: {
    now?: () => number;
    config?: ConfigSnapshot;
    unitCacheSize?: number;
    exposureReasons?: ClientOptions['exposureReasons'];
  } = {},
) {
  const tracing = createTracing();
  const metrics = createMetrics();
  client = createClient({
    environment: 'production',
    hashKey: HASH_KEY,
    source: { type: 'static', config: options.config ?? makeSnapshot() },
    tracer: tracing.tracer,
    meter: metrics.meter,
    logger: null,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.unitCacheSize === undefined ? {} : { unitCacheSize: options.unitCacheSize }),
    ...(options.exposureReasons === undefined ? {} : { exposureReasons: options.exposureReasons }),
  });
  const exposures = (): ReadableSpan[] =>
    tracing.finished().filter((s) => s.name === SpanNames.exposure);
  return { client, tracing, metrics, exposures };
}

/** The 50/50 split puts some units in each arm; find one per arm. */
function unitIn(c: TripwireClient, variant: string): string {
  for (let i = 0; i < 1000; i += 1) {
    const key = `user-${i}`;
    const result = c.assign('checkout-flow', { targetingKey: key }, 'old');
    if (result.variant === variant && result.reason === 'split') return key;
  }
  throw new Error(`no unit in ${variant}`);
}

describe('exposure spans', () => {
  it('emits one span with the semconv and Tripwire attributes on a first exposure', () => {
    const { client, exposures, tracing } = setup();
    tracing.tracer.startActiveSpan('GET /checkout', (parent) => {
      client.assign('checkout-flow', { targetingKey: 'user-7' }, 'old');
      parent.end();
    });
    const [span] = exposures();
    const result = client.assign('checkout-flow', { targetingKey: 'user-7' }, 'old');
    const parent = tracing.byName('GET /checkout');
    expect(exposures()).toHaveLength(1);
    expect(span?.kind).toBe(SpanKind.INTERNAL);
    expect(span?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span?.attributes).toEqual({
      'feature_flag.key': 'checkout-flow',
      'feature_flag.result.variant': result.variant,
      'feature_flag.result.reason': 'split',
      'feature_flag.provider.name': 'tripwire',
      'feature_flag.context.id': hashUnit('user-7', HASH_KEY),
      'feature_flag.set.id': 'production',
      'feature_flag.version': '3',
      'tripwire.unit.kind': 'targetingKey',
    });
    // The unit id is feature_flag.context.id only: tripwire.unit.id would repeat it.
    expect(span?.attributes).not.toHaveProperty('tripwire.unit.id');
  });

  it('deduplicates repeat exposures of a unit to the same variant', () => {
    const { client, exposures } = setup();
    for (let i = 0; i < 5; i += 1) {
      client.assign('checkout-flow', { targetingKey: 'user-1' }, 'old');
      client.assign('checkout-flow', { targetingKey: 'user-2' }, 'old');
    }
    expect(exposures()).toHaveLength(2);
  });

  it('exposes a unit again when its variant changes, not when only the reason does', () => {
    const { client, exposures } = setup({ exposureReasons: ['split', 'targeting_match'] });
    const unit = unitIn(client, 'control');
    const exposed = () =>
      exposures()
        .filter((s) => s.attributes['feature_flag.context.id'] === hashUnit(unit, HASH_KEY))
        .map((s) => s.attributes['feature_flag.result.variant']);
    client.assign('checkout-flow', { targetingKey: unit, plan: 'vip' }, 'old'); // rule: treatment
    client.assign('checkout-flow', { targetingKey: unit }, 'old'); // split: control again
    expect(exposed()).toEqual(['control', 'treatment', 'control']);
    const treated = unitIn(client, 'treatment');
    const before = exposures().length;
    client.assign('checkout-flow', { targetingKey: treated, plan: 'vip' }, 'old'); // same variant
    expect(exposures()).toHaveLength(before);
  });

  it('deduplicates per flag, however many flags a unit sees', () => {
    const flags = Array.from({ length: 40 }, (_, i) =>
      makeExperimentFlag({ key: `exp-${i}`, salt: `exp-${i}` }),
    );
    const { client, exposures } = setup({ config: makeSnapshot({ flags }) });
    for (let round = 0; round < 3; round += 1) {
      for (const unit of ['user-1', 'user-2']) {
        for (const flag of flags) client.assign(flag.key, { targetingKey: unit }, 'old');
      }
    }
    expect(exposures()).toHaveLength(80);
    expect(new Set(exposures().map((s) => s.attributes['feature_flag.key'])).size).toBe(40);
  });

  it('exposes a unit again once it left the unit table, never with the variant of another unit', () => {
    const { client, tracing, exposures } = setup({ unitCacheSize: 2 });
    const exposuresOf = (unit: string) =>
      exposures().filter(
        (s) => s.attributes['feature_flag.context.id'] === hashUnit(unit, HASH_KEY),
      );
    // The table holds two units: user-3 pushes user-1 out, user-1 coming back pushes user-2 out.
    for (const unit of ['user-1', 'user-2', 'user-3', 'user-1', 'user-1']) {
      client.assign('checkout-flow', { targetingKey: unit }, 'old');
    }
    // user-1 is exposed again after it was forgotten (a duplicate, not a loss), once.
    expect(['user-1', 'user-2', 'user-3'].map((unit) => exposuresOf(unit).length)).toEqual([
      2, 1, 1,
    ]);
    // A unit never exposed takes an entry an exposed unit held: its conversion carries no variant.
    client.track('purchase', { unitKey: 'never-exposed' });
    expect(
      tracing.byName(SpanNames.conversion).attributes['tripwire.variant.checkout-flow'],
    ).toBeUndefined();
  });

  it('exposes only allocations by default: targeting matches, static and default results are counted, not spans', async () => {
    const { client, exposures, metrics } = setup();
    client.assign('checkout-flow', { targetingKey: 'vip-1', plan: 'vip' }, 'old');
    client.assign('checkout-flow', { targetingKey: 'user-1' }, 'old');
    client.assign('new-nav', { targetingKey: 'user-1', beta: true }, false);
    client.assign('page-size', { targetingKey: 'user-1' }, 1);
    client.assign('missing-flag', { targetingKey: 'user-1' }, false);
    const reasons = (spans: ReadableSpan[]) =>
      spans.map((s) => [
        s.attributes['feature_flag.key'],
        s.attributes['feature_flag.result.reason'],
      ]);
    expect(reasons(exposures())).toEqual([['checkout-flow', 'split']]);
    const evaluations = await metrics.collect('tripwire.sdk.evaluations');
    expect(
      evaluations
        .filter((p) => p.attributes['feature_flag.result.reason'] === 'targeting_match')
        .map((p) => p.attributes['feature_flag.key'])
        .sort(),
    ).toEqual(['checkout-flow', 'new-nav']);
  });

  it('exposes targeting matches too when the client asks for them', () => {
    const { client, exposures } = setup({ exposureReasons: ['split', 'targeting_match'] });
    client.assign('checkout-flow', { targetingKey: 'vip-1', plan: 'vip' }, 'old');
    client.assign('page-size', { targetingKey: 'user-1' }, 1);
    expect(exposures().map((s) => s.attributes['feature_flag.result.reason'])).toEqual([
      'targeting_match',
    ]);
  });

  it("follows the flag's recordExposures over the client's exposureReasons", () => {
    const config = makeSnapshot({
      flags: [
        makeExperimentFlag({ recordExposures: false }),
        makeReleaseFlag({ recordExposures: true }),
      ],
    });
    const { client, exposures } = setup({ config, exposureReasons: ['split', 'targeting_match'] });
    for (let i = 0; i < 20; i += 1)
      client.assign('checkout-flow', { targetingKey: `u-${i}` }, 'old');
    client.assign('checkout-flow', { targetingKey: 'vip-1', plan: 'vip' }, 'old');
    client.assign('new-nav', { targetingKey: 'user-1', beta: true }, false);
    client.assign('new-nav', { targetingKey: 'user-2' }, false);
    expect(
      exposures().map((s) => [
        s.attributes['feature_flag.key'],
        s.attributes['feature_flag.result.reason'],
      ]),
    ).toEqual([['new-nav', 'targeting_match']]);
  });

  it('never writes the raw unit key on any span', () => {
    const { client, tracing } = setup();
    client.withAssignments(() =>
      tracing.tracer.startActiveSpan('request', (span) => {
        client.assign('checkout-flow', { targetingKey: 'alice@example.com' }, 'old');
        client.track('purchase', { unitKey: 'alice@example.com', value: 3 });
        span.end();
      }),
    );
    const everything = JSON.stringify(tracing.finished().map((s) => s.attributes));
    expect(everything).toContain(hashUnit('alice@example.com', HASH_KEY));
    expect(everything).not.toContain('alice');
  });
});

describe('attribution', () => {
  it('stamps the assignment on the active span and on the server span opened before it', () => {
    const { client, tracing } = setup();
    const unit = unitIn(client, 'treatment');
    const server = tracing.tracer.startSpan('GET /cart', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    context.with(trace.setSpan(ROOT_CONTEXT, server), () => {
      tracing.tracer.startActiveSpan('handler', (handler) => {
        client.assign('checkout-flow', { targetingKey: unit }, 'old');
        handler.end();
      });
    });
    server.end();
    const expected = {
      'tripwire.variant.checkout-flow': 'treatment',
      'tripwire.unit.id': hashUnit(unit, HASH_KEY),
    };
    expect(tracing.byName('GET /cart').attributes).toEqual(expected);
    expect(tracing.byName('handler').attributes).toEqual(expected);
  });

  it('carries assignments made in a withAssignments scope to later spans and outbound baggage', () => {
    const { client, tracing } = setup();
    const unit = unitIn(client, 'control');
    const headers: Record<string, string> = {};
    client.withAssignments(() => {
      client.assign('checkout-flow', { targetingKey: unit }, 'old');
      tracing.tracer.startSpan('db.query').end();
      propagation.inject(context.active(), headers);
    });
    expect(tracing.byName('db.query').attributes).toEqual({
      'tripwire.variant.checkout-flow': 'control',
      'tripwire.unit.id': hashUnit(unit, HASH_KEY),
    });
    const outbound = propagation.getBaggage(propagation.extract(ROOT_CONTEXT, headers));
    expect(outbound?.getEntry(BaggageKeys.assignments)?.value).toBe('checkout-flow:control');
    expect(outbound?.getEntry(BaggageKeys.unit)?.value).toBe(hashUnit(unit, HASH_KEY));
  });

  it('stamps repeat (deduplicated) assignments too, so every request is attributed', () => {
    const { client, tracing } = setup();
    for (const name of ['first', 'second']) {
      tracing.tracer.startActiveSpan(name, (span) => {
        client.assign('checkout-flow', { targetingKey: 'user-3' }, 'old');
        span.end();
      });
    }
    expect(tracing.byName('second').attributes['tripwire.variant.checkout-flow']).toBeDefined();
  });
});

describe('conversions', () => {
  it('records a conversion span with event, value, unit and the variants the unit saw', () => {
    const { client, tracing } = setup();
    const unit = unitIn(client, 'treatment');
    client.track('purchase', { context: { targetingKey: unit }, value: 42.5 });
    expect(tracing.byName(SpanNames.conversion).attributes).toEqual({
      'tripwire.conversion.event': 'purchase',
      'tripwire.conversion.value': 42.5,
      'tripwire.unit.id': hashUnit(unit, HASH_KEY),
      'tripwire.variant.checkout-flow': 'treatment',
      'feature_flag.set.id': 'production',
    });
  });

  it('takes the unit from baggage when no unit is given (a downstream service)', () => {
    const { client, tracing } = setup();
    const id = hashUnit('someone', HASH_KEY);
    const ctx = propagation.setBaggage(
      ROOT_CONTEXT,
      propagation.createBaggage({ [BaggageKeys.unit]: { value: id } }),
    );
    context.with(ctx, () => client.track('signup'));
    const span = tracing.byName(SpanNames.conversion);
    expect(span.attributes['tripwire.unit.id']).toBe(id);
    expect(span.attributes['tripwire.conversion.value']).toBeUndefined();
  });
});

describe('metrics', () => {
  it('reports evaluations and exposures by flag, variant and reason, never by unit', async () => {
    const { client, metrics } = setup({ exposureReasons: ['split', 'targeting_match'] });
    for (let i = 0; i < 3; i += 1) client.assign('new-nav', { targetingKey: `u${i}` }, false);
    client.assign('checkout-flow', { targetingKey: 'vip', plan: 'vip' }, 'old');
    client.assign('checkout-flow', { targetingKey: 'vip', plan: 'vip' }, 'old');
    const evaluations = await metrics.collect(MetricNames.evaluations);
    const exposures = await metrics.collect(MetricNames.exposures);
    const navOff = evaluations.find((p) => p.attributes['feature_flag.key'] === 'new-nav');
    expect(navOff?.value).toBe(3);
    expect(navOff?.attributes['feature_flag.result.variant']).toBe('off');
    expect(exposures).toEqual([
      {
        value: 1,
        attributes: {
          'feature_flag.set.id': 'production',
          'feature_flag.key': 'checkout-flow',
          'feature_flag.result.variant': 'treatment',
          'feature_flag.result.reason': 'targeting_match',
        },
      },
    ]);
    expect(JSON.stringify(evaluations)).not.toContain('tripwire.unit.id');
  });

  it('reports the applied config version and its age at collection time', async () => {
    const generatedAt = Date.parse('2026-11-25T12:00:00.000Z');
    const { metrics } = setup({ now: () => generatedAt + 90_000 });
    expect(await metrics.collect(MetricNames.configVersion)).toEqual([
      { value: 1, attributes: { 'feature_flag.set.id': 'production' } },
    ]);
    expect((await metrics.collect(MetricNames.configAge))[0]?.value).toBe(90);
  });
});
