import { defineConfig } from 'vitest/config';

// Each workspace is a vitest project with its own config; ClickHouse-touching projects use
// `pool: 'forks'` so every test file gets its own process (chdb allows one data dir per process).
// Workspace packages export `dist/` to their users and `src/` under the `@tripwire/source`
// condition, which every project config resolves first: tests read the TypeScript sources and
// need no build (`tsc -b` resolves the same way through `customConditions`, `tsx` through
// `--conditions=@tripwire/source`).
export default defineConfig({
  test: {
    projects: ['packages/*', 'services/*', 'test'],
  },
});
