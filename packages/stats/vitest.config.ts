import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: '@tripwire/stats',
    include: ['test/**/*.test.ts'],
    pool: 'forks',
  },
});
