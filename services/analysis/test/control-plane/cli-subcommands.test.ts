import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runFlagsCommand } from '../../src/cli/flags.js';
import { runMetricsCommand } from '../../src/cli/metrics.js';
import { runTokensCommand } from '../../src/cli/tokens.js';
import type { CliIo } from '../../src/control-plane/admin-client.js';

/** Usage errors are decided before any request: no server needed (nothing listens on :9). */
async function run(
  runner: (argv: string[], io: CliIo) => Promise<number>,
  argv: string[],
  env: NodeJS.ProcessEnv = { TRIPWIRE_URL: 'http://127.0.0.1:9', TRIPWIRE_TOKEN: 't' },
) {
  const out = new PassThrough();
  const err = new PassThrough();
  const text = { out: '', err: '' };
  out.on('data', (chunk: Buffer) => (text.out += chunk.toString()));
  err.on('data', (chunk: Buffer) => (text.err += chunk.toString()));
  const code = await runner(argv, { out, err, env });
  return { code, ...text };
}

const commands = [
  { name: 'flags', runner: runFlagsCommand, known: 'list, get, create, set, kill, restore' },
  { name: 'metrics', runner: runMetricsCommand, known: 'list, get, create, set, history' },
  { name: 'tokens', runner: runTokensCommand, known: 'list, create, revoke' },
];

describe.each(commands)('tripwire $name: one subcommand dispatcher', ({ name, runner, known }) => {
  it('prints its usage on --help (exit 0) and without a subcommand (exit 2, on stderr)', async () => {
    const help = await run(runner, ['--help']);
    expect(help).toMatchObject({ code: 0, err: '' });
    expect(help.out).toContain(`Usage: tripwire ${name} <subcommand>`);
    const bare = await run(runner, []);
    expect(bare).toMatchObject({ code: 2, out: '' });
    expect(bare.err).toContain(`Usage: tripwire ${name} <subcommand>`);
  });

  it('names an unknown subcommand and the known ones (exit 2)', async () => {
    const result = await run(runner, ['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`tripwire ${name}: unknown subcommand "frobnicate"; one of`);
    expect(result.err).toContain(known);
  });

  it('does not treat an inherited property name as a subcommand', async () => {
    const result = await run(runner, ['toString']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('unknown subcommand "toString"');
  });

  it('rejects positionals past the target (exit 2) instead of ignoring them', async () => {
    const result = await run(runner, ['list', 'a', 'b', 'c']);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`tripwire ${name}: unexpected arguments: b c`);
  });

  it('says how to pass a token when there is none (exit 2)', async () => {
    const result = await run(runner, ['list'], { TRIPWIRE_URL: 'http://127.0.0.1:9' });
    expect(result.code).toBe(2);
    expect(result.err).toContain('no token: pass --token <token> or set TRIPWIRE_TOKEN');
  });
});
