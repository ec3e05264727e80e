import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { planMigrations } from './migrate.js';

const m = (version: number, checksum = `c${version}`) => ({
  version,
  name: `m${version}`,
  checksum,
  sql: '',
});

describe('planMigrations', () => {
  it('applies what is missing, in order', () => {
    expect(
      planMigrations([m(1), m(2), m(3)], [{ version: 1, checksum: 'c1' }]).map((x) => x.version),
    ).toEqual([2, 3]);
  });
  it('refuses a database written by a newer Berth', () => {
    expect(() => planMigrations([m(1)], [{ version: 2, checksum: 'c2' }])).toThrow(/newer Berth/);
  });
  it('keeps the embedded migrations in step with the SQL files', () => {
    expect(() =>
      execFileSync('node', ['scripts/build-sql.mjs', '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  });
});
