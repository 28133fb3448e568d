import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emitPythonSchemas, PYTHON_SCHEMA_DIR } from './export-python-schema.js';

/**
 * The Python SDK's own suite (packages/sdk-python): creates its virtual environment if needed
 * (scripts/setup-venv.sh, a no-op when up to date), then runs pytest, `mypy --strict` and ruff.
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
  it('ships the JSON Schemas that @tripwire/schema emits (npx tsx test/export-python-schema.ts)', () => {
    for (const [name, text] of emitPythonSchemas())
      expect(readFileSync(new URL(name, PYTHON_SCHEMA_DIR), 'utf8'), name).toBe(text);
  });

  it('sets up its virtual environment', () => {
    expectSuccess('setup-venv.sh', run('bash', ['scripts/setup-venv.sh']));
  });

  it('passes its pytest suite', () => {
    const result = run(`${venvBin}python`, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider']);
    console.log(result.output.trim().split('\n').at(-1));
    expectSuccess('pytest', result);
  });

  it('type-checks under mypy --strict', () => {
    expectSuccess('mypy --strict', run(`${venvBin}python`, ['-m', 'mypy', '--strict']));
  });

  it('is lint-clean and formatted (ruff)', () => {
    expectSuccess('ruff check', run(`${venvBin}ruff`, ['check', '--no-cache', 'src', 'tests']));
    expectSuccess(
      'ruff format',
      run(`${venvBin}ruff`, ['format', '--no-cache', '--check', 'src', 'tests']),
    );
  });
});
