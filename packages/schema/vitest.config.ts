import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: '@tripwire/schema',
    include: ['test/**/*.test.ts'],
    pool: 'forks',
  },
});
