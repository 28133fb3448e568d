import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: '@tripwire/demo',
    include: ['test/**/*.test.ts'],
    pool: 'forks',
  },
});
