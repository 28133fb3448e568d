import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Flag, Guardrail } from '@tripwire/schema';
import type { RatioStats } from '@tripwire/stats';
import { createAlertDispatcher } from '../../src/alerts/alert-dispatcher.js';
import { createDeliveryRepository } from '../../src/alerts/delivery-repository.js';
import { loadConfig } from '../../src/config.js';
import {
  createDecisionRepository,
  type DecisionRepository,
} from '../../src/guardian/decision-repository.js';
import { evaluateGuardrail } from '../../src/guardian/evaluate-guardrail.js';
import { createGuardian } from '../../src/guardian/guardian.js';
import { createGuardianMetrics } from '../../src/guardian/guardian-metrics.js';
import type {
  FlagChange,
  GuardianFlags,
  GuardianSources,
  GuardrailFacts,
} from '../../src/guardian/guardian-types.js';
import { openClickHouse, type ClickHouseClient } from '../../src/storage/clickhouse.js';
import { runMigrations } from '../../src/storage/migrations.js';

/** A fresh embedded ClickHouse with every migration applied (or a unique database on a server). */
export async function openTestStorage(): Promise<{
  client: ClickHouseClient;
  tables: ReturnType<typeof loadConfig>['tables'];
  close: () => Promise<void>;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tripwire-'));
  const database = `tripwire_guardian_${process.pid}_${Date.now()}`;
  const config = loadConfig(['--data-dir', dataDir, '--clickhouse-database', database], {
    ...(process.env.CLICKHOUSE_URL === undefined
      ? {}
      : { CLICKHOUSE_URL: process.env.CLICKHOUSE_URL }),
  });
  const client = await openClickHouse(config.clickhouse);
  await runMigrations(client, config.tables);
  /** Closes the client and removes the embedded data directory. */
  const close = async (): Promise<void> => {
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { client, tables: config.tables, close };
}

/** A flag whose `production` fallthrough splits 50/50 between control and treatment. */
export function makeFlag(key: string, guardrails?: Guardrail[]): Flag {
  return {
    key,
    kind: 'release',
    type: 'boolean',
    variants: [
      { key: 'control', value: false },
      { key: 'treatment', value: true },
    ],
    defaultVariant: 'control',
    salt: key,
    metadata: { owner: 'test', createdAt: '2026-01-01T00:00:00.000Z' },
    environments: {
      production: {
        enabled: true,
        rules: [],
        fallthrough: {
          rollout: {
            coverage: 10_000,
            weights: [
              { variant: 'control', weight: 1 },
              { variant: 'treatment', weight: 1 },
            ],
          },
        },
      },
    },
    ...(guardrails === undefined ? {} : { guardrails }),
    version: 1,
  };
}

/** The control plane in memory: kill disables the environment and appends to the history. */
export function createMemoryFlags(
  flags: Flag[],
): GuardianFlags & { kills: number; changes: FlagChange[] } {
  const byKey = new Map(flags.map((flag) => [flag.key, flag]));
  const changes: FlagChange[] = [];
  const memory = {
    kills: 0,
    changes,
    list: async () => [...byKey.values()],
    get: async (key: string) => byKey.get(key),
    history: async (_key: string) => [...changes],
    async kill(key: string, request: { environment: string; actor: string; reason: string }) {
      const flag = byKey.get(key)!;
      const state = flag.environments[request.environment]!;
      const next = {
        ...flag,
        version: flag.version + 1,
        environments: { ...flag.environments, [request.environment]: { ...state, enabled: false } },
      };
      byKey.set(key, next);
      memory.kills++;
      changes.push({
        version: next.version,
        action: 'kill',
        environment: request.environment,
        actor: request.actor,
        reason: request.reason,
        createdAt: new Date().toISOString(),
      });
      return next.version;
    },
    async update(flag: Flag, request: { actor: string; reason: string; expectedVersion: number }) {
      const current = byKey.get(flag.key)!;
      if (current.version !== request.expectedVersion) throw new Error('version conflict');
      const next = { ...flag, version: current.version + 1 };
      byKey.set(flag.key, next);
      changes.push({
        version: next.version,
        action: 'update',
        environment: null,
        actor: request.actor,
        reason: request.reason,
        createdAt: new Date().toISOString(),
      });
      return next.version;
    },
  };
  return memory;
}

/** Error-rate statistics of `units` units making `requests` requests each, failing with `rate`. */
export function simulateErrorRate(
  rng: () => number,
  input: { units: number; requests: number; rate: number },
): RatioStats {
  let sumNumerator = 0;
  let sumNumeratorSquares = 0;
  let sumCrossProducts = 0;
  for (let unit = 0; unit < input.units; unit++) {
    let errors = 0;
    for (let r = 0; r < input.requests; r++) if (rng() < input.rate) errors++;
    sumNumerator += errors;
    sumNumeratorSquares += errors * errors;
    sumCrossProducts += errors * input.requests;
  }
  return {
    kind: 'ratio',
    units: input.units,
    sumNumerator,
    sumDenominator: input.units * input.requests,
    sumNumeratorSquares,
    sumDenominatorSquares: input.units * input.requests * input.requests,
    sumCrossProducts,
  };
}

/** Facts with error-rate statistics per variant. */
export function errorRateFacts(arms: Record<string, RatioStats>): GuardrailFacts {
  return {
    arms: new Map(Object.entries(arms)),
    exemplarTraceIds: new Map(
      Object.keys(arms).map((variant) => [variant, [`trace-${variant}-1`]]),
    ),
    query: 'SELECT variant, … FROM tripwire_variant_requests',
  };
}

export const silentLog = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * A guardian over real decision and delivery repositories: `fetchFacts` stands in for ClickHouse
 * or is the real reader (`createFactsReader`); alerts go to `webhookUrl` when given.
 */
export function createTestGuardian(input: {
  client: ClickHouseClient;
  tables: ReturnType<typeof loadConfig>['tables'];
  flags: GuardianFlags;
  fetchFacts: GuardianSources['fetchFacts'];
  prefetchFacts?: GuardianSources['prefetchFacts'];
  decisions?: DecisionRepository | undefined;
  webhookUrl?: string | undefined;
  maxAttempts?: number | undefined;
}) {
  const { client, tables } = input;
  const decisions = input.decisions ?? createDecisionRepository(client, tables);
  const deliveries = createDeliveryRepository(client, tables);
  const alerts = createAlertDispatcher({
    config: {
      alertmanagerUrl: '',
      webhookUrl: input.webhookUrl ?? '',
      grafanaUrl: '',
      grafanaToken: '',
      maxAttempts: input.maxAttempts ?? 1,
      backoffMs: 1,
    },
    deliveries,
    log: silentLog,
  });
  const guardian = createGuardian({
    sources: {
      flags: input.flags,
      fetchFacts: input.fetchFacts,
      ...(input.prefetchFacts === undefined ? {} : { prefetchFacts: input.prefetchFacts }),
      decide: evaluateGuardrail,
    },
    decisions,
    alerts,
    metrics: createGuardianMetrics(),
    log: silentLog,
    publicUrl: 'http://tripwire.test',
    intervalMs: 1000,
  });
  return { guardian, alerts, deliveries, decisions };
}
