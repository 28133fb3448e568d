import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { ClickHouseClient } from '../storage/clickhouse.js';
import { createChangelogRepository } from './changelog-repository.js';
import type { FlagStore } from './flag-store.js';
import { openFlagStore } from './flag-store.js';
import type { NewToken, TokenStore } from './token-store.js';
import { ANY_SCOPE, openTokenStore } from './token-store.js';

export interface ControlPlane {
  flags: FlagStore;
  tokens: TokenStore;
  /** Readiness: the writer always; a reader while its last successful poll is recent. */
  isReady(): boolean;
  /** Stops following the changelog (readers). */
  close(): Promise<void>;
}

export interface OpenControlPlaneOptions {
  config: Config;
  clickhouse: ClickHouseClient;
  log: FastifyBaseLogger;
  /** Where a generated admin token is printed (default stderr). */
  print?: (text: string) => void;
}

/**
 * Rebuilds flags and tokens from their append-only logs. The writer then makes sure an admin
 * token exists; a reader polls both logs every `followIntervalMs` and applies new rows, so its
 * SSE clients see every change the writer makes.
 */
export async function openControlPlane(options: OpenControlPlaneOptions): Promise<ControlPlane> {
  const { config, clickhouse, log } = options;
  const isWriter = config.controlPlane.role === 'writer';
  const repository = createChangelogRepository(clickhouse, config.tables);
  const flags = await openFlagStore({ repository, isWriter });
  const tokens = await openTokenStore({ client: clickhouse, tables: config.tables, isWriter });
  if (isWriter) {
    await bootstrapAdminToken(
      tokens,
      config.controlPlane.adminToken,
      options.print ?? printToStderr,
    );
  }
  const follower = isWriter ? undefined : followLogs({ flags, tokens, config, log });
  log.info(
    `control plane: ${config.controlPlane.role}, ${flags.list().length} flags at config version ${flags.version()}`,
  );
  return {
    flags,
    tokens,
    isReady: () => follower?.isCurrent() ?? true,
    close: () => follower?.stop() ?? Promise.resolve(),
  };
}

/**
 * `TRIPWIRE_ADMIN_TOKEN` is registered when its hash is unknown. Without it, the first start
 * (no live admin token) generates one and prints it once.
 */
export async function bootstrapAdminToken(
  tokens: TokenStore,
  configured: string,
  print: (text: string) => void,
): Promise<void> {
  const admin: NewToken = {
    name: 'bootstrap-admin',
    kind: 'api',
    role: 'admin',
    projects: [ANY_SCOPE],
    environments: [ANY_SCOPE],
    actor: 'system:bootstrap',
  };
  if (configured !== '') {
    // A revoked configured token stays revoked: only an unknown one is registered.
    if (!tokens.isKnown(configured)) await tokens.create({ ...admin, secret: configured });
    return;
  }
  const hasAdmin = tokens
    .list()
    .some((token) => !token.revoked && token.kind === 'api' && token.role === 'admin');
  if (hasAdmin) return;
  const { secret } = await tokens.create(admin);
  print(
    `\nTripwire admin token (shown once; set TRIPWIRE_ADMIN_TOKEN or create others with \`tripwire tokens create\`):\n\n  ${secret}\n\n`,
  );
}

function printToStderr(text: string): void {
  process.stderr.write(text);
}

function followLogs(input: {
  flags: FlagStore;
  tokens: TokenStore;
  config: Config;
  log: FastifyBaseLogger;
}): { stop(): Promise<void>; isCurrent(): boolean } {
  const staleAfterMs = Math.max(5_000, 20 * input.config.controlPlane.followIntervalMs);
  let lastSuccessAt = Date.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = (): void => {
    running = Promise.all([input.flags.follow(), input.tokens.follow()])
      .then(
        () => void (lastSuccessAt = Date.now()),
        (error: unknown) =>
          input.log.warn({ err: error }, 'control plane: following the changelog failed'),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, input.config.controlPlane.followIntervalMs);
      });
  };
  timer = setTimeout(tick, input.config.controlPlane.followIntervalMs);
  return {
    isCurrent: () => Date.now() - lastSuccessAt < staleAfterMs,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
