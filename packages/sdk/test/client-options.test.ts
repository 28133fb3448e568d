import { describe, expect, it } from 'vitest';
import type { ClientOptions } from '../src/index.js';
import { createClient, TripwireError } from '../src/index.js';
import { HASH_KEY, makeSnapshot } from './support/snapshot.js';

const valid: ClientOptions = {
  environment: 'production',
  hashKey: HASH_KEY,
  source: { type: 'static', config: makeSnapshot() },
  logger: null,
};

function errorOf(options: unknown): TripwireError {
  try {
    createClient(options as ClientOptions);
  } catch (error) {
    if (error instanceof TripwireError) return error;
    throw error;
  }
  throw new Error('createClient did not throw');
}

describe('createClient options', () => {
  it.each([
    [{ ...valid, environment: 'has space' }, 'environment must match'],
    [{ ...valid, hashKey: 'short' }, 'hashKey must be a secret string of at least 16 characters'],
    [
      { ...valid, source: { type: 'carrier-pigeon' } },
      'source.type must be static, file, polling or stream, got "carrier-pigeon"',
    ],
    [
      { ...valid, source: { type: 'polling', baseUrl: 'not a url' } },
      'source.baseUrl must be an absolute URL',
    ],
    [
      { ...valid, source: { type: 'polling', baseUrl: 'http://x', intervalMs: 0 } },
      'source.intervalMs must be a positive number',
    ],
    [
      { ...valid, source: { type: 'stream', baseUrl: 'http://x', backoff: { maxMs: -1 } } },
      'source.backoff.maxMs',
    ],
    [{ ...valid, exposureReasons: ['split', 'SPLIT'] }, 'exposureReasons: unknown reason "SPLIT"'],
    [{ ...valid, unitCacheSize: 1.5 }, 'unitCacheSize must be an integer'],
    [
      { ...valid, bootstrap: { ...makeSnapshot(), version: -1 } },
      'bootstrap is not a valid config snapshot: /version',
    ],
  ])('throws TRIPWIRE_INVALID_OPTIONS naming the option (%#)', (options, message) => {
    const error = errorOf(options);
    expect(error.code).toBe('TRIPWIRE_INVALID_OPTIONS');
    expect(error.message).toContain(message);
  });

  it('accepts valid options, and an invalid static config is reported, not thrown', async () => {
    const warnings: string[] = [];
    const client = createClient({
      ...valid,
      source: { type: 'static', config: { ...makeSnapshot(), flags: [{ key: 'x' }] } as never },
      logger: { warn: (message) => warnings.push(message) },
    });
    expect(client.status().version).toBeUndefined();
    expect(warnings[0]).toMatch(
      /^\[tripwire\] TRIPWIRE_INVALID_CONFIG: config snapshot is invalid \(from static\)/,
    );
    await client.close();
  });
});

describe('a local client for the first five minutes', () => {
  const flagsFile = {
    flags: {
      'checkout-flow': { variants: ['old', 'new'], split: [50, 50] },
      'new-nav': {
        variants: [false, true],
        rules: { when: { attribute: 'beta', op: 'equals', values: true }, serve: true },
      },
    },
  };

  it('starts from a flags file with no environment or hash key, and warns once about the key', async () => {
    const warnings: string[] = [];
    const client = createClient({
      source: { type: 'static', config: flagsFile },
      logger: { warn: (message) => warnings.push(message) },
    });
    await client.ready();
    expect(client.environment).toBe('development');
    expect(client.assign('checkout-flow', { targetingKey: 'ada' }, 'x').reason).toBe('split');
    expect(client.getBooleanValue('new-nav', { targetingKey: 'ada', beta: true }, false)).toBe(
      true,
    );
    expect(client.getBooleanValue('new-nav', { targetingKey: 'ada' }, true)).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/no hashKey given/);
    await client.close();
  });

  it('still requires a hash key and an environment for the service sources', () => {
    expect(() =>
      createClient({ environment: 'production', source: { type: 'stream', baseUrl: 'http://x' } }),
    ).toThrow(/hashKey must be a secret string/);
    expect(() =>
      createClient({ hashKey: 'k'.repeat(16), source: { type: 'polling', baseUrl: 'http://x' } }),
    ).toThrow(/environment must match/);
  });

  it('reports a bad flags file with a pointer into it and keeps evaluating defaults', async () => {
    const problems: string[] = [];
    const client = createClient({
      source: { type: 'static', config: { flags: { a: { variants: ['x'], split: { y: 1 } } } } },
      logger: null,
    });
    client.on('error', (problem) => problems.push(problem.message));
    const ready = await client.ready({ timeoutMs: 50 });
    expect(ready.ready).toBe(false);
    expect(client.status().lastProblem?.message).toMatch(
      /flags file is invalid.*\/flags\/a\/split\/y/,
    );
    expect(client.getStringValue('a', { targetingKey: 'u' }, 'fallback')).toBe('fallback');
    await client.close();
  });
});
