import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startIngestHarness, type IngestHarness } from '../ingest/ingest-harness.js';

let harness: IngestHarness;
beforeAll(async () => {
  harness = await startIngestHarness(['--flush-interval-ms', '5']);
});
afterAll(async () => {
  await harness?.close();
});

const T0 = 1_764_000_000n * 1_000_000_000n;
function span(i: number, variant: string, ms: number, error: boolean) {
  return {
    traceId: (i + 1).toString(16).padStart(32, '0'),
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: 'GET /checkout',
    kind: 2,
    startTimeUnixNano: String(T0),
    endTimeUnixNano: String(T0 + BigInt(ms * 1_000_000)),
    attributes: [{ key: 'tripwire.variant.checkout', value: { stringValue: variant } }],
    status: { code: error ? 2 : 1 },
  };
}

async function get(path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${harness.apiUrl}${path}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return { status: response.status, body: await response.json() };
}

describe('GET /api/v1/flags/:key/summary', () => {
  it('answers per-variant numbers for spans received over OTLP', async () => {
    const spans = [span(0, 'on', 10, false), span(1, 'on', 30, true), span(2, 'off', 20, false)];
    const ingest = await fetch(`${harness.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }),
    });
    expect(ingest.status).toBe(200);

    const { status, body } = await get(
      '/api/v1/flags/checkout/summary?from=2025-11-24T15:00:00Z&to=2025-11-24T17:00:00Z&kind=server',
    );
    expect(status).toBe(200);
    expect(body).toEqual({
      flag: 'checkout',
      from: '2025-11-24T15:00:00.000Z',
      to: '2025-11-24T17:00:00.000Z',
      variants: [
        {
          variant: 'off',
          spans: 1,
          errors: 0,
          errorRate: 0,
          latencyMs: { mean: 20, p50: 20, p95: 20, p99: 20 },
        },
        {
          variant: 'on',
          spans: 2,
          errors: 1,
          errorRate: 0.5,
          latencyMs: { mean: 20, p50: 20, p95: 29, p99: 29.8 },
        },
      ],
    });
  });

  it('answers 400 with a pointer when the window is empty or a filter is unknown', async () => {
    const reversed = await get(
      '/api/v1/flags/checkout/summary?from=2025-11-24T17:00:00Z&to=2025-11-24T15:00:00Z',
    );
    expect(reversed.status).toBe(400);
    expect(reversed.body).toMatchObject({
      code: 'TRIPWIRE_ERR_BAD_REQUEST',
      pointer: '/querystring/from',
    });
    const badKind = await get('/api/v1/flags/checkout/summary?kind=sideways');
    expect(badKind.status).toBe(400);
  });
});
