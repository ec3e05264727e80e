// Lint: typescript-eslint's recommended rules, plus the layering rules of
// ../shared/design/architecture.md §3 (who may import whom, where env and the clock are read).
import tseslint from 'typescript-eslint';

const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

/** What the quantum library may never import: it runs without the server. */
const SERVER = ['*/domain/*', '*/app/*', '*/storage/*', '*/http/*', '*/worker/*', 'fastify'];

/** src/quantum's rooms, lowest first. */
const QUANTUM_ROOMS = [
  'linalg',
  'ir',
  'encoding',
  'frontend',
  'noise',
  'kernels',
  'compile',
  'engines',
  'primitives',
];

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
    rules: restrict(SERVER, 'quantum/ is a standalone library.'),
  },
  // quantum/ in rooms, each importing only the rooms below it (and errors.ts, rng.ts at the top
  // of the library): linalg → ir → encoding → frontend → noise → kernels → compile → engines →
  // primitives. index.ts and the cross-room tests at the root may import any.
  ...QUANTUM_ROOMS.map((room, i) => ({
    files: [`src/quantum/${room}/**/*.ts`],
    // Tests check a room through the library's entry points too.
    ignores: ['src/quantum/**/*.test.ts'],
    rules: restrict(
      [
        ...SERVER,
        ...QUANTUM_ROOMS.slice(i + 1).map((above) => `**/${above}/**`),
        // The library's entry point (index.ts) imports every room.
        '../index.js',
        '../../index.js',
      ],
      `quantum/${room}/ imports only ${QUANTUM_ROOMS.slice(0, i).join(', ') || 'no other room'} (the rooms below it).`,
    ),
  })),
);
