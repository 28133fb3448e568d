import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * `^(a+)+$` against runs of `a` ending in `b` takes exponential time on a backtracking engine
 * (28 a's blocked the event loop ~1 s, doubling per character). The evaluation runs in a child
 * process killed after a generous 60 s, so a regression fails instead of hanging the suite; the
 * assertions are on the results, not on timing.
 */
const SCRIPT = `
import { compileConfig } from '@tripwire/sdk';
const flag = {
  key: 'redos', kind: 'release', type: 'boolean', salt: 'redos', defaultVariant: 'off', version: 1,
  variants: [{ key: 'off', value: false }, { key: 'on', value: true }],
  metadata: { owner: 'test', createdAt: '2026-01-01T00:00:00Z' },
  environments: { production: { enabled: true, fallthrough: { variant: 'off' }, rules: [
    { id: 'r', when: { attribute: 'v', op: 'matches', values: ['^(a+)+$'] }, serve: { variant: 'on' } },
  ] } },
};
const config = compileConfig({ schemaVersion: 1, environment: 'production', version: 1,
  generatedAt: '2026-01-02T00:00:00Z', flags: [flag], segments: [] });
const values = ['a'.repeat(28) + 'b', 'a'.repeat(4095) + 'b', 'a'.repeat(4096), 'a'.repeat(10000) + 'b'];
console.log(JSON.stringify(values.map((v) => config.evaluate('redos', { v }, false).value)));
`;

function runChild(timeoutMs: number): Promise<{ stdout: string; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@tripwire/source', '--import', 'tsx', '--input-type=module', '-e', SCRIPT],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, signal });
    });
  });
}

describe('matches is linear-time', () => {
  it(
    'evaluates ^(a+)+$ on 28, 4095 and 10,000 a plus b without stalling',
    { timeout: 90_000 },
    async () => {
      const { stdout, signal } = await runChild(60_000);
      expect(signal, 'the evaluation was killed after 60 s: backtracking?').toBeNull();
      // 28 a + b and 4095 a + b do not match; 4096 a do; 10,000 a + b is past the 4096 cap.
      expect(JSON.parse(stdout.trim())).toEqual([false, false, true, false]);
    },
  );
});
