/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- JSON response bodies are checked by the assertions that read them */
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import type { Client } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flag } from '@tripwire/schema';
import type { Harness } from './control-plane-harness.js';
import {
  ADMIN_TOKEN,
  call,
  createFlag,
  createToken,
  HOOK_TIMEOUT_MS,
  makeFlag,
  startHarness,
} from './control-plane-harness.js';
import { TestStream } from './sse-client.js';

let harness: Harness;
let sdkKey: string;
let client: Client;

const checkoutColor: Flag = {
  ...makeFlag('checkout.color', ['production']),
  type: 'string',
  variants: [
    { key: 'blue', value: 'blue' },
    { key: 'green', value: 'green' },
  ],
  defaultVariant: 'blue',
  environments: {
    production: {
      enabled: true,
      rules: [
        {
          id: 'beta',
          when: { attribute: 'plan', op: 'equals', values: ['beta'] },
          serve: { variant: 'green' },
        },
      ],
      fallthrough: {
        rollout: {
          coverage: 10_000,
          weights: [
            { variant: 'blue', weight: 1 },
            { variant: 'green', weight: 1 },
          ],
        },
      },
    },
  },
};

beforeAll(async () => {
  harness = await startHarness();
  sdkKey = await createToken(harness, { name: 'ofrep', kind: 'sdk', environments: ['production'] });
  for (const flag of [makeFlag('checkout.fast-path', ['production']), checkoutColor]) {
    await createFlag(harness, flag);
  }
  const provider = new OFREPProvider({
    baseUrl: harness.url,
    headers: { Authorization: `Bearer ${sdkKey}` },
  });
  await OpenFeature.setProviderAndWait('tripwire-ofrep-test', provider);
  client = OpenFeature.getClient('tripwire-ofrep-test');
}, HOOK_TIMEOUT_MS);
afterAll(async () => {
  await OpenFeature.close();
  await harness?.close();
}, HOOK_TIMEOUT_MS);

describe('OFREP through the OpenFeature OFREP provider', () => {
  it('evaluates a boolean flag served to everyone', async () => {
    const details = await client.getBooleanDetails('checkout.fast-path', false, {
      targetingKey: 'u1',
    });
    expect(details).toMatchObject({ value: true, variant: 'on', reason: 'STATIC' });
    expect(details.flagMetadata).toMatchObject({ version: 1, environment: 'production' });
  });

  it('matches a targeting rule and splits the rest', async () => {
    const beta = await client.getStringDetails('checkout.color', 'none', {
      targetingKey: 'u1',
      plan: 'beta',
    });
    expect(beta).toMatchObject({ value: 'green', reason: 'TARGETING_MATCH' });
    const split = await client.getStringDetails('checkout.color', 'none', { targetingKey: 'u2' });
    expect(split.reason).toBe('SPLIT');
    expect(['blue', 'green']).toContain(split.value);
  });

  it('returns the code default with FLAG_NOT_FOUND for an unknown flag', async () => {
    const details = await client.getBooleanDetails('no.such.flag', true, { targetingKey: 'u1' });
    expect(details).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
  });

  it('serves the control (defaultVariant) with reason DISABLED once the flag is killed', async () => {
    await call(harness, 'POST', '/api/v1/flags/checkout.fast-path/kill', {
      token: ADMIN_TOKEN,
      body: { environment: 'production', reason: 'errors' },
    });
    const details = await client.getBooleanDetails('checkout.fast-path', true, {
      targetingKey: 'u1',
    });
    expect(details).toMatchObject({ value: false, variant: 'off', reason: 'DISABLED' });
  });
});

describe('OFREP over raw HTTP', () => {
  it('answers a split without a targeting key with 400 TARGETING_KEY_MISSING', async () => {
    const response = await call(harness, 'POST', '/ofrep/v1/evaluate/flags/checkout.color', {
      token: sdkKey,
      body: { context: {} },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      key: 'checkout.color',
      errorCode: 'TARGETING_KEY_MISSING',
    });
  });

  it('answers a body without a context object with 400 INVALID_CONTEXT', async () => {
    const response = await call(harness, 'POST', '/ofrep/v1/evaluate/flags/checkout.color', {
      token: sdkKey,
      body: { context: 'nope' },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ key: 'checkout.color', errorCode: 'INVALID_CONTEXT' });
  });

  it('evaluates every flag in bulk with an ETag, and 304 for the same ETag and context', async () => {
    const body = { context: { targetingKey: 'u7' } };
    const first = await call(harness, 'POST', '/ofrep/v1/evaluate/flags', { token: sdkKey, body });
    expect(first.status).toBe(200);
    expect(first.body.flags.map((item: { key: string }) => item.key).sort()).toEqual([
      'checkout.color',
      'checkout.fast-path',
    ]);
    const etag = first.headers.get('etag')!;
    const again = await call(harness, 'POST', '/ofrep/v1/evaluate/flags', {
      token: sdkKey,
      body,
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    const otherContext = await call(harness, 'POST', '/ofrep/v1/evaluate/flags', {
      token: sdkKey,
      body: { context: { targetingKey: 'u8' } },
      headers: { 'if-none-match': etag },
    });
    expect(otherContext.status).toBe(200);
  });

  it('accepts the SDK key as X-API-Key and rejects a missing key with 401', async () => {
    const withHeader = await call(harness, 'POST', '/ofrep/v1/evaluate/flags/checkout.fast-path', {
      headers: { 'x-api-key': sdkKey },
      body: { context: { targetingKey: 'u1' } },
    });
    expect(withHeader.status).toBe(200);
    const without = await call(harness, 'POST', '/ofrep/v1/evaluate/flags/checkout.fast-path', {
      body: { context: { targetingKey: 'u1' } },
    });
    expect(without.status).toBe(401);
  });

  it('points bulk clients at an event stream that says refetchEvaluation on every change', async () => {
    const bulk = await call(harness, 'POST', '/ofrep/v1/evaluate/flags', {
      token: sdkKey,
      body: { context: { targetingKey: 'u9' } },
    });
    expect(bulk.body.eventStreams).toEqual([
      { type: 'sse', endpoint: { requestUri: '/ofrep/v1/events' }, inactivityDelaySec: 120 },
    ]);
    const events = await TestStream.open(`${harness.url}/ofrep/v1/events`, sdkKey);
    expect(events.status).toBe(200);
    await call(harness, 'POST', '/api/v1/flags/checkout.fast-path/restore', {
      token: ADMIN_TOKEN,
      body: { environment: 'production', reason: 'fixed' },
    });
    const event = await events.next(() => true);
    expect(event).toMatchObject({ type: 'message', data: { type: 'refetchEvaluation' } });
    events.close();
  });
});
