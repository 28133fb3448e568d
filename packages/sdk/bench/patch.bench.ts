// Per-patch apply cost (`npx tsx bench/patch.bench.ts [flags]`): the old path (validate the whole
// snapshot + compile every flag) vs ConfigStore.patch (checks and compiles only what the patch touches).
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
let newVersion = 1;
const after = median(() => {
  const raw: unknown = JSON.parse(JSON.stringify(killPatch(++newVersion)));
  if (!store.patch(raw, 'stream')) throw new Error('rejected');
}, 2000);
console.log(
  `flags=${FLAGS} median per-patch apply (incl. JSON.parse of the event): before ${(before * 1000).toFixed(0)} µs, after ${(after * 1000).toFixed(0)} µs`,
);
