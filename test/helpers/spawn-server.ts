/**
 * Start the real `berth serve` in a child process (from the TypeScript sources through tsx) on a
 * free port with a temporary database, and wait until it listens.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/** What a server or directory lives for: the test that made it, or its whole file. */
export type Lifetime = 'test' | 'file';

const owned: Record<Lifetime, { dirs: string[]; children: ChildProcess[] }> = {
  test: { dirs: [], children: [] },
  file: { dirs: [], children: [] },
};

function cleanUp(lifetime: Lifetime): void {
  const { dirs, children } = owned[lifetime];
  for (const c of children.splice(0))
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
afterEach(() => cleanUp('test'));
afterAll(() => cleanUp('file'));

/** A temporary directory, removed after the test (or after the file's tests). */
export function tempDir(lifetime: Lifetime = 'test'): string {
  const d = mkdtempSync(join(tmpdir(), 'berth-test-'));
  owned[lifetime].dirs.push(d);
  return d;
}

/** Write a configuration file into `dir`; returns its path. */
export function writeConfig(dir: string, config: unknown): string {
  const path = join(dir, 'berth.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** Options of startServer. */
export interface StartOptions {
  readonly timeoutMs?: number;
  /** Kill it after the test (default), or after the file's last test (a server shared by a file). */
  readonly lifetime?: Lifetime;
}

export async function startServer(
  env: Record<string, string>,
  { timeoutMs = 20_000, lifetime = 'test' }: StartOptions = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env: {
      ...process.env,
      BERTH_HOST: '127.0.0.1',
      BERTH_PORT: '0',
      BERTH_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  owned[lifetime].children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start:\n${out}\n${err}`)),
      timeoutMs,
    );
    const look = (): void => {
      const m = /"address":"(http:\/\/[^"]+)"/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${out}\n${err}`));
    });
  });
  return { url, child, stdout: () => out, stderr: () => err, exited };
}

/** fetch + JSON with a key. */
export async function call(
  base: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
