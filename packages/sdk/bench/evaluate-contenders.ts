/**
 * The contenders of evaluate.bench.ts besides Tripwire: GrowthBook, Unleash, LaunchDarkly
 * (TestData) and OpenFeature's InMemoryProvider, each set up with the same 50/50 experiment and
 * targeting rule over the same 10,000 users.
 */
import { GrowthBookClient } from '@growthbook/growthbook';
import { init as initLaunchDarkly, integrations } from '@launchdarkly/node-server-sdk';
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { InMemStorageProvider, Unleash } from 'unleash-client';

export const USERS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
export const COUNTRIES = ['NL', 'FR', 'DE', 'US'];
export type Subject = (i: number) => boolean | Promise<boolean>;
export interface Contender {
  name: string;
  experiment: Subject;
  targeting: Subject;
}

export const users = USERS.map((targetingKey) => ({ targetingKey }));
export const located = USERS.map((targetingKey, i) => ({
  targetingKey,
  country: COUNTRIES[i % 4]!,
}));

export function setUpGrowthBook(): Contender {
  const client = new GrowthBookClient().initSync({
    payload: {
      features: {
        exp: {
          defaultValue: false,
          rules: [
            {
              key: 'exp',
              seed: 'exp',
              hashAttribute: 'id',
              coverage: 1,
              variations: [false, true],
              weights: [0.5, 0.5],
            },
          ],
        },
        target: {
          defaultValue: false,
          rules: [{ condition: { country: { $in: ['NL', 'DE'] } }, force: true }],
        },
      },
    },
  });
  const users = USERS.map((id) => ({ attributes: { id } }));
  const located = USERS.map((id, i) => ({ attributes: { id, country: COUNTRIES[i % 4] } }));
  return {
    name: 'GrowthBook isOn',
    experiment: (i) => client.isOn('exp', users[i % 10_000]!),
    targeting: (i) => client.isOn('target', located[i % 10_000]!),
  };
}

export async function setUpUnleash(): Promise<Contender & { close(): void }> {
  const strategy = (
    name: string,
    parameters: Record<string, string>,
    constraints: unknown[] = [],
  ) => ({ name, parameters, constraints });
  const feature = (name: string, strategies: unknown[]) => ({
    name,
    enabled: true,
    strategies,
    variants: [],
    type: 'experiment',
    stale: false,
    impressionData: false,
  });
  const unleash = new Unleash({
    appName: 'bench',
    url: 'http://127.0.0.1:9/api/', // never reached: bootstrap data, no auto start of polling below
    disableMetrics: true,
    refreshInterval: 0,
    storageProvider: new InMemStorageProvider(),
    bootstrap: {
      data: [
        feature('exp', [
          strategy('flexibleRollout', { rollout: '50', stickiness: 'userId', groupId: 'exp' }),
        ]),
        feature('target', [
          strategy('default', {}, [
            { contextName: 'country', operator: 'IN', values: ['NL', 'DE'] },
          ]),
        ]),
      ] as never,
    },
  });
  unleash.on('error', () => {});
  unleash.on('warn', () => {});
  await new Promise<void>((resolve) => {
    unleash.once('ready', resolve);
    unleash.once('synchronized', resolve);
    setTimeout(resolve, 2000);
  });
  const users = USERS.map((userId) => ({ userId }));
  const located = USERS.map((userId, i) => ({
    userId,
    properties: { country: COUNTRIES[i % 4]! },
  }));
  return {
    name: 'Unleash isEnabled',
    experiment: (i) => unleash.isEnabled('exp', users[i % 10_000]),
    targeting: (i) => unleash.isEnabled('target', located[i % 10_000]),
    close: () => unleash.destroy(),
  };
}

export async function setUpLaunchDarkly(): Promise<Contender & { close(): void }> {
  const td = new integrations.TestData();
  const flag = (key: string, extra: object) => ({
    key,
    on: true,
    variations: [false, true],
    offVariation: 0,
    salt: key,
    version: 1,
    ...extra,
  });
  await td.usePreconfiguredFlag(
    flag('exp', {
      fallthrough: {
        rollout: {
          variations: [
            { variation: 0, weight: 50_000 },
            { variation: 1, weight: 50_000 },
          ],
        },
      },
    }),
  );
  await td.usePreconfiguredFlag(
    flag('target', {
      fallthrough: { variation: 0 },
      rules: [
        {
          id: 'eu',
          variation: 1,
          clauses: [{ contextKind: 'user', attribute: 'country', op: 'in', values: ['NL', 'DE'] }],
        },
      ],
    }),
  );
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const client = initLaunchDarkly('bench-sdk-key', {
    updateProcessor: td.getFactory(),
    sendEvents: false,
    diagnosticOptOut: true,
    logger: silent,
  });
  await client.waitForInitialization({ timeout: 5 });
  const users = USERS.map((key) => ({ kind: 'user', key }));
  const located = USERS.map((key, i) => ({ kind: 'user', key, country: COUNTRIES[i % 4] }));
  return {
    name: 'LaunchDarkly variation',
    experiment: (i) => client.variation('exp', users[i % 10_000]!, false) as Promise<boolean>,
    targeting: (i) => client.variation('target', located[i % 10_000]!, false) as Promise<boolean>,
    close: () => client.close(),
  };
}

/** FNV-1a, so the InMemoryProvider's evaluator can split users without a dependency. */
function hashFnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export async function setUpOpenFeature(): Promise<Contender> {
  const eu = new Set(['NL', 'DE']);
  const provider = new InMemoryProvider({
    exp: {
      variants: { on: true, off: false },
      defaultVariant: 'off',
      disabled: false,
      contextEvaluator: (ctx) => (hashFnv1a(String(ctx.targetingKey)) % 100 < 50 ? 'on' : 'off'),
    },
    target: {
      variants: { on: true, off: false },
      defaultVariant: 'off',
      disabled: false,
      contextEvaluator: (ctx) => (eu.has(ctx.country as string) ? 'on' : 'off'),
    },
  });
  await OpenFeature.setProviderAndWait('bench-in-memory', provider);
  const client = OpenFeature.getClient('bench-in-memory');
  const users = USERS.map((targetingKey) => ({ targetingKey }));
  const located = USERS.map((targetingKey, i) => ({ targetingKey, country: COUNTRIES[i % 4]! }));
  return {
    name: 'OpenFeature InMemoryProvider',
    experiment: (i) => client.getBooleanValue('exp', false, users[i % 10_000]),
    targeting: (i) => client.getBooleanValue('target', false, located[i % 10_000]),
  };
}
