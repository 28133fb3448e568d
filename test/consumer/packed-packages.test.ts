import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A new user's service: the SDK and schema tarballs exactly as `npm pack` makes them, installed
// into a scratch project outside the workspace (no links), used from ESM, CommonJS and TypeScript.
const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const FIXTURE = new URL('fixture/', import.meta.url).pathname;
const SDK_README = new URL('../../packages/sdk/README.md', import.meta.url).pathname;
const PACKAGES = ['@tripwire/schema', '@tripwire/sdk'] as const;
const requireFromRoot = createRequire(join(ROOT, 'package.json'));
const TSC = requireFromRoot.resolve('typescript/bin/tsc');
/** The host's OTel and OpenFeature packages, at the versions the workspace tests with. */
const HOST_DEPENDENCIES = [
  '@opentelemetry/api',
  '@opentelemetry/sdk-trace-base',
  '@openfeature/server-sdk',
  '@types/node',
];

interface PackResult {
  filename: string;
  files: { path: string }[];
}

let scratch = '';
let packed: PackResult[] = [];

async function packWorkspaces(destination: string): Promise<PackResult[]> {
  const args = ['pack', '--json', '--pack-destination', destination];
  for (const name of PACKAGES) args.push('--workspace', name);
  const { stdout } = await run('npm', args, { cwd: ROOT, maxBuffer: 64 << 20 });
  return JSON.parse(stdout.slice(stdout.indexOf('['))) as PackResult[];
}

function hostVersion(name: string): string {
  const manifest = join(ROOT, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

async function installScratchProject(dir: string, tarballs: PackResult[]): Promise<void> {
  const file = (name: string) =>
    `file:${join(dir, tarballs[PACKAGES.indexOf(name as never)]!.filename)}`;
  const dependencies: Record<string, string> = Object.fromEntries(
    PACKAGES.map((name) => [name, file(name)]),
  );
  for (const name of HOST_DEPENDENCIES) dependencies[name] = hostVersion(name);
  const manifest = {
    name: 'consumer',
    private: true,
    dependencies,
    overrides: { '@tripwire/schema': file('@tripwire/schema') },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  cpSync(FIXTURE, dir, { recursive: true });
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--install-links'], {
    cwd: dir,
    maxBuffer: 64 << 20,
  });
}

async function runNode(file: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [file, join(scratch, 'flags.json')], {
    cwd: scratch,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Through TripwireSpanProcessor's spanProcessors: 3 exposures exported, only the first started. */
function expectCarriedExposures(carrier: unknown): void {
  const { started, exposures } = carrier as {
    started: number;
    exposures: Record<string, unknown>[];
  };
  expect(started).toBe(1);
  expect(exposures).toHaveLength(3);
  for (const exposure of exposures) {
    expect(exposure).toMatchObject({
      name: 'tripwire.exposure',
      'feature_flag.key': 'checkout-flow',
    });
    expect(exposure['feature_flag.context.id']).toMatch(/^[0-9a-f]{32}$/);
  }
}

describe('the packed SDK in a new project', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'tripwire-consumer-'));
    packed = await packWorkspaces(scratch);
    await installScratchProject(scratch, packed);
  }, 300_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('packs compiled JavaScript, declarations and source maps, and no tests or benches', () => {
    for (const tarball of packed) {
      const paths = tarball.files.map((f) => f.path);
      expect(
        paths.filter((p) => /(^|\/)(test|bench)s?\//.test(p) || /\.test\.ts$/.test(p)),
      ).toEqual([]);
      for (const entry of [
        'dist/esm/index.js',
        'dist/esm/index.d.ts',
        'dist/esm/index.js.map',
        'dist/cjs/index.js',
        'dist/cjs/package.json',
      ]) {
        expect(paths).toContain(entry);
      }
    }
  });

  it('runs from an ES module: evaluates, exports an exposure span, serves OpenFeature and the test client', async () => {
    const out = await runNode('esm-consumer.mjs');
    expect(out).toMatchObject({ ready: true, testClient: true, flow: { reason: 'split' } });
    expect(['control', 'treatment']).toContain((out.flow as { variant: string }).variant);
    expect(out.openFeature).toMatchObject({ reason: 'SPLIT' });
    const exposures = out.exposures as Record<string, unknown>[];
    expect(exposures.length).toBeGreaterThanOrEqual(2);
    expect(exposures[0]).toMatchObject({
      'feature_flag.key': 'checkout-flow',
      'feature_flag.result.reason': 'split',
    });
    expectCarriedExposures(out.carrier);
  });

  it('runs from CommonJS through the CommonJS build, the fast exposure carrier included', async () => {
    const out = await runNode('cjs-consumer.cjs');
    expect(out).toMatchObject({
      ready: true,
      cjs: true,
      provider: 'function',
      testClient: true,
      flow: { reason: 'split' },
    });
    expect((out.exposures as unknown[]).length).toBe(1);
    expectCarriedExposures(out.carrier);
  });

  it("runs the SDK README's first example as written, offline, from its flags file", async () => {
    const readme = readFileSync(SDK_README, 'utf8');
    const block = (lang: string) =>
      new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(readme)?.[1];
    const dir = join(scratch, 'readme-example');
    mkdirSync(dir);
    writeFileSync(join(dir, 'flags.json'), block('json') ?? '');
    writeFileSync(join(dir, 'app.mjs'), block('js') ?? '');
    const { stdout, stderr } = await run(process.execPath, ['app.mjs'], { cwd: dir });
    expect(stdout).toMatch(/^ada: checkout-flow=(old|new) new-nav=true$/m);
    expect(stdout).toMatch(/^grace: checkout-flow=(old|new) new-nav=false$/m);
    expect(stderr).toContain('no hashKey given');
  });

  // ts-consumer.ts holds a @ts-expect-error: declarations that type the API as `any` fail too.
  it('type-checks a TypeScript consumer against the published declarations', async () => {
    await expect(
      run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: scratch }),
    ).resolves.toBeDefined();
  });
});
