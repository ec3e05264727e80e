/**
 * The two dialects' schemas after all migrations: the same tables, columns (name, kind of type,
 * nullability) and named indexes. The one difference is listed with its reason.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { expect, it } from 'vitest';
import {
  dropSchema,
  freshSchema,
  openPostgresStore,
  postgresUrl,
} from '../../test/helpers/postgres.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Only in PostgreSQL, and why. */
const POSTGRES_ONLY: Record<string, string> = {
  'job_logs.id':
    'SQLite orders log lines by its implicit rowid; PostgreSQL has none, so an identity column',
  'events.xid':
    "PostgreSQL's writers commit concurrently: an event's transaction id tells readers when all events before it are visible (SQLite has one writer)",
};

type Kind = 'integer' | 'real' | 'text';
const kindOf = (type: string): Kind => {
  const t = type.toLowerCase();
  if (t.includes('int')) return 'integer';
  if (t.includes('real') || t.includes('double')) return 'real';
  return 'text';
};

it('gives both dialects the same tables, columns and indexes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-parity-'));
  const path = join(dir, 'p.db');
  await new SqliteStore({ path }).close();
  const lite = new Database(path, { readonly: true });
  const sqliteCols: string[] = [];
  const sqliteIdx: string[] = [];
  const tables = (
    lite
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      .all() as { name: string }[]
  ).map((t) => t.name);
  for (const t of tables) {
    for (const c of lite.prepare(`PRAGMA table_info(${t})`).all() as {
      name: string;
      type: string;
      notnull: number;
      pk: number;
    }[])
      sqliteCols.push(
        `${t}.${c.name} ${kindOf(c.type)} ${c.notnull || c.pk ? 'not null' : 'null'}`,
      );
  }
  for (const i of lite
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'`,
    )
    .all() as { name: string }[])
    sqliteIdx.push(i.name);
  lite.close();
  rmSync(dir, { recursive: true, force: true });

  const schema = freshSchema();
  await (await openPostgresStore(schema)).close();
  const c = new pg.Client({ connectionString: postgresUrl() });
  await c.connect();
  const cols = (
    await c.query(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = $1`,
      [schema],
    )
  ).rows as { table_name: string; column_name: string; data_type: string; is_nullable: string }[];
  const idx = (
    await c.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1
       AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'`,
      [schema],
    )
  ).rows as { indexname: string }[];
  await c.end();
  await dropSchema(schema);

  const pgCols = cols
    .filter((r) => !(`${r.table_name}.${r.column_name}` in POSTGRES_ONLY))
    .map(
      (r) =>
        `${r.table_name}.${r.column_name} ${kindOf(r.data_type)} ${r.is_nullable === 'NO' ? 'not null' : 'null'}`,
    );
  expect(sqliteCols.length).toBeGreaterThan(100);
  for (const only of Object.keys(POSTGRES_ONLY))
    expect(cols.some((r) => `${r.table_name}.${r.column_name}` === only)).toBe(true);
  expect(pgCols.sort()).toEqual(sqliteCols.sort());
  expect(idx.map((r) => r.indexname).sort()).toEqual(sqliteIdx.sort());
});
