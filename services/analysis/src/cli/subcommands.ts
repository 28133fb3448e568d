import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { AdminClient, CliIo } from '../control-plane/admin-client.js';
import { CliError, createAdminClient, runCli } from '../control-plane/admin-client.js';

/** An option table as `parseArgs` takes it. */
export type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** The parsed `--options` of a command whose option table is `O`. */
export type OptionValues<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true }>
>['values'];

/** What a subcommand handler gets: the API client, the options and its one positional. */
export interface Invocation<O extends ParseArgsOptionsConfig> {
  readonly client: AdminClient;
  readonly values: OptionValues<O>;
  /** The positional after the subcommand (a flag key, a metric id, a token id), if given. */
  readonly target: string | undefined;
  readonly io: CliIo;
}

/** A `tripwire <name> <subcommand> [target] [options]` command that talks to the admin API. */
export interface SubcommandTable<O extends ParseArgsOptionsConfig> {
  readonly name: string;
  readonly usage: string;
  /** Must include `connectionOptions` (`--url`, `--token`, `--json`, `--help`). */
  readonly options: O;
  readonly subcommands: Readonly<Record<string, (invocation: Invocation<O>) => Promise<void>>>;
}

/**
 * Parses `argv`, prints the usage for `--help` (exit 0) or no subcommand (exit 2), rejects an
 * unknown subcommand or extra positionals (exit 2, naming them), then runs the handler against
 * the admin API; errors become a message and an exit code as `runCli` decides.
 */
export function runSubcommands<O extends ParseArgsOptionsConfig>(
  table: SubcommandTable<O>,
  argv: string[],
  io: CliIo,
): Promise<number> {
  return runCli(table.name, io, async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      options: table.options,
      allowPositionals: true,
    });
    const [subcommand, target, ...extra] = positionals;
    // Every table spreads `connectionOptions`; the generic type cannot see those members.
    const connection = values as { help?: boolean; url?: string; token?: string };
    if (connection.help === true || subcommand === undefined) {
      (connection.help === true ? io.out : io.err).write(table.usage);
      return connection.help === true ? 0 : 2;
    }
    const handler = Object.hasOwn(table.subcommands, subcommand)
      ? table.subcommands[subcommand]
      : undefined;
    if (handler === undefined) {
      const known = Object.keys(table.subcommands).join(', ');
      throw new CliError(`unknown subcommand "${subcommand}"; one of ${known}`, 2);
    }
    if (extra.length > 0) throw new CliError(`unexpected arguments: ${extra.join(' ')}`, 2);
    const client = createAdminClient(connection, io.env);
    await handler({ client, values, target, io });
    return 0;
  });
}

/** Writes `value` as indented JSON (the `--json` output of every subcommand). */
export function printJson(io: CliIo, value: unknown): void {
  io.out.write(`${JSON.stringify(value, null, 2)}\n`);
}
