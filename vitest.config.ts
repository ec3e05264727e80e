import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two projects: every test on the default store (SQLite), and the whole-service suites once
 * more with each test runtime on a fresh PostgreSQL schema (BERTH_TEST_DB=postgres), so both
 * stores answer the API the same. The store contract runs against both in the first project.
 */
const ON_BOTH = [
  'test/scenarios/**/*.test.ts',
  'test/http/events.test.ts',
  'test/http/webhooks.test.ts',
  'test/http/jobs-api.test.ts',
  'test/http/auth.test.ts',
  'test/http/ops.test.ts',
  'test/http/calibrations.test.ts',
];

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // A throwaway PostgreSQL for the PostgreSQL suites (or TEST_DATABASE_URL's server).
    globalSetup: ['test/helpers/postgres-global.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/postgres/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          // test/postgres: what only several nodes on one database can show.
          include: [...ON_BOTH, 'test/postgres/**/*.test.ts'],
          env: { BERTH_TEST_DB: 'postgres' },
        },
      },
    ],
  },
});
