// Lint: typescript-eslint's recommended rules, plus the layering rules of
// ../shared/design/architecture.md §3 (who may import whom, where env and the clock are read).
import tseslint from 'typescript-eslint';

const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'data/',
      'coverage/',
      '.tmp/',
      'src/storage/generated/',
      'src/client/generated/',
      'packages/client/dist/',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'error',
    },
  },
  {
    // Tests and benchmarks walk JSON answers; typing every body would add noise, not safety.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'src/**/*.test.ts', 'src/**/*.contract.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in src/config only.' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/domain/clock.ts', 'src/**/*.test.ts', 'src/quantum/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'Use the injected Clock.',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Use the injected Clock.',
        },
      ],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    ignores: ['src/domain/**/*.test.ts'],
    rules: restrict(
      [
        'node:*',
        '../app/*',
        '../../app/*',
        '*/storage/*',
        '*/http/*',
        '*/worker/*',
        'fastify',
        'better-sqlite3',
      ],
      'domain/ is pure: it imports only domain/.',
    ),
  },
  {
    files: ['src/app/**/*.ts'],
    rules: restrict(
      [
        'node:*',
        '*/storage/*',
        '*/http/*',
        '*/worker/*',
        '*/quantum/*',
        'fastify',
        'better-sqlite3',
      ],
      'app/ imports only domain/ (and declares ports).',
    ),
  },
  {
    files: ['src/storage/**/*.ts'],
    ignores: ['src/storage/**/*.test.ts', 'src/storage/store.contract.ts'],
    rules: restrict(
      ['*/http/*', '*/worker/*', '*/quantum/*', 'fastify'],
      'storage/ imports app/ports and domain/ only.',
    ),
  },
  {
    files: ['src/http/**/*.ts'],
    rules: restrict(
      ['*/storage/*', '*/worker/*', '*/quantum/*', 'better-sqlite3'],
      'http/ calls services, never storage or workers.',
    ),
  },
  {
    files: ['src/quantum/**/*.ts'],
    rules: restrict(
      ['*/domain/*', '*/app/*', '*/storage/*', '*/http/*', '*/worker/*', 'fastify'],
      'quantum/ is a standalone library.',
    ),
  },
);
