import { commands, printUsage } from './cli/commands.js';

/** Entry point of the `tripwire` command: returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    printUsage(process.stdout);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`tripwire: unknown command "${name}"\n\n`);
    printUsage(process.stderr);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    process.stderr.write(`tripwire ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}
