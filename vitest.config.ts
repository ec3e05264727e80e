import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Projects: every test on the default store (SQLite); the whole-service suites once more with
 * each test runtime on a fresh PostgreSQL 17 schema (BERTH_TEST_DB=postgres), so both stores
 * answer the API the same; and the PostgreSQL store contract and failure tests on 15 and 18.
 * The store contract runs against both stores in the first project.
 */
const ON_BOTH = [
  'test/scenarios/**/*.test.ts',
  'test/http/events.test.ts',
  'test/http/webhooks.test.ts',
  'test/http/jobs-api.test.ts',
  'test/http/auth.test.ts',
  'test/http/ops.test.ts',
  'test/http/calibrations.test.ts',
  // Workers killed and paused past their lease.
  'test/http/remote-workers.test.ts',
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
      // The oldest and the newest PostgreSQL upstream supports (December 2026): the store
      // contract and the failure tests again on each.
      ...[15, 18].map((version) => ({
        extends: true as const,
        test: {
          name: `postgres-${version}`,
          include: [
            'src/storage/postgres/postgres-store.test.ts',
            'src/storage/schema-parity.test.ts',
            'test/http/remote-workers.test.ts',
            'test/postgres/**/*.test.ts',
          ],
          env: { BERTH_TEST_DB: 'postgres', BERTH_TEST_PG: String(version) },
        },
      })),
    ],
  },
});
