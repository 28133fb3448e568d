import { readFileSync } from 'node:fs';
import type { Flag } from '@tripwire/schema';
import type { CliIo } from '../control-plane/admin-client.js';
import {
  CliError,
  CONNECTION_USAGE,
  connectionOptions,
  formatTable,
} from '../control-plane/admin-client.js';
import type { ChangelogEntry } from '../control-plane/changelog-repository.js';
import type { DocumentChange } from '../control-plane/document-diff.js';
import type { FlagResource } from '../control-plane/flag-resource.js';
import type { Command } from './commands.js';
import type {
  Invocation as SubcommandInvocation,
  OptionValues,
  SubcommandTable,
} from './subcommands.js';
import { printJson, runSubcommands } from './subcommands.js';

const USAGE = `Usage: tripwire flags <subcommand> [options]

Subcommands:
  list [--project <p>] [--archived]          flags with their per-environment state
  get <key>                                   one flag (JSON)
  create --file <flag.json|->                 create from a Flag document
  create <key> --owner <team> [--kind release] [--environments development,production]
                                              create a boolean flag, off everywhere
  set <key> --env <name> --on|--off           turn a flag on or off in one environment
  set <key> --file <flag.json|->              replace the document (at the current version)
  kill <key> --env <name> --reason <text>     serve the control (defaultVariant) to everyone
  restore <key> --env <name> --reason <text>  undo the kill
  archive <key>                               stop delivering the flag to SDKs
  rollback <key> --to <version>               a new version equal to an old one
  history <key>                               every version with actor, reason and changes

Options (all subcommands):
  --reason <text>  recorded in the changelog
  --project <p>    project of a new flag (default "default")
${CONNECTION_USAGE}`;

const options = {
  ...connectionOptions,
  project: { type: 'string' },
  archived: { type: 'boolean', default: false },
  file: { type: 'string' },
  owner: { type: 'string' },
  kind: { type: 'string', default: 'release' },
  environments: { type: 'string', default: 'development,staging,production' },
  env: { type: 'string' },
  on: { type: 'boolean', default: false },
  off: { type: 'boolean', default: false },
  reason: { type: 'string' },
  to: { type: 'string' },
} as const;
type Values = OptionValues<typeof options>;
type Invocation = SubcommandInvocation<typeof options>;

/** `tripwire flags …`: the flag admin API from the terminal. */
export function runFlagsCommand(argv: string[], io: CliIo): Promise<number> {
  return runSubcommands({ name: 'flags', usage: USAGE, options, subcommands }, argv, io);
}

const subcommands: SubcommandTable<typeof options>['subcommands'] = {
  async list({ client, values, io }) {
    const query = new URLSearchParams();
    if (values.project !== undefined) query.set('project', values.project);
    if (values.archived) query.set('archived', 'true');
    const body = await client.request<{ flags: FlagResource[] }>(
      'GET',
      `/api/v1/flags?${query.toString()}`,
    );
    if (values.json) return printJson(io, body);
    const rows = body.flags.map(({ flag, project, kills }) => [
      flag.key,
      project,
      flag.kind,
      String(flag.version),
      describeEnvironments(
        flag,
        kills.map((kill) => kill.environment),
      ),
      flag.metadata.owner,
    ]);
    io.out.write(formatTable(['KEY', 'PROJECT', 'KIND', 'VERSION', 'ENVIRONMENTS', 'OWNER'], rows));
  },
  async get({ client, target: key, io }) {
    printJson(io, await client.request('GET', flagPath(key)));
  },
  async create({ client, values, target: key, io }) {
    const flag = values.file !== undefined ? readFlagFile(values.file) : quickFlag(key, values);
    const body = {
      flag,
      ...optional('project', values.project),
      ...optional('reason', values.reason),
    };
    const created = await client.request<FlagResource>('POST', '/api/v1/flags', body);
    report(io, values, created, `created ${created.flag.key} (version ${created.flag.version})`);
  },
  async set({ client, values, target: key, io }) {
    const path = flagPath(key);
    if (values.file !== undefined) {
      const current = await client.request<FlagResource>('GET', path);
      const flag = readFlagFile(values.file);
      const body = {
        flag,
        expectedVersion: current.flag.version,
        ...optional('reason', values.reason),
      };
      const updated = await client.request<FlagResource>('PUT', path, body);
      return report(
        io,
        values,
        updated,
        `updated ${updated.flag.key} to version ${updated.flag.version}`,
      );
    }
    if (values.on === values.off)
      throw new CliError('give --file, or --env <name> with --on or --off', 2);
    const environment = requireOption(values.env, '--env <name>');
    const body = { enabled: values.on, ...optional('reason', values.reason) };
    const updated = await client.request<FlagResource>(
      'POST',
      `${path}/environments/${encodeURIComponent(environment)}`,
      body,
    );
    report(
      io,
      values,
      updated,
      `${updated.flag.key} is ${values.on ? 'on' : 'off'} in ${environment} (version ${updated.flag.version})`,
    );
  },
  kill: (invocation) => runKillOrRestore('kill', invocation),
  restore: (invocation) => runKillOrRestore('restore', invocation),
  async archive({ client, values, target: key, io }) {
    const updated = await client.request<FlagResource>('POST', `${flagPath(key)}/archive`, {
      archived: true,
      ...optional('reason', values.reason),
    });
    report(io, values, updated, `archived ${updated.flag.key} (version ${updated.flag.version})`);
  },
  async rollback({ client, values, target: key, io }) {
    const toVersion = Number(requireOption(values.to, '--to <version>'));
    if (!Number.isInteger(toVersion) || toVersion < 1)
      throw new CliError('--to must be a version number (>= 1)', 2);
    const current = await client.request<FlagResource>('GET', flagPath(key));
    const updated = await client.request<FlagResource>('POST', `${flagPath(key)}/rollback`, {
      toVersion,
      expectedVersion: current.flag.version,
      ...optional('reason', values.reason),
    });
    report(
      io,
      values,
      updated,
      `${updated.flag.key} rolled back to version ${toVersion} as version ${updated.flag.version}`,
    );
  },
  async history({ client, values, target: key, io }) {
    const body = await client.request<{ entries: (ChangelogEntry & { diff: DocumentChange[] })[] }>(
      'GET',
      `${flagPath(key)}/history`,
    );
    if (values.json) return printJson(io, body);
    const rows = body.entries.map((entry) => [
      String(entry.version),
      entry.createdAt,
      entry.action + (entry.environment === null ? '' : ` ${entry.environment}`),
      entry.actor,
      entry.reason,
      entry.action === 'create'
        ? ''
        : entry.diff
            .filter((change) => change.path !== '/version')
            .map((change) => change.path)
            .join(', '),
    ]);
    io.out.write(formatTable(['VERSION', 'TIME', 'ACTION', 'ACTOR', 'REASON', 'CHANGED'], rows));
  },
};

async function runKillOrRestore(
  action: 'kill' | 'restore',
  { client, values, target: key, io }: Invocation,
): Promise<void> {
  const environment = requireOption(values.env, '--env <name>');
  const reason = requireOption(values.reason, '--reason <text>');
  const updated = await client.request<FlagResource>('POST', `${flagPath(key)}/${action}`, {
    environment,
    reason,
  });
  const verb = action === 'kill' ? 'killed' : 'restored';
  report(
    io,
    values,
    updated,
    `${verb} ${updated.flag.key} in ${environment} (version ${updated.flag.version})`,
  );
}

function flagPath(key: string | undefined): string {
  return `/api/v1/flags/${encodeURIComponent(requireOption(key, '<key>'))}`;
}

function requireOption(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new CliError(`missing ${what} (see --help)`, 2);
  return value;
}

function optional<K extends string>(
  name: K,
  value: string | undefined,
): Partial<Record<K, string>> {
  return (value === undefined ? {} : { [name]: value }) as Partial<Record<K, string>>;
}

function readFlagFile(path: string): Flag {
  const text = readFileSync(path === '-' ? 0 : path, 'utf8');
  try {
    return JSON.parse(text) as Flag;
  } catch (cause) {
    throw new CliError(`${path} is not valid JSON: ${(cause as Error).message}`, 2);
  }
}

/** A boolean on/off flag, off in every listed environment, for `flags create <key>`. */
function quickFlag(key: string | undefined, values: Values): Flag {
  const owner = requireOption(values.owner, '--owner <team> (or --file)');
  const environments = values.environments.split(',').filter(Boolean);
  return {
    key: requireOption(key, '<key>'),
    kind: values.kind as Flag['kind'],
    type: 'boolean',
    variants: [
      { key: 'off', value: false },
      { key: 'on', value: true },
    ],
    defaultVariant: 'off',
    salt: key!,
    metadata: { owner, createdAt: new Date().toISOString() },
    environments: Object.fromEntries(
      environments.map((name) => [
        name,
        { enabled: false, rules: [], fallthrough: { variant: 'on' } },
      ]),
    ),
    version: 0,
  };
}

function describeEnvironments(flag: Flag, killed: string[]): string {
  return Object.entries(flag.environments)
    .map(
      ([name, state]) =>
        `${name}:${killed.includes(name) ? 'KILLED' : state.enabled ? 'on' : 'off'}`,
    )
    .join(' ');
}

function report(io: CliIo, values: Values, resource: FlagResource, message: string): void {
  if (values.json) printJson(io, resource);
  else io.out.write(`${message}\n`);
}

export const flagsCommand: Command = {
  summary: 'list, read, create, change, kill and restore flags; show their history',
  run: (argv) =>
    runFlagsCommand(argv, { out: process.stdout, err: process.stderr, env: process.env }),
};
