import type { CliIo } from '../control-plane/admin-client.js';
import {
  CliError,
  CONNECTION_USAGE,
  connectionOptions,
  formatTable,
} from '../control-plane/admin-client.js';
import type { TokenRecord } from '../control-plane/token-store.js';
import type { Command } from './commands.js';
import type { OptionValues, SubcommandTable } from './subcommands.js';
import { printJson, runSubcommands } from './subcommands.js';

const USAGE = `Usage: tripwire tokens <subcommand> [options]   (needs an admin token)

Subcommands:
  list                                           tokens and SDK keys (never their secrets)
  create --name <n> --role viewer|editor|admin [--projects a,b] [--environments x,y]
                                                 an API token; the secret is printed once
  create --name <n> --sdk --environment <env> [--project <p>]
                                                 an SDK key reading one environment
  revoke <id>                                    the token stops working at once

Options:
${CONNECTION_USAGE}`;

const options = {
  ...connectionOptions,
  name: { type: 'string' },
  role: { type: 'string' },
  projects: { type: 'string' },
  environments: { type: 'string' },
  sdk: { type: 'boolean', default: false },
  environment: { type: 'string' },
  project: { type: 'string' },
} as const;

/** `tripwire tokens …`: API tokens and SDK keys. */
export function runTokensCommand(argv: string[], io: CliIo): Promise<number> {
  return runSubcommands({ name: 'tokens', usage: USAGE, options, subcommands }, argv, io);
}

const subcommands: SubcommandTable<typeof options>['subcommands'] = {
  async list({ client, values, io }) {
    const { tokens } = await client.request<{ tokens: TokenRecord[] }>('GET', '/api/v1/tokens');
    if (values.json) printJson(io, { tokens });
    else io.out.write(formatTokens(tokens));
  },
  async create({ client, values, io }) {
    const created = await client.request<TokenRecord & { secret: string }>(
      'POST',
      '/api/v1/tokens',
      tokenRequest(values),
    );
    if (values.json) printJson(io, created);
    else
      io.out.write(
        `created ${created.kind === 'sdk' ? 'SDK key' : 'token'} ${created.id} (${created.name}); secret, shown once:\n\n  ${created.secret}\n\n`,
      );
  },
  async revoke({ client, values, target, io }) {
    if (target === undefined) throw new CliError('missing <id> (see `tripwire tokens list`)', 2);
    const revoked = await client.request<TokenRecord>(
      'DELETE',
      `/api/v1/tokens/${encodeURIComponent(target)}`,
    );
    if (values.json) printJson(io, revoked);
    else io.out.write(`revoked ${revoked.id} (${revoked.name})\n`);
  },
};

/** The `POST /api/v1/tokens` body of `tokens create`: an SDK key or an API token. */
function tokenRequest(values: OptionValues<typeof options>): Record<string, unknown> {
  if (values.name === undefined) throw new CliError('missing --name <name>', 2);
  const split = (text: string | undefined): string[] | undefined =>
    text?.split(',').filter(Boolean);
  if (values.sdk) {
    return {
      name: values.name,
      kind: 'sdk',
      environments: [values.environment ?? fail('an SDK key needs --environment <name>')],
      ...(values.project === undefined ? {} : { projects: [values.project] }),
    };
  }
  return {
    name: values.name,
    role: values.role ?? fail('an API token needs --role viewer|editor|admin'),
    ...(values.projects === undefined ? {} : { projects: split(values.projects) }),
    ...(values.environments === undefined ? {} : { environments: split(values.environments) }),
  };
}

function fail(message: string): never {
  throw new CliError(message, 2);
}

function formatTokens(tokens: TokenRecord[]): string {
  const rows = tokens.map((token) => [
    token.id,
    token.name,
    token.kind === 'sdk' ? 'sdk' : token.role,
    token.projects.join(','),
    token.environments.join(','),
    token.revoked ? 'revoked' : 'active',
    token.createdAt,
  ]);
  return formatTable(['ID', 'NAME', 'ROLE', 'PROJECTS', 'ENVIRONMENTS', 'STATUS', 'CREATED'], rows);
}

export const tokensCommand: Command = {
  summary: 'list, create and revoke API tokens and SDK keys',
  run: (argv) =>
    runTokensCommand(argv, { out: process.stdout, err: process.stderr, env: process.env }),
};
