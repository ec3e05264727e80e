/** PostgreSQL stores for tests: each in a fresh schema of the test server (postgres-global.ts). */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { quoteIdent } from '../../src/storage/postgres/sql.js';
import { DEFAULT_PG, PG_VERSIONS, type PgVersion } from './embedded-postgres.js';

/** The PostgreSQL version this test project runs on (BERTH_TEST_PG; 17 by default). */
export function testPgVersion(): PgVersion {
  const v = Number(process.env.BERTH_TEST_PG ?? DEFAULT_PG);
  return (PG_VERSIONS as readonly number[]).includes(v) ? (v as PgVersion) : DEFAULT_PG;
}

export function postgresUrl(): string {
  const url = inject('postgresUrls')[String(testPgVersion())];
  if (!url) throw new Error(`no PostgreSQL ${testPgVersion()} was started for the tests`);
  return url;
}

/** A schema name no other test uses. */
export function freshSchema(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/** A store on a fresh schema (or on `schema`: a second handle on the same data). */
export function openPostgresStore(schema = freshSchema()): Promise<PostgresStore> {
  return PostgresStore.open({ url: postgresUrl(), schema });
}

/** Create an empty schema (for a runtime whose BERTH_DB URL selects it). */
export async function createSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: postgresUrl() });
  await c.connect();
  try {
    await c.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  } finally {
    await c.end();
  }
}

/** Drop a test schema (the server may be a shared one, TEST_DATABASE_URL). */
export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: postgresUrl() });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    await c.end();
  }
}
