import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** packages/sdk-python/, with a trailing slash. */
export const SDK_PYTHON_DIR = fileURLToPath(new URL('../../packages/sdk-python/', import.meta.url));

/** Creates (or checks) the SDK's virtual environment: scripts/setup-venv.sh, a no-op when current. */
export function setupPythonVenv(): void {
  const setup = spawnSync('bash', [`${SDK_PYTHON_DIR}scripts/setup-venv.sh`], { encoding: 'utf8' });
  if (setup.status !== 0) throw new Error(`setup-venv.sh failed:\n${setup.stdout}${setup.stderr}`);
}

/** A script of packages/sdk-python/tests run by the venv's Python, speaking JSON lines on stdout. */
export interface PythonProcess {
  /** The next stdout line, parsed; rejects with the stderr so far if the process exits first. */
  next<T>(): Promise<T>;
  stderr(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

export function spawnPython(input: {
  script: string;
  args: string[];
  env?: Record<string, string>;
}): PythonProcess {
  const child = spawn(
    `${SDK_PYTHON_DIR}.venv/bin/python`,
    [`${SDK_PYTHON_DIR}tests/${input.script}`, ...input.args],
    {
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...input.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async next<T>(): Promise<T> {
      const line = await lines.next();
      if (line.done === true) throw new Error(`${input.script} exited early:\n${stderr}`);
      return JSON.parse(line.value) as T;
    },
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
