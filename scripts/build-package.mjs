#!/usr/bin/env node
// Builds the workspace package in the current directory: tsc with tsconfig.build.json (ESM, declarations,
// source maps), tsconfig.cjs.json when present (CommonJS in dist/cjs), and copies the non-TypeScript files
// under src/ (SQL migrations, web assets) beside the compiled JavaScript.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function compile(project) {
  execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
  return JSON.parse(readFileSync(project, 'utf8')).compilerOptions?.outDir;
}

rmSync('dist', { recursive: true, force: true });
const outDir = compile('tsconfig.build.json');
cpSync('src', outDir, {
  recursive: true,
  filter: (source) => !source.endsWith('.ts') || source.endsWith('.d.ts'),
});
if (existsSync('tsconfig.cjs.json')) {
  const cjsDir = compile('tsconfig.cjs.json') ?? 'dist/cjs';
  writeFileSync(join(cjsDir, 'package.json'), '{ "type": "commonjs" }\n');
}
