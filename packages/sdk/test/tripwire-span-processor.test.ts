import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BaggageKeys } from '@tripwire/schema';
import { describe, expect, it } from 'vitest';
import {
  AssignmentBaggage,
  AssignmentCollector,
  formatAssignments,
  MAX_ASSIGNMENTS_BYTES,
  parseAssignments,
} from '../src/telemetry/assignment-baggage.js';
import { findOpenLocalRoot } from '../src/telemetry/local-root.js';
import { createTracing } from './support/otel.js';

const UNIT = 'a'.repeat(32);

function contextWithBaggage(entries: Record<string, string>) {
  const baggage = propagation.createBaggage(
    Object.fromEntries(Object.entries(entries).map(([k, value]) => [k, { value }])),
  );
  return propagation.setBaggage(ROOT_CONTEXT, baggage);
}

describe('TripwireSpanProcessor', () => {
  it('stamps the unit and every assignment from W3C baggage on spans as they start', () => {
    const { tracer, byName } = createTracing();
    const ctx = contextWithBaggage({
      [BaggageKeys.unit]: UNIT,
      [BaggageKeys.assignments]: 'checkout-flow:treatment,new-nav:on',
      other: 'kept-out',
    });
    tracer.startSpan('db.query', {}, ctx).end();
    expect(byName('db.query').attributes).toEqual({
      'tripwire.unit.id': UNIT,
      'tripwire.variant.checkout-flow': 'treatment',
      'tripwire.variant.new-nav': 'on',
    });
  });

  it('ignores baggage values that are not Tripwire-shaped (foreign or forged)', () => {
    const { tracer, byName } = createTracing();
    const ctx = contextWithBaggage({
      [BaggageKeys.unit]: 'raw-user@example.com',
      [BaggageKeys.assignments]: 'ok:yes,bad key:x,evil:a=b,:nokey,novalue:',
    });
    tracer.startSpan('handler', {}, ctx).end();
    expect(byName('handler').attributes).toEqual({ 'tripwire.variant.ok': 'yes' });
  });

  it('carries assignments made after the scope opened to later spans and outbound headers', () => {
    const { tracer, byName } = createTracing();
    const collector = new AssignmentCollector();
    const ctx = propagation.setBaggage(ROOT_CONTEXT, new AssignmentBaggage(undefined, collector));
    collector.record(UNIT, 'pricing', 'b');
    const headers: Record<string, string> = {};
    propagation.inject(ctx, headers);
    tracer.startSpan('after-assign', {}, ctx).end();
    expect(byName('after-assign').attributes).toMatchObject({ 'tripwire.variant.pricing': 'b' });
    expect(headers.baggage).toContain(`${BaggageKeys.unit}=${UNIT}`);
    expect(decodeURIComponent(headers.baggage ?? '')).toContain(
      `${BaggageKeys.assignments}=pricing:b`,
    );
  });

  it('stamps spans of a downstream service from the propagated baggage', () => {
    const upstream = createTracing();
    const downstream = createTracing();
    const collector = new AssignmentCollector();
    collector.record(UNIT, 'search-ranker', 'v2');
    const outbound = propagation.setBaggage(
      ROOT_CONTEXT,
      new AssignmentBaggage(undefined, collector),
    );
    const headers: Record<string, string> = {};
    upstream.tracer.startActiveSpan('client', {}, outbound, (span) => {
      propagation.inject(context.active(), headers);
      span.end();
    });
    const inbound = propagation.extract(ROOT_CONTEXT, headers);
    downstream.tracer.startSpan('server', {}, inbound).end();
    expect(downstream.byName('server').attributes).toEqual({
      'tripwire.unit.id': UNIT,
      'tripwire.variant.search-ranker': 'v2',
    });
  });

  it('merges upstream assignments with local ones, local winning per flag', () => {
    const upstream = propagation.createBaggage({
      [BaggageKeys.assignments]: { value: 'a:1,b:1' },
      [BaggageKeys.unit]: { value: UNIT },
    });
    const collector = new AssignmentCollector();
    collector.record('b'.repeat(32), 'b', '2');
    const merged = new AssignmentBaggage(upstream, collector);
    expect(merged.getEntry(BaggageKeys.assignments)?.value).toBe('a:1,b:2');
    expect(merged.getEntry(BaggageKeys.unit)?.value).toBe('b'.repeat(32));
    expect(merged.setEntry('x', { value: 'y' }).getEntry(BaggageKeys.assignments)?.value).toBe(
      'a:1,b:2',
    );
  });

  it('marks every span with its open local root, and forgets the root once it ends', () => {
    const { tracer } = createTracing();
    const root = tracer.startSpan('GET /checkout', {}, ROOT_CONTEXT);
    const child = tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root));
    const grandchild = tracer.startSpan('grandchild', {}, trace.setSpan(ROOT_CONTEXT, child));
    expect(findOpenLocalRoot(child)).toBe(root);
    expect(findOpenLocalRoot(grandchild)).toBe(root);
    expect(findOpenLocalRoot(root)).toBeUndefined();
    root.end();
    expect(findOpenLocalRoot(grandchild)).toBeUndefined();
    grandchild.end();
    child.end();
  });

  it('treats a span with a remote parent as the local root', () => {
    const { tracer } = createTracing();
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
    });
    const server = tracer.startSpan('server', {}, remote);
    const child = tracer.startSpan('child', {}, trace.setSpan(remote, server));
    expect(findOpenLocalRoot(child)).toBe(server);
    child.end();
    server.end();
  });

  it('finds no root for spans of a provider without the processor', () => {
    const { tracer } = createTracing({ withTripwireProcessor: false });
    const root = tracer.startSpan('GET /checkout', {}, ROOT_CONTEXT);
    const child = tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root));
    expect(findOpenLocalRoot(child)).toBeUndefined();
    child.end();
    root.end();
  });
});

describe('assignment baggage values', () => {
  it('round-trips pairs and stays within the W3C per-entry limit', () => {
    const pairs = new Map([
      ['f1', 'a'],
      ['f2', 'b'],
    ]);
    expect(parseAssignments(formatAssignments(pairs))).toEqual(pairs);
    const many = new Map(Array.from({ length: 1000 }, (_, i) => [`flag-${i}`, 'treatment']));
    const value = formatAssignments(many);
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(MAX_ASSIGNMENTS_BYTES);
    expect(value.endsWith('treatment')).toBe(true);
  });
});
