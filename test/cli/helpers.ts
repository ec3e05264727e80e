/**
 * Run the real `berth` command (TypeScript sources through tsx) as a child process, and one
 * server per test file.
 *
 * The server is started like test/helpers/spawn-server.ts does, but lives until the file's last
 * test (that helper kills its servers after each test; one server per file keeps this suite fast).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export const ADMIN_KEY = 'cli-test-admin-key-0123456789';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children.splice(0))
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temporary directory, removed after the file's tests. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'berth-cli-test-'));
  dirs.push(d);
  return d;
}

/** `berth serve` on a free port with an in-memory database and ADMIN_KEY; resolves with its URL. */
export async function startFileServer(env: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env: {
      ...process.env,
      BERTH_HOST: '127.0.0.1',
      BERTH_PORT: '0',
      BERTH_DB: ':memory:',
      BERTH_LOG_LEVEL: 'info',
      BERTH_API_KEY: ADMIN_KEY,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start:\n${out}\n${err}`)),
      20_000,
    );
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"address":"(http:\/\/[^"]+)"/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${out}\n${err}`));
    });
  });
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Extra environment (BERTH_URL, BERTH_TOKEN, …). */
  readonly env?: Record<string, string>;
  /** Written to stdin. */
  readonly input?: string;
}

/** A config directory nobody wrote to: the developer's own ~/.config/berth is never read. */
const isolated = mkdtempSync(join(tmpdir(), 'berth-cli-home-'));
dirs.push(isolated);

export interface Started {
  /** Output so far. */
  readonly output: () => { stdout: string; stderr: string };
  readonly done: Promise<Run>;
}

/** Start `berth …args`; `done` resolves with its exit code and output. */
export function start(args: readonly string[], opts: RunOptions = {}): Started {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('BERTH_')) delete env[k];
  Object.assign(
    env,
    { HOME: isolated, XDG_CONFIG_HOME: join(isolated, 'xdg'), COLUMNS: '80' },
    opts.env,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(opts.input ?? '');
  return {
    output: () => ({ stdout, stderr }),
    done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))),
  };
}

/** `berth …args`: exit code, stdout and stderr. */
export function berth(args: readonly string[], opts: RunOptions = {}): Promise<Run> {
  return start(args, opts).done;
}

/** Poll until `check` holds (every 20 ms, at most `ms`). */
export async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `berth` against `url` with `token`. */
export function client(url: string, token: string) {
  const withEnv = (opts: RunOptions): RunOptions => ({
    ...opts,
    env: { BERTH_URL: url, BERTH_TOKEN: token, ...opts.env },
  });
  const run = (args: readonly string[], opts: RunOptions = {}): Promise<Run> =>
    berth(args, withEnv(opts));
  return Object.assign(run, {
    start: (args: readonly string[], opts: RunOptions = {}): Started => start(args, withEnv(opts)),
  });
}

export const BELL_QASM =
  'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n';
