import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: '@tripwire/e2e',
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**'],
    pool: 'forks',
  },
});
