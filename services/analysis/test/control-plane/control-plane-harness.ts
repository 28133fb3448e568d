/* eslint-disable @typescript-eslint/no-explicit-any -- JSON response bodies are checked by the assertions that read them */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Flag } from '@tripwire/schema';
import { buildApp, loadConfig } from '../../src/index.js';
import type { Config, TripwireApp } from '../../src/index.js';

export const ADMIN_TOKEN = 'twk_test_admin_token_0123456789abcdef';

export interface Harness {
  app: TripwireApp;
  url: string;
  config: Config;
  close(): Promise<void>;
}

/** One app per test file: its own embedded data dir (or database), listening on 127.0.0.1:0. */
export async function startHarness(
  overrides: { role?: 'writer' | 'reader'; dataDir?: string; followIntervalMs?: number } = {},
): Promise<Harness> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'tripwire-'));
  const base = loadConfig(['--data-dir', dataDir, '--api-port', '0', '--otlp-port', '0'], {});
  const database = process.env.CLICKHOUSE_URL
    ? `tripwire_cp_${process.pid}_${Date.now()}`
    : base.clickhouse.database;
  const config: Config = {
    ...base,
    clickhouse: {
      ...base.clickhouse,
      database,
      ...(process.env.CLICKHOUSE_URL ? { url: process.env.CLICKHOUSE_URL } : {}),
    },
    controlPlane: {
      role: overrides.role ?? 'writer',
      followIntervalMs: overrides.followIntervalMs ?? 20,
      adminToken: ADMIN_TOKEN,
    },
  };
  const app = await buildApp(config, { logger: false });
  await app.api.listen({ host: '127.0.0.1', port: 0 });
  const address = app.api.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening');
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    config,
    async close() {
      await app.close();
      if (overrides.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A small valid boolean flag with the given environments on. */
export function makeFlag(key: string, environments = ['development', 'production']): Flag {
  return {
    key,
    kind: 'release',
    type: 'boolean',
    variants: [
      { key: 'off', value: false },
      { key: 'on', value: true },
    ],
    defaultVariant: 'off',
    salt: key,
    metadata: { owner: 'team-checkout', createdAt: '2026-01-01T00:00:00.000Z' },
    environments: Object.fromEntries(
      environments.map((name) => [
        name,
        { enabled: true, rules: [], fallthrough: { variant: 'on' } },
      ]),
    ),
    version: 0,
  };
}

/** Creates `flag` as the admin; the response is not checked (setup for the tests that follow). */
export async function createFlag(harness: Harness, flag: Flag): Promise<void> {
  await call(harness, 'POST', '/api/v1/flags', { token: ADMIN_TOKEN, body: { flag } });
}

/** Creates a token as the admin and returns its secret. */
export async function createToken(
  harness: Harness,
  token: {
    name: string;
    kind?: 'sdk';
    role?: string;
    projects?: string[];
    environments?: string[];
  },
): Promise<string> {
  const created = await call<{ secret: string }>(harness, 'POST', '/api/v1/tokens', {
    token: ADMIN_TOKEN,
    body: token,
  });
  return created.body.secret;
}

export interface CallResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** JSON over real HTTP with a bearer token. */
export async function call<T = any>(
  harness: Harness,
  method: string,
  path: string,
  options: { token?: string | undefined; body?: unknown; headers?: Record<string, string> } = {},
): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${harness.url}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text === '' ? undefined : JSON.parse(text)) as T,
    headers: response.headers,
  };
}

/** Hook timeout: embedded ClickHouse start-up plus migrations is slow on a loaded 2-core machine. */
export const HOOK_TIMEOUT_MS = 60_000;
