import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressOf, buildApp, loadConfig } from '../../src/index.js';
import type { Config, TripwireApp } from '../../src/index.js';
import { OtlpMessages } from '../../src/ingest/otlp-descriptor.js';

export const ADMIN_TOKEN = 'twk_test_ingest_admin_token_0123456789';

/** A minimal valid span in OTLP/JSON. */
export const JSON_SPAN = {
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  name: 'GET /x',
  startTimeUnixNano: '1764000000000000000',
  endTimeUnixNano: '1764000000100000000',
};

/** An OTLP/JSON traces request with `spans` under one resource named `service`. */
export const jsonTraces = (spans: unknown[], service: string): string =>
  JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ spans }],
      },
    ],
  });

/** The same request as `jsonTraces`, in OTLP protobuf (ids from hex, the other fields as given). */
export function protoTraces(spans: (typeof JSON_SPAN & object)[], service: string): Buffer {
  const type = OtlpMessages.traceRequest;
  const message = type.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: spans.map((span) => ({
              ...span,
              traceId: Buffer.from(span.traceId, 'hex'),
              spanId: Buffer.from(span.spanId, 'hex'),
            })),
          },
        ],
      },
    ],
  });
  return Buffer.from(type.encode(message).finish());
}

export interface IngestHarness {
  app: TripwireApp;
  /** Base URL of the OTLP receiver. */
  otlpUrl: string;
  /** Base URL of the API. */
  apiUrl: string;
  config: Config;
  /** Rows of a SELECT, as JSON objects. */
  select<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * One app per test file: its own embedded data dir, or, when CLICKHOUSE_URL is set, a uniquely
 * named database on that server. Both servers listen on 127.0.0.1 port 0.
 */
export async function startIngestHarness(flags: string[] = []): Promise<IngestHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tripwire-'));
  const remote = process.env.CLICKHOUSE_URL;
  const argv = ['--data-dir', dataDir, '--api-port', '0', '--otlp-port', '0'];
  argv.push('--admin-token', ADMIN_TOKEN, ...flags);
  if (remote) {
    argv.push(
      '--clickhouse-url',
      remote,
      '--clickhouse-database',
      `tripwire_ingest_${process.pid}_${Date.now()}`,
    );
  }
  const config = loadConfig(argv, {});
  const app = await buildApp(config, { logger: false });
  await app.otlp.listen({ host: '127.0.0.1', port: 0 });
  await app.api.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    config,
    otlpUrl: addressOf(app.otlp),
    apiUrl: addressOf(app.api),
    async select<T>(sql: string): Promise<T[]> {
      const result = await app.context.clickhouse.query({ query: sql, format: 'JSONEachRow' });
      return result.json<T>();
    },
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
