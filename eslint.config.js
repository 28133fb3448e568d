// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Boundaries from DESIGN.md: dependencies run one way, and nobody reaches into another package's internals. */
const noInternals = {
  group: [
    '@tripwire/*/src/*',
    '@tripwire/*/internal/*',
    '**/packages/*/src/*',
    '**/services/*/src/*',
  ],
  message: 'Import a package through its public entry point, not its src/ or internal/.',
};
const restrict = (/** @type {string[]} */ forbidden, /** @type {string} */ message) => ({
  'no-restricted-imports': [
    'error',
    { patterns: [noInternals, ...(forbidden.length ? [{ group: forbidden, message }] : [])] },
  ],
});

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/.venv/**',
      '**/dist/**',
      // Resolved against a scratch install of the packed packages (test/consumer), not the workspace.
      'test/consumer/fixture/**',
      '.tripwire-data/**',
      '**/.tripwire-data/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      // Fastify plugins and handlers are async by contract even when they do not await.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'List every export by name (STYLE.md).' },
        { selector: 'TSEnumDeclaration', message: 'Use `as const` objects or string unions.' },
      ],
    },
  },
  {
    files: ['packages/schema/**/*.ts'],
    rules: restrict(
      ['@tripwire/*', '@opentelemetry/*'],
      'schema depends on nothing but its schema library.',
    ),
  },
  {
    files: ['packages/stats/**/*.ts'],
    rules: restrict(
      [
        '@tripwire/sdk',
        '@tripwire/analysis',
        '@tripwire/demo',
        '@opentelemetry/*',
        'node:*',
        'fs',
        'http',
      ],
      'stats is pure: it imports only @tripwire/schema and its math libraries.',
    ),
  },
  {
    files: ['packages/sdk/src/**/*.ts'],
    rules: restrict(
      [
        '@tripwire/stats',
        '@tripwire/analysis',
        '@tripwire/demo',
        '@opentelemetry/sdk-*',
        '@opentelemetry/core',
        '@opentelemetry/semantic-conventions*',
      ],
      'The SDK depends on @tripwire/schema and the @opentelemetry/api peer only.',
    ),
  },
  {
    files: ['services/demo/**/*.ts'],
    rules: restrict(['@tripwire/analysis'], 'Nothing imports a service.'),
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The results page runs in the browser (type-checked by its own tsconfig with the DOM lib).
    files: ['services/analysis/src/web/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
