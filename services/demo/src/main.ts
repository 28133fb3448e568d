import { startTraffic } from './generate-traffic.js';
import { startDemo } from './start-demo.js';

/**
 * `npx tsx services/demo/src/main.ts`: runs the shop against a local analysis service, with
 * traffic, configured by environment variables (see README).
 */
async function main(): Promise<void> {
  const env = process.env;
  const sdkKey = env.TRIPWIRE_SDK_KEY;
  if (sdkKey === undefined || sdkKey === '')
    throw new Error(
      'TRIPWIRE_SDK_KEY must be set (create one with `tripwire tokens create --name demo --sdk --environment production`)',
    );
  const regressions =
    env.DEMO_REGRESSIONS === undefined
      ? {}
      : (JSON.parse(env.DEMO_REGRESSIONS) as Record<string, object>);
  const demo = await startDemo({
    apiUrl: env.TRIPWIRE_API_URL ?? 'http://127.0.0.1:8080',
    otlpUrl: env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318',
    sdkKey,
    host: env.DEMO_HOST ?? '127.0.0.1',
    port: Number(env.DEMO_PORT ?? 3000),
    regressions,
  });
  process.stdout.write(`demo shop on ${demo.url}\n`);
  const rate = Number(env.DEMO_RATE ?? 0);
  const traffic =
    rate > 0
      ? startTraffic({
          baseUrl: demo.url,
          paths: ['/checkout', '/search', '/recommendations'],
          ratePerSecond: rate,
          users: Number(env.DEMO_USERS ?? 1000),
        })
      : undefined;
  const stop = async (): Promise<void> => {
    await traffic?.stop();
    await demo.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${(error as Error).message}\n`);
  process.exit(1);
});
