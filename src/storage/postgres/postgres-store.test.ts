import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  dropSchema,
  freshSchema,
  openPostgresStore,
  postgresUrl,
} from '../../../test/helpers/postgres.js';
import { postgresMigrations } from '../generated/migrations.js';
import { runStoreContract } from '../store.contract.js';
import { PostgresStore } from './postgres-store.js';

runStoreContract({
  name: 'postgres',
  makeStore: async () => {
    const schema = freshSchema();
    return { store: await openPostgresStore(schema), release: () => dropSchema(schema) };
  },
  pair: {
    make: async () => {
      const schema = freshSchema();
      const a = await openPostgresStore(schema);
      const b = await openPostgresStore(schema);
      return { a, b, release: () => dropSchema(schema) };
    },
  },
});

describe('PostgresStore migrations', () => {
  it('applies each migration once, with nodes starting at the same moment', async () => {
    const schema = freshSchema();
    try {
      const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(schema)));
      await Promise.all(stores.map((s) => s.close()));
      const c = new pg.Client({ connectionString: postgresUrl() });
      await c.connect();
      const rows = (
        await c.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`)
      ).rows as { version: number }[];
      await c.end();
      expect(rows.map((r) => r.version)).toEqual(postgresMigrations.map((m) => m.version));
    } finally {
      await dropSchema(schema);
    }
  });

  it('refuses to start on a database whose applied migration was edited', async () => {
    const schema = freshSchema();
    try {
      await (await openPostgresStore(schema)).close();
      const edited = postgresMigrations.map((m) => ({ ...m, checksum: 'changed' }));
      await expect(
        PostgresStore.open({ url: postgresUrl(), schema, migrations: edited }),
      ).rejects.toThrow(/checksum mismatch/);
    } finally {
      await dropSchema(schema);
    }
  });
});
