/**
 * Paired A/B of two SDK source trees in one process: what one change does to `client.assign`,
 * free of the machine state that moves separate runs of bench/exposure.bench.ts (README,
 * "Exposure cost"). Each tree gets its own tracer provider (its own `TripwireSpanProcessor`, a
 * `BatchSpanProcessor` that drops everything) and its own client; A and B alternate in
 * 1,000-call batches, order flipped every round, and the medians of B − A and B ÷ A are printed,
 * with each tree against its base (`core.evaluate` of the same pattern, or a bare span of its own
 * provider for first exposures). Run both orders (A B, then B A): the second client created in a
 * process can differ by a few ns.
 *
 * Run in packages/sdk: `npx tsx bench/exposure-ab.bench.ts <pattern> <dirA> <dirB> [rounds]`,
 * pattern `repeat` | `repeat8` | `stamp` | `known` | `new` (as in exposure.bench.ts), a dir being
 * a package directory with `src/index.ts`. For the sources of a commit:
 * `git archive <commit> packages/sdk | tar -x -C /tmp/before`, then
 * `ln -s "$PWD/../../node_modules" /tmp/before/node_modules` and pass `/tmp/before/packages/sdk`.
 * Use it for B − A: its ratios against the base are not the figures (exposure.bench.ts
 * defines those); in this process an attributed span costs more relative to a bare one, and
 * more as the run goes on (bench/README.md, "Exposure cost"). Both trees share one heap: garbage
 * collection caused by one side's allocations also lands in the other's batches, so B − A
 * understates a difference in what each side leaves to the collector.
 * A table, not a test: nothing here asserts timings.
 */
import type { Tracer } from '@opentelemetry/api';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ConfigSnapshot, EvaluationContext } from '@tripwire/schema';
import { resolve } from 'node:path';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import {
  contexts,
  createDroppingProvider,
  FLAGS,
  flagKeys,
  measurePaired,
  clientOptions,
  snapshot,
  UNITS,
} from './exposure-fixtures.js';

/** The part of a tree's `src/index.ts` this bench uses. */
interface SdkTree {
  createClient(options: object): {
    assign(flagKey: string, ctx: EvaluationContext, defaultValue: boolean): unknown;
    hashUnit(unitKey: string): string;
  };
  compileConfig(snapshot: ConfigSnapshot): {
    evaluate(flagKey: string, ctx: EvaluationContext, defaultValue: boolean): unknown;
  };
  TripwireSpanProcessor: new () => SpanProcessor;
}

const PATTERNS = ['repeat', 'repeat8', 'stamp', 'known', 'new'] as const;
type Pattern = (typeof PATTERNS)[number];
const [patternArg, dirA, dirB, roundsArg] = process.argv.slice(2);
const pattern = PATTERNS.find((p) => p === patternArg);
if (pattern === undefined || dirA === undefined || dirB === undefined) {
  console.error(
    `usage: tsx bench/exposure-ab.bench.ts <${PATTERNS.join('|')}> <dirA> <dirB> [rounds]`,
  );
  process.exit(2);
}
const rounds = Number(roundsArg ?? 401);
const loadTree = async (dir: string) =>
  (await import(pathToFileURL(resolve(dir, 'src/index.ts')).href)) as SdkTree;
const [treeA, treeB] = [await loadTree(dirA), await loadTree(dirB)];

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const createTracer = (tree: SdkTree): Tracer =>
  createDroppingProvider(new tree.TripwireSpanProcessor()).getTracer('bench');

/** One `client.assign` call of the pattern per invocation, on a client of `tree`. */
function createCase(tree: SdkTree, tracer: Tracer): () => unknown {
  const client = tree.createClient({ ...clientOptions, tracer });
  if (pattern === 'new') {
    let fresh = 0;
    return () => client.assign('exp', { targetingKey: `fresh-${(fresh += 1)}` }, false);
  }
  if (pattern === 'known') {
    for (const ctx of contexts) client.hashUnit(ctx.targetingKey);
    let pair = 0;
    return () => {
      pair += 1;
      return client.assign(
        flagKeys[Math.floor(pair / UNITS) % FLAGS]!,
        contexts[pair % UNITS]!,
        false,
      );
    };
  }
  for (const ctx of contexts) client.assign('exp', ctx, false);
  for (const ctx of contexts)
    for (let f = 0; f < 8; f += 1) client.assign(flagKeys[f]!, ctx, false);
  return createRepeat((flagKey, ctx) => client.assign(flagKey, ctx, false), tracer);
}

/** The repeat patterns over any evaluation function (the client's or the core's). */
function createRepeat(
  evaluate: (flagKey: string, ctx: EvaluationContext) => unknown,
  tracer: Tracer,
): () => unknown {
  let call = 0;
  if (pattern === 'repeat8') {
    return () => {
      call += 1;
      return evaluate(flagKeys[call % 8]!, contexts[Math.floor(call / 8) % UNITS]!);
    };
  }
  const next = () => contexts[(call = (call + 1) % UNITS)]!;
  if (pattern === 'repeat') return () => evaluate('exp', next());
  const inRequest = trace.setSpan(ROOT_CONTEXT, tracer.startSpan('GET /bench', {}, ROOT_CONTEXT));
  return () => context.with(inRequest, () => evaluate('exp', next()));
}

/** B − A and B ÷ A, paired over the command line's rounds. */
function comparePaired(a: () => unknown, b: () => unknown): string {
  const { diff, ratio } = measurePaired(a, b, rounds);
  return `${diff.toFixed(0)} ns, ${ratio.toFixed(3)} ×`;
}

const [tracerA, tracerB] = [createTracer(treeA), createTracer(treeB)];
const [caseA, caseB] = [createCase(treeA, tracerA), createCase(treeB, tracerB)];
const spans = pattern === 'known' || pattern === 'new';
const core = treeA.compileConfig(snapshot);
const baseOf = (tracer: Tracer): (() => unknown) =>
  spans
    ? () => tracer.startSpan('bare').end()
    : createRepeat((flagKey, ctx) => core.evaluate(flagKey, ctx, false), tracer);
const rows: [string, string][] = [
  ['B − A, B ÷ A', comparePaired(caseA, caseB)],
  [`A − base, A ÷ base`, comparePaired(baseOf(tracerA), caseA)],
  [`B − base, B ÷ base`, comparePaired(baseOf(tracerB), caseB)],
];
const base = spans ? 'one bare span of its own provider' : 'core.evaluate of the same pattern';
console.log(
  `pattern ${pattern satisfies Pattern}, ${rounds} rounds, base = ${base}, load average ${loadavg()[0]?.toFixed(1)}`,
);
console.log(`A = ${dirA}\nB = ${dirB}\n| comparison | paired median |\n|---|---|`);
for (const [what, value] of rows) console.log(`| ${what} | ${value} |`);
process.exit(0);
