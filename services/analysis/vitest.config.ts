import { defineProject } from 'vitest/config';

export default defineProject({
  // Sibling packages resolve to their TypeScript sources (see the root vitest.config.ts).
  ssr: { resolve: { conditions: ['@tripwire/source', 'node', 'development|production'] } },
  test: {
    name: '@tripwire/analysis',
    include: ['test/**/*.test.ts'],
    pool: 'forks',
  },
});
