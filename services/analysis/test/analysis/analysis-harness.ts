import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Flag } from '@tripwire/schema';
import { buildApp, loadConfig } from '../../src/index.js';
import type { TripwireApp } from '../../src/index.js';

export const ADMIN_TOKEN = 'twk_analysis_test_admin_0123456789abcdef';

export interface AnalysisHarness {
  app: TripwireApp;
  url: string;
  close(): Promise<void>;
}

/** One app per test file: its own embedded data dir (or database), listening on 127.0.0.1:0. */
export async function startAnalysisHarness(): Promise<AnalysisHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tripwire-'));
  const base = loadConfig(['--data-dir', dataDir, '--api-port', '0', '--otlp-port', '0'], {});
  const server = process.env.CLICKHOUSE_URL;
  const app = await buildApp(
    {
      ...base,
      clickhouse: {
        ...base.clickhouse,
        ...(server ? { url: server, database: `tripwire_an_${process.pid}_${Date.now()}` } : {}),
      },
      controlPlane: { ...base.controlPlane, adminToken: ADMIN_TOKEN },
    },
    { logger: false },
  );
  await app.api.listen({ host: '127.0.0.1', port: 0 });
  const address = app.api.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening');
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An experiment flag: control `control` (the default variant), given treatment weights. */
export function makeExperiment(key: string, weights: Record<string, number>): Flag {
  const variants = Object.keys(weights);
  return {
    key,
    kind: 'experiment',
    type: 'string',
    variants: variants.map((variant) => ({ key: variant, value: variant })),
    defaultVariant: variants[0] ?? 'control',
    salt: key,
    metadata: { owner: 'team-analysis', createdAt: '2026-01-01T00:00:00.000Z' },
    environments: {
      production: {
        enabled: true,
        rules: [],
        fallthrough: {
          rollout: {
            coverage: 10_000,
            weights: variants.map((variant) => ({ variant, weight: weights[variant] ?? 0 })),
          },
        },
      },
    },
    version: 0,
  };
}
