import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: '@tripwire/analysis',
    include: ['test/**/*.test.ts'],
    pool: 'forks',
  },
});
