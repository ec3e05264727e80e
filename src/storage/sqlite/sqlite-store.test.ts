import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStoreContract } from '../store.contract.js';
import { SqliteStore } from './sqlite-store.js';
import { sqliteMigrations } from '../generated/migrations.js';

runStoreContract({
  name: 'sqlite :memory:',
  makeStore: async () => ({ store: new SqliteStore({ path: ':memory:' }) }),
  pair: {
    none: 'SQLite mode is one process by design: the file is opened with an exclusive lock (ADR 0005)',
    proof: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'berth-pair-'));
      try {
        const first = new SqliteStore({ path: join(dir, 'db.sqlite') });
        expect(() => new SqliteStore({ path: join(dir, 'db.sqlite'), lockTimeoutMs: 10 })).toThrow(
          /in use by another Berth server/,
        );
        await first.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
});

describe('SqliteStore on a file', () => {
  it('refuses a second server on the same database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-lock-'));
    try {
      const first = new SqliteStore({ path: join(dir, 'db.sqlite') });
      expect(() => new SqliteStore({ path: join(dir, 'db.sqlite'), lockTimeoutMs: 10 })).toThrow(
        /in use by another Berth server/,
      );
      await first.close();
      const again = new SqliteStore({ path: join(dir, 'db.sqlite') });
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start on a database whose applied migration was edited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-mig-'));
    try {
      const path = join(dir, 'db.sqlite');
      await new SqliteStore({ path }).close();
      const edited = sqliteMigrations.map((m) => ({ ...m, checksum: 'changed' }));
      expect(() => new SqliteStore({ path, migrations: edited })).toThrow(/checksum mismatch/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
