import { defineConfig } from 'vitest/config';

// Each workspace is a vitest project with its own config; ClickHouse-touching projects use
// `pool: 'forks'` so every test file gets its own process (chdb allows one data dir per process).
export default defineConfig({
  test: {
    projects: ['packages/*', 'services/*', 'test'],
  },
});
