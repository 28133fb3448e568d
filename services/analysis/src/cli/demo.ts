import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp, type TripwireApp } from '../app.js';
import { loadConfig } from '../config.js';
import { addressOf } from '../server.js';
import type { Command } from './commands.js';
import { createAdminClient } from '../control-plane/admin-client.js';

/** The experiment the demo shop's `/checkout` evaluates (services/demo DEFAULT_FEATURES). */
export const DEMO_FLAG = 'checkout-redesign';
const ENVIRONMENT = 'production';

const options = {
  'api-port': { type: 'string', default: '8080' },
  'otlp-port': { type: 'string', default: '4318' },
  'data-dir': { type: 'string' },
  'regress-after': { type: 'string', default: '60' },
  rate: { type: 'string', default: '90' },
  'exit-after-kill': { type: 'boolean', default: false },
  'max-seconds': { type: 'string', default: '0' },
  help: { type: 'boolean', default: false },
} as const;

const USAGE = `Usage: tripwire demo [options]

Starts the service on a fresh embedded ClickHouse, creates the experiment "${DEMO_FLAG}" (50/50,
default guardrails), runs the demo shop with the SDK and traffic; after --regress-after seconds
the treatment fails 8x as often and is twice as slow, and the guardian kills it. Prints the results
page URL (with a token in its #fragment, so the page opens logged in).

  --api-port N          API and results page (default 8080)
  --otlp-port N         OTLP/HTTP receiver (default 4318)
  --data-dir DIR        embedded ClickHouse data (default: a new temporary directory)
  --regress-after S     seconds of healthy traffic before the regression (default 60)
  --rate R              shop requests per second (default 90)
  --exit-after-kill     stop once the guardian has killed the treatment
  --max-seconds S       give up (exit 1) after S seconds without a kill (default 0 = never)
`;

const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** `tripwire demo`: the two-minute tour, from traffic to an automatic kill. */
export const demoCommand: Command = {
  summary: 'live demo: service + demo shop + traffic whose treatment regresses; watch the kill',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const adminToken = `tw_demo_${randomBytes(18).toString('base64url')}`;
    const dataDir = values['data-dir'] ?? mkdtempSync(join(tmpdir(), 'tripwire-demo-'));
    const config = loadConfig(
      [
        ...['--api-port', values['api-port'], '--otlp-port', values['otlp-port']],
        ...['--data-dir', dataDir, '--guardian-interval', '5', '--log-level', 'error'],
      ],
      { ...process.env, TRIPWIRE_ADMIN_TOKEN: adminToken },
    );
    say(`tripwire demo: starting the service (embedded ClickHouse in ${dataDir}) …`);
    const app = await buildApp(config);
    await app.otlp.listen({ host: config.host, port: config.otlpPort });
    await app.api.listen({ host: config.host, port: config.apiPort });
    const api = addressOf(app.api);
    const sdkKey = await prepareExperiment(api, adminToken);
    say(
      `\n  Results page: ${api}/experiments/${DEMO_FLAG}?environment=${ENVIRONMENT}#token=${adminToken}`,
    );
    say(`  (admin token ${adminToken}; the page keeps it in this tab only)\n`);
    return runScenario({
      app,
      api,
      adminToken,
      sdkKey,
      otlpUrl: addressOf(app.otlp),
      regressAfterSeconds: Number(values['regress-after']),
      rate: Number(values.rate),
      exitAfterKill: values['exit-after-kill'],
      maxSeconds: Number(values['max-seconds']),
    });
  },
};

/** Creates the demo experiment (default guardrails) and an SDK key for the shop. */
async function prepareExperiment(api: string, adminToken: string): Promise<string> {
  const client = createAdminClient({ url: api, token: adminToken }, {});
  await client.request('POST', '/api/v1/flags', {
    reason: 'tripwire demo',
    flag: {
      key: DEMO_FLAG,
      kind: 'experiment',
      type: 'boolean',
      variants: [
        { key: 'control', value: false },
        { key: 'treatment', value: true },
      ],
      defaultVariant: 'control',
      metadata: { owner: 'demo-team', description: 'One-page checkout (demo)' },
      environments: {
        [ENVIRONMENT]: {
          enabled: true,
          rules: [],
          fallthrough: {
            rollout: {
              coverage: 10_000,
              weights: [
                { variant: 'control', weight: 50 },
                { variant: 'treatment', weight: 50 },
              ],
            },
          },
        },
      },
      version: 0,
    },
  });
  const key = await client.request<{ secret: string }>('POST', '/api/v1/tokens', {
    name: 'demo-shop',
    kind: 'sdk',
    environments: [ENVIRONMENT],
  });
  return key.secret;
}

interface Scenario {
  app: TripwireApp;
  api: string;
  adminToken: string;
  sdkKey: string;
  otlpUrl: string;
  regressAfterSeconds: number;
  rate: number;
  exitAfterKill: boolean;
  maxSeconds: number;
}

/** The demo shop's compiled entry point, found through the workspace package (no import of a service). */
function locateShop(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tripwire/demo')), 'main.js');
}

function spawnShop(scenario: Scenario, regressions: Record<string, object>): ChildProcess {
  const main = locateShop();
  const child = spawn(process.execPath, [main], {
    cwd: dirname(dirname(main)),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TRIPWIRE_SDK_KEY: scenario.sdkKey,
      TRIPWIRE_API_URL: scenario.api,
      OTEL_EXPORTER_OTLP_ENDPOINT: scenario.otlpUrl,
      DEMO_PORT: '0',
      DEMO_RATE: String(scenario.rate),
      DEMO_USERS: '2000',
      DEMO_REGRESSIONS: JSON.stringify(regressions),
    },
  });
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) say(`  [shop] ${line}`);
    });
  return child;
}

async function stopShop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface FlagState {
  kills: { environment: string; actor: string; reason: string; killedAt: string }[];
}

async function readKill(scenario: Scenario): Promise<FlagState['kills'][number] | undefined> {
  const client = createAdminClient({ url: scenario.api, token: scenario.adminToken }, {});
  const body = await client.request<FlagState>('GET', `/api/v1/flags/${DEMO_FLAG}`);
  return body.kills.find((kill) => kill.environment === ENVIRONMENT);
}

/**
 * Healthy traffic, then the regression (the shop restarts with the treatment misbehaving, on a
 * timer of its own), then waits for the guardian's kill. Ctrl-C stops everything.
 */
async function runScenario(scenario: Scenario): Promise<number> {
  const started = Date.now();
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(0)}s`;
  let shop = spawnShop(scenario, {});
  say(`[${elapsed()}] demo shop running, ${scenario.rate} requests/s, treatment healthy`);
  let stopping = false;
  const regression = setTimeout(() => {
    void stopShop(shop).then(() => {
      if (stopping) return;
      shop = spawnShop(scenario, { [DEMO_FLAG]: { errorMultiplier: 8, latencyFactor: 2 } });
      say(`[${elapsed()}] treatment regresses now: 8x errors, 2x latency`);
    });
  }, scenario.regressAfterSeconds * 1000);
  const stop = async (code: number): Promise<number> => {
    stopping = true;
    clearTimeout(regression);
    await stopShop(shop);
    await scenario.app.close();
    return code;
  };
  const interrupted = new Promise<number>((resolve) => {
    process.once('SIGINT', () => void stop(130).then(resolve));
    process.once('SIGTERM', () => void stop(143).then(resolve));
  });
  const watch = async (): Promise<number> => {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (stopping) return 0;
      const kill = await readKill(scenario);
      if (kill !== undefined) {
        say(`[${elapsed()}] ${kill.actor} killed ${DEMO_FLAG}: ${kill.reason}`);
        say('  Every SDK now serves control; the results page shows the kill report.');
        if (scenario.exitAfterKill) return stop(0);
        say('  Press Ctrl-C to stop.');
        return interrupted;
      }
      if (scenario.maxSeconds > 0 && Date.now() - started > scenario.maxSeconds * 1000) {
        say(`[${elapsed()}] no kill after ${scenario.maxSeconds}s; giving up`);
        return stop(1);
      }
    }
  };
  return Promise.race([watch(), interrupted]);
}
