/**
 * Run the real `berth` command (TypeScript sources through tsx) as a child process, and one
 * server per test file.
 *
 * The server lives until the file's last test: one server per file keeps this suite fast.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { startServer, tempDir as sharedTempDir } from '../helpers/spawn-server.js';

export const ADMIN_KEY = 'cli-test-admin-key-0123456789';

/** A temporary directory, removed after the file's tests. */
export const tempDir = (): string => sharedTempDir('file');

/** `berth serve` on a free port with an in-memory database and ADMIN_KEY, for the whole file. */
export async function startFileServer(env: Record<string, string> = {}): Promise<string> {
  const server = await startServer(
    { BERTH_DB: ':memory:', BERTH_API_KEY: ADMIN_KEY, ...env },
    { lifetime: 'file' },
  );
  return server.url;
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
const isolated = tempDir();

/** CLI processes still running when the file ends (a watch the test left) are killed then. */
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children.splice(0))
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

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
