import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The Python SDK's own suite (packages/sdk-python): creates its virtual environment if needed
 * (scripts/setup-venv.sh, a no-op when up to date), then runs pytest and `mypy --strict`.
 */
const packageDir = fileURLToPath(new URL('../packages/sdk-python/', import.meta.url));
const venvBin = `${packageDir}.venv/bin/`;

function run(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, {
    cwd: packageDir,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout}${result.stderr}${result.error ? String(result.error) : ''}`;
  return { status: result.status, output };
}

function expectSuccess(name: string, result: { status: number | null; output: string }): void {
  if (result.status !== 0) console.error(`${name} failed:\n${result.output}`);
  expect(result.status, `${name} output:\n${result.output}`).toBe(0);
}

describe('the Python SDK', { timeout: 600_000 }, () => {
  it('sets up its virtual environment', () => {
    expectSuccess('setup-venv.sh', run('bash', ['scripts/setup-venv.sh']));
  });

  it('passes its pytest suite', () => {
    const result = run(`${venvBin}python`, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider']);
    console.log(result.output.trim().split('\n').slice(-3).join('\n'));
    expectSuccess('pytest', result);
  });

  it('type-checks under mypy --strict', () => {
    expectSuccess('mypy --strict', run(`${venvBin}python`, ['-m', 'mypy', '--strict']));
  });
});
