/**
 * The migration runner shared by the dialects: applies embedded migrations in order, one
 * transaction each, and records them in `schema_migrations`. An applied migration whose checksum
 * changed is a start-up error: migrations are never edited once released.
 */

/** One embedded migration. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly sql: string;
}

/** A row of the ledger. */
export interface AppliedMigration {
  readonly version: number;
  readonly checksum: string;
}

/** Which migrations to apply, after checking the ledger against the embedded list. */
export function planMigrations(
  embedded: readonly Migration[],
  applied: readonly AppliedMigration[],
): Migration[] {
  const byVersion = new Map(applied.map((a) => [a.version, a]));
  for (const a of applied) {
    const m = embedded.find((e) => e.version === a.version);
    if (!m) {
      throw new Error(
        `database has migration ${a.version}, which this version of Berth does not know: it was written by a newer Berth`,
      );
    }
    if (m.checksum !== a.checksum) {
      throw new Error(
        `migration ${m.version}_${m.name} changed after it was applied (checksum mismatch)`,
      );
    }
  }
  return embedded.filter((m) => !byVersion.has(m.version));
}
