import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/create-rng.js';
import { startIngestHarness, type IngestHarness } from './ingest-harness.js';

/**
 * Seeded mutations of a valid OTLP/JSON traces request: every answer is 2xx or 4xx, never 5xx,
 * and the receiver stays healthy and keeps storing valid spans. TRIPWIRE_FUZZ_ITERATIONS runs
 * longer (default 150); TRIPWIRE_FUZZ_SEED picks another sequence.
 */
const ITERATIONS = Number(process.env.TRIPWIRE_FUZZ_ITERATIONS ?? 150);
const SEED = Number(process.env.TRIPWIRE_FUZZ_SEED ?? 20);

let harness: IngestHarness;
beforeAll(async () => {
  harness = await startIngestHarness();
});
afterAll(async () => {
  await harness?.close();
});

const valid = (service: string): string =>
  JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'fuzz', version: '1' },
            spans: [
              {
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId: 'eee19b7ec3c1b174',
                parentSpanId: '',
                name: 'GET /x',
                kind: 2,
                startTimeUnixNano: '1764000000000000000',
                endTimeUnixNano: '1764000000100000000',
                attributes: [
                  { key: 'n', value: { intValue: '42' } },
                  { key: 'a', value: { arrayValue: { values: [{ boolValue: true }] } } },
                ],
                events: [{ timeUnixNano: '1764000000050000000', name: 'e' }],
                status: { code: 1, message: 'ok' },
              },
            ],
          },
        ],
      },
    ],
  });

const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ',',
  ':',
  'null',
  '-1',
  '1e999',
  '"\\ud800"',
  '\\',
  '\u0000',
  '9'.repeat(30),
];

const HOSTILE_VALUES: unknown[] = [
  'x\ud800',
  '\udc00',
  '18446744073709551616',
  -1,
  1e308,
  99,
  '',
  'zz',
  true,
  null,
  [],
  {},
  [[[]]],
  { a: { b: {} } },
];

/** Replaces one random leaf or member of the parsed request with a hostile value. */
function mutateStructure(text: string, rng: () => number): string {
  const root = JSON.parse(text) as unknown;
  let node = root as Record<string, unknown>;
  for (let depth = 0; depth < 12; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[Math.floor(rng() * keys.length)]!;
    const child = node[key];
    if (typeof child !== 'object' || child === null || rng() < 0.15) {
      node[key] = HOSTILE_VALUES[Math.floor(rng() * HOSTILE_VALUES.length)];
      break;
    }
    node = child as Record<string, unknown>;
  }
  return JSON.stringify(root);
}

/** One textual mutation of `text`: flip, delete, insert a JSON token, duplicate a slice, or truncate. */
function mutate(text: string, rng: () => number): string {
  const at = Math.floor(rng() * text.length);
  const token = TOKENS[Math.floor(rng() * TOKENS.length)]!;
  switch (Math.floor(rng() * 5)) {
    case 0:
      return text.slice(0, at) + String.fromCharCode(Math.floor(rng() * 0x80)) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(rng() * 8));
    case 2:
      return text.slice(0, at) + token + text.slice(at);
    case 3: {
      const end = Math.min(text.length, at + Math.floor(rng() * 40));
      return text.slice(0, end) + text.slice(at, end) + text.slice(end);
    }
    default:
      return text.slice(0, at);
  }
}

async function post(body: string | Buffer): Promise<number> {
  const response = await fetch(`${harness.otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

describe('OTLP/JSON fuzz (seeded)', { timeout: 300_000 }, () => {
  it(`answers ${ITERATIONS} mutated requests (seed ${SEED}) with no 5xx`, async () => {
    const rng = createRng(SEED);
    const serverErrors: { status: number; body: string }[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      let body = rng() < 0.5 ? mutateStructure(valid('fuzz'), rng) : valid('fuzz');
      const rounds = Math.floor(rng() * 4);
      for (let r = 0; r < rounds; r++) body = mutate(body, rng);
      const bytes =
        rng() < 0.1 ? Buffer.concat([Buffer.from(body), Buffer.from([0xff, 0xfe])]) : body;
      const status = await post(bytes);
      if (status >= 500) serverErrors.push({ status, body: body.slice(0, 300) });
    }
    expect(serverErrors).toEqual([]);
  });

  it('stays healthy and stores a valid span afterwards', async () => {
    expect((await fetch(`${harness.otlpUrl}/healthz`)).status).toBe(200);
    expect(await post(valid('after-fuzz'))).toBe(200);
  });
});
