/**
 * The repeat exposure in a lean process: one client and the core, nothing else in the heap, so
 * the figure is free of the other clients' state that exposure.bench.ts holds (README, "History").
 * Prints the paired medians of `client.assign` − `core.evaluate` for another unit every call and
 * for 8 flags per unit in a row, as exposure.bench.ts defines them. `FRESH=1` passes a context
 * with a key string built for each call (a host parsing the unit from each request) instead of
 * the same string objects.
 * Run in packages/sdk: `taskset -c 1 npx tsx bench/repeat-lean.bench.ts [packageDir]` (default
 * `.`; a tree from `git archive` as in exposure-ab.bench.ts, to compare code in separate
 * processes). ROUNDS=<n> sets the rounds (801). A table, not a test: nothing here asserts timings.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sdk from '../src/index.js';
import {
  contexts,
  createDroppingProvider,
  flagKeys,
  measurePaired,
  clientOptions,
  snapshot,
  UNITS,
} from './exposure-fixtures.js';

const dir = process.argv[2] ?? '.';
const sdk = (await import(pathToFileURL(resolve(dir, 'src/index.ts')).href)) as typeof Sdk;
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracer = createDroppingProvider(new sdk.TripwireSpanProcessor()).getTracer('bench');
const client = sdk.createClient({ ...clientOptions, tracer });
const core = sdk.compileConfig(snapshot);
for (const ctx of contexts) client.assign('exp', ctx, false);
for (const ctx of contexts) for (let f = 0; f < 8; f += 1) client.assign(flagKeys[f]!, ctx, false);

const ctxOf =
  process.env.FRESH === '1'
    ? (unit: number) => ({ targetingKey: `user-${unit}` })
    : (unit: number) => contexts[unit]!;
let unit = 0;
const next = () => ctxOf((unit = (unit + 1) % UNITS));
let call = 0;
const nextInRequest = (): [string, { targetingKey: string }] => {
  call += 1;
  return [flagKeys[call % 8]!, ctxOf(Math.floor(call / 8) % UNITS)];
};
const rounds = Number(process.env.ROUNDS ?? 801);
const rotating = measurePaired(
  () => core.evaluate('exp', next(), false),
  () => client.assign('exp', next(), false),
  rounds,
);
const perUnit = measurePaired(
  () => core.evaluate(...nextInRequest(), false),
  () => client.assign(...nextInRequest(), false),
  rounds,
);
console.log(
  `${dir}${process.env.FRESH === '1' ? ' (fresh key strings)' : ''}: load ${loadavg()[0]!.toFixed(1)}, ` +
    `repeat on top of evaluation +${rotating.diff.toFixed(1)} ns rotating, ` +
    `+${perUnit.diff.toFixed(1)} ns with 8 flags per unit`,
);
await client.close();
