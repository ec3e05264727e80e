/**
 * The PostgreSQL versions Berth runs on: every major version upstream still supports
 * (December 2026: 15, 16, 17 and 18). CI runs the store contract and the failure tests on the
 * oldest and the newest of them.
 */
export const MIN_POSTGRES_MAJOR = 15;

/**
 * Why Berth cannot use a server of this `server_version_num` (e.g. 150018, or 90624 for 9.6),
 * or null when it can. `shown` is the server's own `server_version` text, for the message.
 */
export function unsupportedServer(versionNum: number, shown: string): string | null {
  if (!Number.isFinite(versionNum) || versionNum <= 0)
    return `cannot tell the PostgreSQL server's version (server_version_num "${String(versionNum)}"); Berth needs PostgreSQL ${MIN_POSTGRES_MAJOR} or newer`;
  // Since 10 the major version is the number divided by 10000; before, 9.6 was 90600.
  const major = Math.floor(versionNum / 10000);
  if (major >= MIN_POSTGRES_MAJOR) return null;
  return `PostgreSQL ${shown} is too old: Berth needs PostgreSQL ${MIN_POSTGRES_MAJOR} or newer (the versions upstream still supports). Upgrade the server, or set BERTH_DB to a PostgreSQL ${MIN_POSTGRES_MAJOR}+ URL (or to a SQLite file path)`;
}
