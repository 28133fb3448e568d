import { parseArgs } from 'node:util';
import type { Flag, Guardrail } from '@tripwire/schema';
import { loadConfig, settings } from '../config.js';
import { createRng } from '../create-rng.js';
import { createChangelogRepository } from '../control-plane/changelog-repository.js';
import type { CalibrationResult } from '../guardian/calibrate-guardrail.js';
import { calibrateStoredGuardrail } from '../guardian/calibrate-stored-guardrail.js';
import { defaultGuardrails } from '../guardian/default-guardrails.js';
import { evaluateGuardrail } from '../guardian/evaluate-guardrail.js';
import { openClickHouse } from '../storage/clickhouse.js';
import type { Command } from './commands.js';

const OWN_OPTIONS = {
  guardrail: { type: 'string' },
  permutations: { type: 'string', default: '100' },
  effect: { type: 'string', default: '0.2' },
  seed: { type: 'string', default: '1' },
  help: { type: 'boolean', default: false },
} as const;

const USAGE = `Usage: tripwire calibrate <flag> [--guardrail <id>] [--permutations 100] [--effect 0.2]
                          [--seed 1] [--guardian-target-units N] [storage settings]

Replays the flag's stored telemetry through each guardrail (or one) as an A/A test: units are
split 50/50 at random (labels permuted), looks happen once per stored minute. Reports the share
of permutations that would have been killed (the empirical false-kill rate) and, with --effect
(relative harm) injected into one half, how many minutes detection takes. A guardrail on a
catalog metric with CUPED replays the guardian's CUPED-adjusted decisions (column "cuped"). With the embedded
engine, stop the service first (one process per data directory) or use CLICKHOUSE_URL.
`;

export const calibrateCommand: Command = {
  summary: 'replay stored telemetry as A/A: empirical false-kill rate and time to detect',
  async run(argv) {
    const own = splitArguments(argv);
    const { values, positionals } = parseArgs({
      args: own.mine,
      options: OWN_OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    const flagKey = positionals[0];
    if (values.help || flagKey === undefined) {
      process.stdout.write(USAGE);
      return values.help ? 0 : 2;
    }
    const permutations = readNumber(values.permutations, '--permutations', {
      min: 1,
      integer: true,
    });
    const effect = readNumber(values.effect, '--effect', { min: 0, integer: false });
    const config = loadConfig(own.settings);
    const client = await openClickHouse(config.clickhouse);
    try {
      const history = await createChangelogRepository(client, config.tables).readHistory(
        'flag',
        flagKey,
      );
      const flag = history.at(-1)?.document as Flag | undefined;
      if (flag === undefined) throw new Error(`flag "${flagKey}" does not exist`);
      const own = flag.guardrails ?? [];
      const all = own.length > 0 ? own : defaultGuardrails();
      const chosen =
        values.guardrail === undefined ? all : all.filter((g) => g.id === values.guardrail);
      if (chosen.length === 0)
        throw new Error(
          `flag "${flagKey}" has no guardrail "${values.guardrail}" (it has: ${all.map((g) => g.id).join(', ')})`,
        );
      const random = createRng(readNumber(values.seed, '--seed', { min: 0, integer: true }));
      process.stdout.write(
        `calibrating "${flagKey}": ${permutations} permutations, injected effect ${(effect * 100).toFixed(1)}%\n\n`,
      );
      process.stdout.write(formatHeader());
      for (const guardrail of chosen) {
        const result = await calibrateStoredGuardrail(client, config.tables, {
          flagKey,
          guardrail,
          run: {
            permutations,
            effect,
            random,
            decide: (input) =>
              evaluateGuardrail({ ...input, targetUnits: config.guardianTargetUnits }),
          },
        });
        process.stdout.write(formatRow(guardrail, result));
      }
      return 0;
    } finally {
      await client.close();
    }
  },
};

/** Separates this command's options from the service settings (`--data-dir`, …) loadConfig reads. */
function splitArguments(argv: readonly string[]): { mine: string[]; settings: string[] } {
  const mine: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0]! : '';
    const takesValue = !arg.includes('=') && name in settings;
    if (name in settings) {
      rest.push(arg);
      if (takesValue && argv[i + 1] !== undefined) rest.push(argv[++i]!);
    } else {
      mine.push(arg);
    }
  }
  return { mine, settings: rest };
}

function readNumber(text: string, name: string, rule: { min: number; integer: boolean }): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < rule.min || (rule.integer && !Number.isInteger(value))) {
    throw new Error(
      `${name} must be ${rule.integer ? 'an integer' : 'a number'} >= ${rule.min}, got "${text}"`,
    );
  }
  return value;
}

function formatHeader(): string {
  return `${'guardrail'.padEnd(24)} ${'metric'.padEnd(12)} ${'units'.padStart(7)} ${'looks'.padStart(6)} ${'false kills'.padStart(12)} ${'rate'.padStart(7)} ${'alpha'.padStart(6)} ${'detected'.padStart(9)} ${'median min'.padStart(11)} cuped\n`;
}

/**
 * Whether the replays decided on CUPED-adjusted estimates: "off" (no CUPED on the metric),
 * "−48% variance" when every permutation's last look was adjusted, else how many were and why not.
 */
function formatCuped(cuped: CalibrationResult['cuped'], permutations: number): string {
  if (cuped === null) return 'off';
  const reduction =
    cuped.medianVarianceReduction === null
      ? ''
      : ` −${(cuped.medianVarianceReduction * 100).toFixed(0)}% variance`;
  if (cuped.applied === permutations) return `applied${reduction}`;
  const reasons = Object.entries(cuped.notApplied).map(([status, n]) => `${status} ${n}`);
  return `applied ${cuped.applied}/${permutations}${reduction} (not: ${reasons.join(', ')})`;
}

function formatRow(guardrail: Guardrail, result: CalibrationResult): string {
  return `${guardrail.id.padEnd(24)} ${guardrail.metric.padEnd(12)} ${String(result.units).padStart(7)} ${String(result.looks).padStart(6)} ${`${result.falseKills}/${result.permutations}`.padStart(12)} ${(result.falseKillRate * 100).toFixed(1).padStart(6)}% ${String(guardrail.alpha ?? 0.05).padStart(6)} ${`${(result.detectedShare * 100).toFixed(0)}%`.padStart(9)} ${String(result.medianDetectionMinutes ?? '-').padStart(11)} ${formatCuped(result.cuped, result.permutations)}\n`;
}
