import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { SpanNames } from '@tripwire/schema';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashUnit } from '../src/index.js';
import { TripwireProvider } from '../src/openfeature/index.js';
import { ConfigServer } from './support/config-server.js';
import { createTracing } from './support/otel.js';
import { HASH_KEY, makeReleaseFlag, makeSnapshot } from './support/snapshot.js';
import { waitFor } from './support/wait-for.js';

let domainCounter = 0;
const nextDomain = () => `test-${(domainCounter += 1)}`;

afterAll(async () => {
  await OpenFeature.close();
});

describe('TripwireProvider with a static config', () => {
  const tracing = createTracing();
  const provider = new TripwireProvider({
    client: {
      environment: 'production',
      hashKey: HASH_KEY,
      source: { type: 'static', config: makeSnapshot() },
      tracer: tracing.tracer,
      logger: null,
    },
  });
  const domain = nextDomain();
  beforeEach(async () => {
    await OpenFeature.setProviderAndWait(domain, provider);
  });

  it('resolves the four flag types with variants, upper-case reasons and appendix-D metadata', async () => {
    const client = OpenFeature.getClient(domain);
    const beta = await client.getBooleanDetails('new-nav', false, {
      targetingKey: 'u1',
      beta: true,
    });
    expect(beta).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH' });
    expect(beta.flagMetadata).toEqual({
      flagSetId: 'production',
      version: '1',
      contextId: hashUnit('u1', HASH_KEY),
    });
    const split = await client.getStringDetails('checkout-flow', 'x', { targetingKey: 'u1' });
    expect(split.reason).toBe('SPLIT');
    expect(['old', 'new']).toContain(split.value);
    expect(await client.getNumberValue('page-size', 0, { targetingKey: 'u1' })).toBe(50);
    expect(await client.getObjectValue('theme', {}, { targetingKey: 'u1' })).toEqual({
      color: 'black',
    });
    expect(client.providerStatus).toBe(ProviderStatus.READY);
  });

  it('returns the default with OpenFeature error codes', async () => {
    const client = OpenFeature.getClient(domain);
    const missing = await client.getBooleanDetails('nope', true, { targetingKey: 'u1' });
    expect(missing).toMatchObject({
      value: true,
      reason: 'ERROR',
      errorCode: ErrorCode.FLAG_NOT_FOUND,
    });
    const mismatch = await client.getBooleanDetails('checkout-flow', false, { targetingKey: 'u1' });
    expect(mismatch).toMatchObject({
      value: false,
      reason: 'ERROR',
      errorCode: ErrorCode.TYPE_MISMATCH,
    });
  });

  it('records exposures for evaluations made through OpenFeature', async () => {
    const client = OpenFeature.getClient(domain);
    await client.getStringValue('checkout-flow', 'x', { targetingKey: 'of-user' });
    const exposure = tracing
      .finished()
      .find(
        (s) =>
          s.name === SpanNames.exposure &&
          s.attributes['feature_flag.context.id'] === hashUnit('of-user', HASH_KEY),
      );
    expect(exposure?.attributes['feature_flag.result.reason']).toBe('split');
  });

  it('turns OpenFeature tracking into a conversion span', () => {
    const client = OpenFeature.getClient(domain);
    client.track('purchase', { targetingKey: 'buyer' }, { value: 12 });
    const conversion = tracing.finished().find((s) => s.name === SpanNames.conversion);
    expect(conversion?.attributes).toMatchObject({
      'tripwire.conversion.event': 'purchase',
      'tripwire.conversion.value': 12,
      'tripwire.unit.id': hashUnit('buyer', HASH_KEY),
    });
  });
});

describe('TripwireProvider with a served config', () => {
  let server: ConfigServer;
  let base: string;
  beforeEach(async () => {
    server = new ConfigServer();
    base = await server.listen();
  });
  afterEach(async () => {
    await server.close();
  });

  const options = () => ({
    environment: 'production',
    hashKey: HASH_KEY,
    source: { type: 'polling' as const, baseUrl: base, intervalMs: 10 },
    logger: null,
  });

  it('reports ERROR when no config arrives in time, then READY when one does', async () => {
    const domain = nextDomain();
    const provider = new TripwireProvider({ client: options(), readyTimeoutMs: 50 });
    await expect(OpenFeature.setProviderAndWait(domain, provider)).rejects.toThrow(
      /no Tripwire config/,
    );
    const client = OpenFeature.getClient(domain);
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    server.config = { version: 1, body: makeSnapshot() };
    await waitFor(() => client.providerStatus === ProviderStatus.READY);
  });

  it('emits ConfigurationChanged with the changed flags, and STALE during an outage', async () => {
    server.config = { version: 1, body: makeSnapshot() };
    const domain = nextDomain();
    const provider = new TripwireProvider({ client: options() });
    await OpenFeature.setProviderAndWait(domain, provider);
    const client = OpenFeature.getClient(domain);
    const changed: string[][] = [];
    client.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
      changed.push(details?.flagsChanged ?? []);
    });
    const killed = makeReleaseFlag({ version: 2 });
    killed.environments.production!.enabled = false;
    const next = makeSnapshot({ version: 2 });
    next.flags = next.flags.map((f) => (f.key === 'new-nav' ? killed : f));
    server.config = { version: 2, body: next };
    await waitFor(() => changed.length === 1);
    expect(changed[0]).toEqual(['new-nav']);
    server.failWith = 503;
    await waitFor(() => client.providerStatus === ProviderStatus.STALE);
    expect(await client.getBooleanValue('new-nav', true, { targetingKey: 'u', beta: true })).toBe(
      false,
    );
    server.failWith = undefined;
    server.config = { version: 3, body: makeSnapshot({ version: 3 }) };
    await waitFor(() => client.providerStatus === ProviderStatus.READY);
  });

  it('closes the client it created when OpenFeature shuts the provider down', async () => {
    server.config = { version: 1, body: makeSnapshot() };
    const provider = new TripwireProvider({ client: options() });
    const domain = nextDomain();
    await OpenFeature.setProviderAndWait(domain, provider);
    await OpenFeature.clearProviders();
    expect(provider.client.status().closed).toBe(true);
  });
});
