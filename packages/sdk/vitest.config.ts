import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: '@tripwire/sdk',
    include: ['test/**/*.test.ts'],
    pool: 'forks',
  },
});
