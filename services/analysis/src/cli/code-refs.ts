import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { Flag } from '@tripwire/schema';
import type { CliIo } from '../control-plane/admin-client.js';
import {
  CliError,
  CONNECTION_USAGE,
  connectionOptions,
  createAdminClient,
  formatTable,
  runCli,
} from '../control-plane/admin-client.js';
import { findCodeReferences } from '../control-plane/code-references.js';
import type { FlagResource } from '../control-plane/flag-resource.js';
import type { Command } from './commands.js';

const USAGE = `Usage: tripwire code-refs <dir> [options]

Finds flag keys in a source tree (file and line), flags evaluated in code that do not exist
(or are archived), and flags no file mentions.

Options:
  --flags-file <file>  read flags from a file (a config snapshot or a list of flags) instead of the API
  --check              exit 1 when code references an unknown or archived flag (for CI)
${CONNECTION_USAGE}`;

const SOURCE_EXTENSIONS = new Set(
  '.ts .tsx .js .jsx .mjs .cjs .mts .cts .vue .svelte .py .go .java .kt .rb .cs .php .swift .rs .scala .yaml .yml .json'.split(
    ' ',
  ),
);
const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  'dist',
  'build',
  'coverage',
  '.tripwire-data',
  '.next',
  'vendor',
]);
const MAX_FILE_BYTES = 1024 * 1024;

/** `tripwire code-refs <dir>`. */
export async function runCodeRefsCommand(argv: string[], io: CliIo): Promise<number> {
  return runCli('code-refs', io, async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...connectionOptions,
        'flags-file': { type: 'string' },
        check: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      io.out.write(USAGE);
      return 0;
    }
    const [dir] = positionals;
    if (dir === undefined || positionals.length > 1)
      throw new CliError(`expected one directory\n\n${USAGE}`, 2);
    const flags =
      values['flags-file'] !== undefined
        ? readFlagsFile(values['flags-file'])
        : await fetchFlags(values, io.env);
    const report = findCodeReferences({
      files: listSourceFiles(dir).map((path) => ({
        path: relative(dir, path),
        text: readFileSync(path, 'utf8'),
      })),
      activeKeys: new Set(flags.filter((flag) => flag.archived !== true).map((flag) => flag.key)),
      archivedKeys: new Set(flags.filter((flag) => flag.archived === true).map((flag) => flag.key)),
    });
    const problems = report.references.filter((reference) => reference.status !== 'active');
    if (values.json) io.out.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      const rows = report.references.map((r) => [
        r.key,
        `${r.file}:${r.line}:${r.column}`,
        r.status,
      ]);
      io.out.write(formatTable(['FLAG', 'LOCATION', 'STATUS'], rows));
      if (report.unreferenced.length > 0)
        io.out.write(`\nflags no file mentions: ${report.unreferenced.join(', ')}\n`);
      if (problems.length > 0)
        io.out.write(`\n${problems.length} reference(s) to unknown or archived flags\n`);
    }
    return values.check && problems.length > 0 ? 1 : 0;
  });
}

async function fetchFlags(
  values: { url?: string; token?: string },
  env: NodeJS.ProcessEnv,
): Promise<Flag[]> {
  const client = createAdminClient(values, env);
  const body = await client.request<{ flags: FlagResource[] }>(
    'GET',
    '/api/v1/flags?archived=true',
  );
  return body.flags.map((resource) => resource.flag);
}

function readFlagsFile(path: string): Flag[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new CliError(`cannot read ${path}: ${(cause as Error).message}`, 2);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { flags?: unknown }).flags;
  if (!Array.isArray(list))
    throw new CliError(`${path}: expected a config snapshot or an array of flags`, 2);
  return list.map((item: unknown) => ((item as { flag?: Flag }).flag ?? item) as Flag);
}

/** Source files under `dir`, skipping dependency and build folders and files over 1 MiB. */
export function listSourceFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (cause) {
    throw new CliError(`cannot read directory ${dir}: ${(cause as Error).message}`, 2);
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : listSourceFiles(path);
    if (!entry.isFile() || !SOURCE_EXTENSIONS.has(extname(entry.name))) return [];
    return statSync(path).size <= MAX_FILE_BYTES ? [path] : [];
  });
}

export const codeRefsCommand: Command = {
  summary: 'find flag keys in a source tree (file:line) and flags in code that no longer exist',
  run: (argv) =>
    runCodeRefsCommand(argv, { out: process.stdout, err: process.stderr, env: process.env }),
};
