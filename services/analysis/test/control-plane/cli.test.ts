/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- JSON output is checked by the assertions that read it */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCodeRefsCommand } from '../../src/cli/code-refs.js';
import { runFlagsCommand } from '../../src/cli/flags.js';
import { runStaleCommand } from '../../src/cli/stale.js';
import { runTokensCommand } from '../../src/cli/tokens.js';
import { bootstrapAdminToken } from '../../src/control-plane/control-plane.js';
import type { Harness } from './control-plane-harness.js';
import {
  ADMIN_TOKEN,
  HOOK_TIMEOUT_MS,
  call,
  makeFlag,
  startHarness,
} from './control-plane-harness.js';

let harness: Harness;
let sourceDir: string;
beforeAll(async () => {
  harness = await startHarness();
  sourceDir = mkdtempSync(join(tmpdir(), 'tripwire-src-'));
}, HOOK_TIMEOUT_MS);
afterAll(async () => {
  await harness?.close();
  rmSync(sourceDir, { recursive: true, force: true });
}, HOOK_TIMEOUT_MS);

type Runner = (
  argv: string[],
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
) => Promise<number>;

async function run(runner: Runner, argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (chunk: Buffer) => (chunks.out += chunk.toString()));
  err.on('data', (chunk: Buffer) => (chunks.err += chunk.toString()));
  const code = await runner(argv, {
    out,
    err,
    env: { TRIPWIRE_URL: harness.url, TRIPWIRE_TOKEN: ADMIN_TOKEN, ...env },
  });
  return { code, ...chunks };
}

describe('tripwire flags', () => {
  it('creates, lists, kills, restores and shows the history of a flag', async () => {
    const created = await run(runFlagsCommand, [
      'create',
      'cli.flag',
      '--owner',
      'team-a',
      '--environments',
      'staging,production',
    ]);
    expect(created).toMatchObject({ code: 0, out: 'created cli.flag (version 1)\n' });
    expect(
      (await run(runFlagsCommand, ['set', 'cli.flag', '--env', 'production', '--on'])).code,
    ).toBe(0);
    const killed = await run(runFlagsCommand, [
      'kill',
      'cli.flag',
      '--env',
      'production',
      '--reason',
      'errors up',
    ]);
    expect(killed.out).toBe('killed cli.flag in production (version 3)\n');
    const list = await run(runFlagsCommand, ['list']);
    expect(list.out).toMatch(
      /cli\.flag\s+default\s+release\s+3\s+staging:off production:KILLED\s+team-a/,
    );
    await run(runFlagsCommand, ['restore', 'cli.flag', '--env', 'production', '--reason', 'fixed']);
    const history = await run(runFlagsCommand, ['history', 'cli.flag', '--json']);
    expect(
      JSON.parse(history.out).entries.map((entry: { action: string }) => entry.action),
    ).toEqual(['create', 'enable', 'kill', 'restore']);
    const table = await run(runFlagsCommand, ['history', 'cli.flag']);
    expect(table.out).toContain('errors up');
    expect(table.out).toContain('/environments/production/enabled');
  });

  it('replaces a document from a file at the current version', async () => {
    const path = join(sourceDir, 'flag.json');
    writeFileSync(
      path,
      JSON.stringify({
        ...makeFlag('cli.flag', ['staging']),
        metadata: { owner: 'team-b', createdAt: '2026-01-01T00:00:00.000Z' },
      }),
    );
    const updated = await run(runFlagsCommand, ['set', 'cli.flag', '--file', path, '--json']);
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.out).flag).toMatchObject({
      version: 5,
      metadata: { owner: 'team-b' },
    });
  });

  it('explains API errors, missing tokens and usage errors', async () => {
    const missing = await run(runFlagsCommand, [
      'kill',
      'no.such',
      '--env',
      'production',
      '--reason',
      'r',
    ]);
    expect(missing).toMatchObject({ code: 1, out: '' });
    expect(missing.err).toContain('404 TRIPWIRE_ERR_NOT_FOUND: no flag "no.such"');
    const noToken = await run(runFlagsCommand, ['list'], { TRIPWIRE_TOKEN: '' });
    expect(noToken.code).toBe(2);
    expect(noToken.err).toContain('TRIPWIRE_TOKEN');
    const badToken = await run(runFlagsCommand, ['list'], { TRIPWIRE_TOKEN: 'twk_wrong' });
    expect(badToken.err).toContain('401');
    const usage = await run(runFlagsCommand, ['kill', 'cli.flag', '--env', 'production']);
    expect(usage).toMatchObject({ code: 2 });
    expect(usage.err).toContain('--reason');
    const unreachable = await run(runFlagsCommand, ['list'], {
      TRIPWIRE_URL: 'http://127.0.0.1:1',
    });
    expect(unreachable.err).toContain('cannot reach http://127.0.0.1:1');
  });
});

describe('tripwire tokens', () => {
  it('creates an SDK key that reads config, lists it, and revokes it', async () => {
    const created = await run(runTokensCommand, [
      'create',
      '--name',
      'web',
      '--sdk',
      '--environment',
      'staging',
      '--json',
    ]);
    const { id, secret } = JSON.parse(created.out);
    expect((await call(harness, 'GET', '/sdk/v1/config', { token: secret })).status).toBe(200);
    const list = await run(runTokensCommand, ['list']);
    expect(list.out).toMatch(new RegExp(`${id}\\s+web\\s+sdk\\s+default\\s+staging\\s+active`));
    expect(list.out).not.toContain(secret);
    expect((await run(runTokensCommand, ['revoke', id])).out).toBe(`revoked ${id} (web)\n`);
    expect((await call(harness, 'GET', '/sdk/v1/config', { token: secret })).status).toBe(401);
  });
});

describe('tripwire stale and code-refs', () => {
  it('reports never-exposed flags as stale (as JSON for scripts)', async () => {
    const stale = await run(runStaleCommand, ['--json', '--unused-days', '1']);
    expect(stale.code).toBe(0);
    expect(JSON.parse(stale.out).policy.unusedDays).toBe(1);
  });

  it('finds flag keys in a source tree and fails --check on flags that no longer exist', async () => {
    mkdirSync(join(sourceDir, 'src'));
    mkdirSync(join(sourceDir, 'node_modules'));
    writeFileSync(
      join(sourceDir, 'src', 'app.ts'),
      "if (client.getBooleanValue('cli.flag', false, ctx)) {}\nclient.getBooleanValue('gone.flag', false, ctx);\n",
    );
    writeFileSync(join(sourceDir, 'node_modules', 'dep.js'), "getBooleanValue('ignored.flag')\n");
    const result = await run(runCodeRefsCommand, [sourceDir, '--check']);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/cli\.flag\s+src\/app\.ts:1:28\s+active/);
    expect(result.out).toMatch(/gone\.flag\s+src\/app\.ts:2:24\s+unknown/);
    expect(result.out).not.toContain('ignored.flag');
  });
});

describe('admin bootstrap', () => {
  it('prints a new admin token once when no live admin token exists, and never revives a revoked configured one', async () => {
    const tokens = harness.app.context.tokens;
    for (const token of tokens.list())
      if (!token.revoked) await tokens.revoke({ id: token.id, actor: 'test' });
    const printed: string[] = [];
    await bootstrapAdminToken(tokens, ADMIN_TOKEN, (text) => printed.push(text));
    expect(printed).toEqual([]);
    expect(tokens.authenticate(ADMIN_TOKEN)).toBeUndefined();
    await bootstrapAdminToken(tokens, '', (text) => printed.push(text));
    const secret = /(twk_\S+)/.exec(printed.join(''))?.[1];
    expect(secret).toBeDefined();
    expect((await call(harness, 'GET', '/api/v1/tokens', { token: secret })).status).toBe(200);
    await bootstrapAdminToken(tokens, '', (text) => printed.push(text));
    expect(printed).toHaveLength(1);
  });
});
