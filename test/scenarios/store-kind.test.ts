/**
 * The harness itself: the `postgres` test project really runs the whole service on PostgreSQL
 * (a fresh schema per runtime), and the `sqlite` one on SQLite.
 */
import { expect, it } from 'vitest';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { testRuntime } from '../helpers/test-runtime.js';

it('runs each test runtime on the store its project names', async () => {
  const { rt, api } = await testRuntime();
  const expected = process.env.BERTH_TEST_DB === 'postgres' ? PostgresStore : SqliteStore;
  expect(rt.store).toBeInstanceOf(expected);
  const created = await api('POST', '/api/v1/sessions', { backend: 'berth_sim', mode: 'batch' });
  expect(created.status).toBe(200);
  expect((await rt.store.getSession(created.body.id))?.mode).toBe('batch');
});
