import type { NodeSDK } from '@opentelemetry/sdk-node';
import { createClient, type TripwireClient } from '@tripwire/sdk';
import Fastify, { type FastifyInstance } from 'fastify';
import { shopRoutes } from './shop-routes.js';
import type { Feature, Regression } from './simulate-request.js';
import { startTelemetry } from './telemetry.js';

/** The shop's endpoints and the flags they evaluate (the defaults of the quickstart). */
export const DEFAULT_FEATURES: readonly Feature[] = [
  {
    path: '/checkout',
    flagKey: 'checkout-redesign',
    baseErrorRate: 0.05,
    baseLatencyMs: 40,
    jitterLatencyMs: 20,
  },
  {
    path: '/search',
    flagKey: 'search-ranking',
    baseErrorRate: 0.02,
    baseLatencyMs: 30,
    jitterLatencyMs: 30,
  },
  {
    path: '/recommendations',
    flagKey: 'recs-v2',
    baseErrorRate: 0.02,
    baseLatencyMs: 20,
    jitterLatencyMs: 10,
  },
];

export interface DemoOptions {
  /** Base URL of the analysis API (SDK config over SSE). */
  apiUrl: string;
  /** Base URL of the OTLP/HTTP receiver. */
  otlpUrl: string;
  sdkKey: string;
  environment?: string;
  serviceName?: string;
  features?: readonly Feature[];
  /** Treatment misbehaviour per flag key (control is never changed). */
  regressions?: Record<string, Regression>;
  host?: string;
  /** 0 = any free port. */
  port?: number;
  exportDelayMs?: number;
  /** Secret for HMAC unit ids (at least 16 characters). */
  hashKey?: string;
  /** Randomness of the simulated behaviour; default `Math.random`. */
  random?: () => number;
  /** Record the simulated latency as span duration, not the wall time (default false). */
  recordSimulatedLatency?: boolean;
  /** Register the OTel SDK (default true); tests that bring their own pass false. */
  telemetry?: boolean;
}

export interface Demo {
  url: string;
  app: FastifyInstance;
  client: TripwireClient;
  /** Changes a flag's treatment behaviour from now on (e.g. the error rate doubles at T). */
  setRegression(flagKey: string, regression: Regression | undefined): void;
  /** Stops serving, flushes telemetry, closes the SDK client. */
  close(): Promise<void>;
}

/** Starts the shop: SDK client on the SSE stream, OTel SDK exporting OTLP, fastify listening. */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  if (!URL.canParse(options.apiUrl))
    throw new Error(`startDemo: apiUrl must be a URL, got "${options.apiUrl}"`);
  if (!URL.canParse(options.otlpUrl))
    throw new Error(`startDemo: otlpUrl must be a URL, got "${options.otlpUrl}"`);
  const sdk: NodeSDK | undefined =
    options.telemetry === false
      ? undefined
      : startTelemetry({
          otlpUrl: options.otlpUrl,
          serviceName: options.serviceName ?? 'demo-shop',
          exportDelayMs: options.exportDelayMs ?? 1000,
        });
  const client = createClient({
    environment: options.environment ?? 'production',
    source: { type: 'stream', baseUrl: options.apiUrl },
    sdkKey: options.sdkKey,
    hashKey: options.hashKey ?? 'tripwire-demo-hash-key',
    logger: null,
  });
  await client.ready({ timeoutMs: 10_000 });
  const regressions = new Map(Object.entries(options.regressions ?? {}));
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(shopRoutes, {
    client,
    features: options.features ?? DEFAULT_FEATURES,
    regressions,
    random: options.random ?? Math.random,
    recordSimulatedLatency: options.recordSimulatedLatency ?? false,
  });
  const url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  return {
    url,
    app,
    client,
    setRegression(flagKey, regression) {
      if (regression === undefined) regressions.delete(flagKey);
      else regressions.set(flagKey, regression);
    },
    async close() {
      await app.close();
      await client.close();
      await sdk?.shutdown();
    },
  };
}
