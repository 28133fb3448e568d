/**
 * Evaluation benchmark: the call a service makes, `client.getBooleanValue` (without and with an
 * OTel SDK), and the pure core under it, against local evaluation in GrowthBook, Unleash,
 * LaunchDarkly (TestData) and OpenFeature's InMemoryProvider, in one process and one run.
 * Run: `npm run bench -w @tripwire/sdk` (or `npx tsx bench/evaluate.bench.ts` in packages/sdk).
 * Prints mitata's table (wall clock), then a summary with the wall-clock median, CPU time per
 * call (robust when other processes share the cores), the ratio to Tripwire, bytes allocated
 * and promises created per call. A table, not a test: nothing here asserts timings.
 */
import { availableParallelism, loadavg } from 'node:os';
import { OpenFeature } from '@openfeature/server-sdk';
import type { ConfigSnapshot, Flag } from '@tripwire/schema';
import { bench, do_not_optimize, group, run } from 'mitata';
import { createClient } from '../src/index.js';
import { compileConfig, computeBucket, createBucketingPrefix } from '../src/evaluation/index.js';
import type { Contender, Subject } from './evaluate-contenders.js';
import {
  located,
  setUpGrowthBook,
  setUpLaunchDarkly,
  setUpOpenFeature,
  setUpUnleash,
  users,
  USERS,
} from './evaluate-contenders.js';
import { countPromisesPerCall, measureBytesPerCall, measureCpuNsPerCall } from './measure-call.js';
import { createDroppingProvider } from './exposure-fixtures.js';

/** The contender every ratio in the summary is taken against: the call a service makes. */
const TRIPWIRE = 'tripwire getBooleanValue';

function createTripwireSnapshot(): ConfigSnapshot {
  const base: Omit<Flag, 'key' | 'environments'> = {
    kind: 'experiment',
    type: 'boolean',
    variants: [
      { key: 'off', value: false },
      { key: 'on', value: true },
    ],
    defaultVariant: 'off',
    salt: 'exp',
    metadata: { owner: 'bench', createdAt: '2026-01-01T00:00:00Z' },
    version: 1,
  };
  const rollout = {
    rollout: {
      coverage: 10_000,
      weights: [
        { variant: 'off', weight: 50 },
        { variant: 'on', weight: 50 },
      ],
    },
  };
  const rule = {
    id: 'eu',
    when: { attribute: 'country', op: 'in' as const, values: ['NL', 'DE'] },
    serve: { variant: 'on' },
  };
  const snapshot: ConfigSnapshot = {
    schemaVersion: 1,
    environment: 'production',
    version: 1,
    generatedAt: '2026-01-01T00:00:00Z',
    flags: [
      {
        ...base,
        key: 'exp',
        environments: { production: { enabled: true, rules: [], fallthrough: rollout } },
      },
      {
        ...base,
        key: 'target',
        kind: 'permission',
        environments: {
          production: { enabled: true, rules: [rule], fallthrough: { variant: 'off' } },
        },
      },
    ],
    segments: [],
  };
  return snapshot;
}

/** The pure evaluation core (what the client calls first): a reference, not what services call. */
function setUpTripwireCore(): Contender {
  const config = compileConfig(createTripwireSnapshot());
  return {
    name: 'tripwire core evaluate',
    experiment: (i) => config.evaluate('exp', users[i % 10_000]!, false).value,
    targeting: (i) => config.evaluate('target', located[i % 10_000]!, false).value,
  };
}

/**
 * The user-facing call, `client.getBooleanValue`: with no OTel SDK (the API is a no-op, so no
 * exposure bookkeeping), or with a tracer from a real OTel SDK provider, where every call of the
 * measured loop is a repeat exposure (`checkContender` exposed all 10k users first) and the
 * targeting flag, a permission flag, records no exposure by default.
 */
function setUpTripwireClient(withTracer: boolean): Contender & { close(): Promise<void> } {
  const provider = withTracer ? createDroppingProvider() : undefined;
  const client = createClient({
    environment: 'production',
    hashKey: 'bench-hash-key-0123456789',
    source: { type: 'static', config: createTripwireSnapshot() },
    logger: null,
    ...(provider && { tracer: provider.getTracer('bench') }),
  });
  return {
    name: withTracer ? `${TRIPWIRE}, OTel SDK (repeat exposures)` : TRIPWIRE,
    experiment: (i) => client.getBooleanValue('exp', users[i % 10_000]!, false),
    targeting: (i) => client.getBooleanValue('target', located[i % 10_000]!, false),
    close: async () => {
      await client.close();
      await provider?.shutdown();
    },
  };
}

/** Refuses to benchmark a contender that does not split 50/50 or target correctly. */
async function checkContender(contender: Contender): Promise<void> {
  let on = 0;
  let targeted = 0;
  for (let i = 0; i < USERS.length; i++) {
    if (await contender.experiment(i)) on++;
    if ((await contender.targeting(i)) !== (i % 4 === 0 || i % 4 === 2)) targeted++;
  }
  const share = on / USERS.length;
  if (share < 0.47 || share > 0.53) throw new Error(`${contender.name}: 50/50 split gave ${share}`);
  if (targeted > 0) throw new Error(`${contender.name}: targeting wrong for ${targeted} users`);
  console.log(
    `checked ${contender.name}: ${(share * 100).toFixed(1)}% on over 10k users, targeting correct`,
  );
}

function register(
  groupName: string,
  contenders: Contender[],
  pick: (c: Contender) => Subject,
): void {
  group(groupName, () => {
    for (const contender of contenders) {
      const subject = pick(contender);
      const isAsync = subject(0) instanceof Promise;
      bench(contender.name, function* () {
        let i = 0;
        yield isAsync
          ? async () => do_not_optimize(await subject(i++))
          : () => do_not_optimize(subject(i++));
      });
    }
  });
}

/** The targets for the user-facing call, by group. */
const TARGET_NS: Record<string, number> = {
  '50/50 experiment': 100,
  'targeting rule (country in [NL, DE])': 60,
};

interface Row {
  group: string;
  name: string;
  ns: number;
  cpuNs: number;
  bytes: number;
  promises: number;
}

function formatSummary(rows: Row[]): string {
  const lines = [
    '| case | contender | ns/call (wall, p50) | ns/call (CPU) | × Tripwire (CPU) | bytes/call | promises/call |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const tripwire = rows.find((r) => r.group === row.group && r.name === TRIPWIRE);
    const ratio = tripwire ? (row.cpuNs / tripwire.cpuNs).toFixed(1) : '';
    const cells = [
      row.group,
      row.name,
      row.ns.toFixed(1),
      row.cpuNs.toFixed(1),
      ratio,
      row.bytes.toFixed(0),
      row.promises.toFixed(2),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  for (const name of new Set(rows.map((r) => r.group))) {
    const inGroup = rows.filter((r) => r.group === name);
    const tripwire = inGroup.find((r) => r.name === TRIPWIRE);
    const target = TARGET_NS[name];
    if (tripwire && target !== undefined)
      lines.push(
        `\n${name}: ${TRIPWIRE} takes ${tripwire.cpuNs.toFixed(0)} ns CPU per call (target ≤ ${target} ns), ${tripwire.bytes.toFixed(0)} B and ${tripwire.promises} promises (target 0 and 0)`,
      );
    const peers = inGroup
      .filter((r) => !r.name.startsWith('tripwire'))
      .sort((a, b) => a.cpuNs - b.cpuNs);
    const fastest = peers[0];
    if (tripwire && fastest)
      lines.push(
        `\n${name}: the fastest peer, ${fastest.name}, takes ${(fastest.cpuNs / tripwire.cpuNs).toFixed(1)}× Tripwire's CPU time per call (${(fastest.ns / tripwire.ns).toFixed(1)}× by wall-clock p50)`,
      );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const unleash = await setUpUnleash();
  const launchDarkly = await setUpLaunchDarkly();
  const clients = [setUpTripwireClient(false), setUpTripwireClient(true)];
  const contenders = [
    ...clients,
    setUpTripwireCore(),
    setUpGrowthBook(),
    unleash,
    launchDarkly,
    await setUpOpenFeature(),
  ];
  for (const contender of contenders) await checkContender(contender);
  const groups: [string, (c: Contender) => Subject][] = [
    ['50/50 experiment', (c) => c.experiment],
    ['targeting rule (country in [NL, DE])', (c) => c.targeting],
  ];
  for (const [name, pick] of groups) register(name, contenders, pick);
  group('reference', () => {
    const prefix = createBucketingPrefix('exp', 0);
    bench('bucket only: murmur3 of "exp.0." + user id, mod 10000', function* () {
      let i = 0;
      yield () => do_not_optimize(computeBucket(prefix, USERS[i++ % 10_000]!));
    });
  });
  const { benchmarks } = await run({ format: 'mitata' });
  const rows: Row[] = [];
  // mitata lists trials in registration order: group by group, contender by contender.
  for (const [g, [groupName, pick]] of groups.entries()) {
    for (const [c, contender] of contenders.entries()) {
      const ns = benchmarks[g * contenders.length + c]?.runs[0]?.stats?.p50 ?? Number.NaN;
      const subject = pick(contender);
      const cpuNs = await measureCpuNsPerCall(subject);
      const bytes = await measureBytesPerCall(subject);
      rows.push({
        group: groupName,
        name: contender.name,
        ns,
        cpuNs,
        bytes,
        promises: await countPromisesPerCall(subject),
      });
    }
  }
  const load = loadavg()[0]!.toFixed(1);
  const cores = availableParallelism();
  console.log(
    `\nNode ${process.version}, ${new Date().toISOString()}, load average ${load} on ${cores} cores\n`,
  );
  console.log(formatSummary(rows));
  unleash.close();
  launchDarkly.close();
  await OpenFeature.close();
  await Promise.all(clients.map((c) => c.close()));
}

await main();
