import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { TripwireClient } from '@tripwire/sdk';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { simulateRequest, type Feature, type Regression } from './simulate-request.js';

export interface ShopRouteOptions {
  client: TripwireClient;
  features: readonly Feature[];
  /** Read on every request, so a test can inject a regression mid-run. */
  regressions: Map<string, Regression>;
  random: () => number;
  /**
   * End each server span at start + the simulated latency instead of when the response is sent,
   * so recorded latency does not depend on how busy the host is (tests on loaded machines).
   */
  recordSimulatedLatency: boolean;
}

const tracer = trace.getTracer('@tripwire/demo');

/**
 * One route per feature. Each request runs in a server span (the demo installs no HTTP
 * instrumentation), evaluates the feature's flag for the `x-user-id` unit — the SDK stamps the
 * assignment on that span — then waits and fails as the variant's behaviour says.
 */
export const shopRoutes: FastifyPluginAsync<ShopRouteOptions> = async (app, options) => {
  for (const feature of options.features) {
    app.get(feature.path, (request, reply) => {
      const startedAt = Date.now();
      return tracer.startActiveSpan(
        `GET ${feature.path}`,
        {
          kind: SpanKind.SERVER,
          startTime: startedAt,
          attributes: { 'http.request.method': 'GET', 'url.path': feature.path },
        },
        (span) => handle({ span, startedAt, feature, options }, request, reply),
      );
    });
  }
  app.get('/variant/:flagKey', async (request) => {
    const { flagKey } = request.params as { flagKey: string };
    const user = readUser(request);
    const result = options.client.assign(flagKey, { targetingKey: user }, false);
    return { flagKey, user, variant: result.variant ?? null, reason: result.reason };
  });
};

async function handle(
  {
    span,
    startedAt,
    feature,
    options,
  }: { span: Span; startedAt: number; feature: Feature; options: ShopRouteOptions },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  let endAt: number | undefined;
  try {
    const result = options.client.assign(
      feature.flagKey,
      { targetingKey: readUser(request) },
      false,
    );
    const info = options.client.getFlagInfo(feature.flagKey);
    const isTreatment = result.variant !== undefined && result.variant !== info?.defaultVariant;
    const outcome = simulateRequest(feature, {
      isTreatment,
      regression: options.regressions.get(feature.flagKey),
      random: options.random,
    });
    if (options.recordSimulatedLatency) endAt = startedAt + outcome.latencyMs;
    await new Promise((done) => setTimeout(done, outcome.latencyMs));
    void reply.header('x-variant', result.variant ?? '');
    if (outcome.fails) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'simulated failure' });
      span.setAttribute('http.response.status_code', 500);
      return await reply.code(500).send({ error: 'simulated failure' });
    }
    span.setAttribute('http.response.status_code', 200);
    return await reply.send({ ok: true, feature: feature.path, variant: result.variant ?? null });
  } finally {
    span.end(endAt);
  }
}

function readUser(request: FastifyRequest): string {
  const header = request.headers['x-user-id'];
  return typeof header === 'string' && header !== '' ? header : 'anonymous';
}
