import { demoCommand } from './demo.js';
import { resultsCommand } from './results.js';
import { serveCommand } from './serve.js';
import { flagsCommand } from './flags.js';
import { tokensCommand } from './tokens.js';
import { metricsCommand } from './metrics.js';
import { staleCommand } from './stale.js';
import { codeRefsCommand } from './code-refs.js';
import { calibrateCommand } from './calibrate.js';

export interface Command {
  summary: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

/** Every `tripwire` subcommand, one file each in this folder. */
export const commands: Record<string, Command> = {
  serve: serveCommand,
  flags: flagsCommand,
  tokens: tokensCommand,
  metrics: metricsCommand,
  stale: staleCommand,
  'code-refs': codeRefsCommand,
  results: resultsCommand,
  demo: demoCommand,
  calibrate: calibrateCommand,
};

export function printUsage(out: NodeJS.WritableStream): void {
  out.write('Usage: tripwire <command> [options]\n\nCommands:\n');
  for (const [name, command] of Object.entries(commands)) {
    out.write(`  ${name.padEnd(12)} ${command.summary}\n`);
  }
  out.write("\nRun `tripwire <command> --help` for a command's options.\n");
}
