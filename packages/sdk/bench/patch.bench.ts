// Per-patch apply cost (`npx tsx bench/patch.bench.ts [flags]`): the old path (validate the whole
// snapshot + compile every flag) vs ConfigStore.patch (checks and compiles only what the patch
// touches), the first patches of a fresh process, the cost of each step of ConfigStore.patch, and
// (with `npx tsx --expose-gc --min-semi-space-size=64 bench/patch.bench.ts`) bytes allocated per patch.
import {
  applyConfigPatch,
  validateConfigPatch,
  validateConfigSnapshot,
  type ConfigSnapshot,
  type Flag,
  type Segment,
} from '@tripwire/schema';
import { ConfigStore, diffFlagVersions } from '../src/config-store.js';
import {
  compileConfig,
  compileConfigUpdate,
  ConfigReferences,
  type CompiledConfig,
} from '../src/evaluation/index.js';

const FLAGS = Number(process.argv[2] ?? 50);
const metadata = { owner: 'team', createdAt: '2026-01-01T00:00:00Z' };
const segments: Segment[] = Array.from({ length: 5 }, (_, i) => ({
  key: `seg-${i}`,
  included: Array.from({ length: 20 }, (_, j) => `user-${i}-${j}`),
  excluded: [],
  when: { attribute: 'country', op: 'in', values: ['NL', 'DE', 'FR', `X${i}`] },
  version: 1,
}));
function makeFlag(i: number, enabled = true, version = 1): Flag {
  return {
    key: `flag-${i}`,
    kind: 'experiment',
    type: 'string',
    variants: [
      { key: 'control', value: 'a' },
      { key: 'treatment', value: 'b' },
    ],
    defaultVariant: 'control',
    salt: `flag-${i}`,
    metadata,
    environments: {
      production: {
        enabled,
        rules: [
          { id: 'seg', when: { segment: `seg-${i % 5}` }, serve: { variant: 'treatment' } },
          {
            id: 'app',
            when: {
              all: [
                { attribute: 'appVersion', op: 'semver_gte', values: ['2.1.0'] },
                { attribute: 'email', op: 'ends_with', values: ['@example.com'] },
              ],
            },
            serve: { variant: 'treatment' },
          },
        ],
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
    version,
  };
}
const base: ConfigSnapshot = {
  schemaVersion: 1,
  environment: 'production',
  version: 1,
  generatedAt: '2026-11-25T12:00:00.000Z',
  flags: Array.from({ length: FLAGS }, (_, i) => makeFlag(i)),
  segments,
};
if (!validateConfigSnapshot(base).ok) throw new Error('bad base');
const killPatch = (version: number) => ({
  version,
  flags: [makeFlag(7, version % 2 === 0, version)],
  segments: [],
  removedFlags: [],
});

function median(run: () => void, n: number): number {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)]!;
}

const createStore = () => {
  const store = new ConfigStore<CompiledConfig>({
    environment: 'production',
    buildEngine: (snapshot, update) =>
      update === undefined
        ? compileConfig(snapshot)
        : compileConfigUpdate(update.previous, snapshot, update.recompile),
    onChange: () => {},
    onProblem: (p) => {
      throw new Error(p.message);
    },
    onRecover: () => {},
  });
  store.put(base, 'stream');
  return store;
};

// Cold: the first patches of this process, before any of the patch code is optimised.
const coldStore = createStore();
const cold = Array.from({ length: 20 }, (_, i) => {
  const raw: unknown = JSON.parse(JSON.stringify(killPatch(i + 2)));
  const t = performance.now();
  if (!coldStore.patch(raw, 'stream')) throw new Error('rejected');
  return performance.now() - t;
});

// Before: what ConfigStore.patch did (validate the patch and the whole patched snapshot, compile all).
let oldSnapshot = base;
let oldVersion = 1;
const before = median(() => {
  const raw: unknown = JSON.parse(JSON.stringify(killPatch(++oldVersion)));
  const patch = validateConfigPatch(raw);
  if (!patch.ok) throw new Error('bad patch');
  const next = validateConfigSnapshot(applyConfigPatch(oldSnapshot, patch.value));
  if (!next.ok) throw new Error('bad next');
  compileConfig(next.value);
  diffFlagVersions(oldSnapshot, next.value);
  oldSnapshot = next.value;
}, 2000);

const store = createStore();
let newVersion = 1;
const after = median(() => {
  const raw: unknown = JSON.parse(JSON.stringify(killPatch(++newVersion)));
  if (!store.patch(raw, 'stream')) throw new Error('rejected');
}, 2000);
const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;

// The steps of ConfigStore.patch, each timed on its own (median over 2,000 patches).
const steps = { validateConfigPatch: [0], reviewPatch: [0], applyConfigPatch: [0], compile: [0] };
let stepSnapshot = base;
let stepReferences = ConfigReferences.fromSnapshot(base);
let stepEngine = compileConfig(base);
for (let i = 0; i < 2000; i++) {
  const raw: unknown = JSON.parse(JSON.stringify(killPatch(i + 2)));
  let t = performance.now();
  const checked = validateConfigPatch(raw);
  if (!checked.ok) throw new Error('bad patch');
  steps.validateConfigPatch.push(performance.now() - t);
  t = performance.now();
  const review = stepReferences.reviewPatch(checked.value);
  steps.reviewPatch.push(performance.now() - t);
  t = performance.now();
  const next = applyConfigPatch(stepSnapshot, checked.value);
  steps.applyConfigPatch.push(performance.now() - t);
  t = performance.now();
  stepEngine = compileConfigUpdate(stepEngine, next, review.recompile);
  steps.compile.push(performance.now() - t);
  stepSnapshot = next;
  stepReferences = review.references;
}
const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Bytes allocated per ConfigStore.patch (event pre-parsed): median heap growth over batches of
// 10 patches. Run with a young generation large enough that no scavenge runs inside a batch
// (`--min-semi-space-size=64`), else the figure is low.
function measureAllocation(): number | undefined {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) return undefined;
  const batch = 10;
  let version = 1_000_000;
  const growths: number[] = [];
  for (let round = 0; round < 40; round++) {
    const raws = Array.from(
      { length: batch },
      () => JSON.parse(JSON.stringify(killPatch(++version))) as unknown,
    );
    collect();
    const start = process.memoryUsage().heapUsed;
    for (const raw of raws) store.patch(raw, 'stream');
    const grown = process.memoryUsage().heapUsed - start;
    growths.push(grown / batch);
  }
  return medianOf(growths);
}
const bytes = measureAllocation();

console.log(`flags=${FLAGS}`);
console.log(`| measure | µs |`);
console.log(`| --- | ---: |`);
console.log(`| old path (validate snapshot + compile all), median | ${us(before)} |`);
console.log(`| ConfigStore.patch warm, median | ${us(after)} |`);
console.log(`| ConfigStore.patch cold, first patch | ${us(cold[0]!)} |`);
console.log(`| ConfigStore.patch cold, median of first 20 | ${us(medianOf(cold))} |`);
for (const [name, times] of Object.entries(steps))
  console.log(`| step ${name}, median | ${us(medianOf(times.slice(1)))} |`);
console.log(
  `| bytes allocated per ConfigStore.patch | ${bytes === undefined ? 'run with --expose-gc' : `${Math.round(bytes)} B`} |`,
);
